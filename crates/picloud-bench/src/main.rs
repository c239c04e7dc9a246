//! `picloud-bench`: PiCloud end to end against its baselines, in one run.
//!
//! ```sh
//! cargo build --release -p picloud -p picloud-bench && target/release/picloud-bench
//! ```
//!
//! Starts the release `picloud serve`, loads it with `wrk` at several
//! concurrencies, does the same to two baselines served by this binary
//! (native Rhai with a fresh engine per request; a process per request),
//! measures scaling with 1, 100 and 10 000 deployed scripts, cold start and
//! deploy-to-live time, and writes `docs/bench/results.md` and
//! `docs/bench/throughput.svg`.

mod native;
mod plot;
mod process;
mod report;
mod run;
mod scripts;
mod server;
mod wrk;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "End-to-end benchmark of PiCloud against its baselines")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Seconds per load run.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Where the results go.
    #[arg(long, default_value = "docs/bench")]
    out: PathBuf,
    /// The largest number of deployed scripts to measure (1, 100, then this).
    #[arg(long, default_value_t = 10_000)]
    max_scripts: usize,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// (internal) A baseline server: `native` or `process`, for a script.
    Baseline {
        kind: String,
        script: String,
        #[arg(long)]
        listen: SocketAddr,
    },
    /// (internal) Runs one script natively: `source\0body` on stdin.
    RhaiOnce {
        #[arg(long)]
        path: String,
    },
}

fn source_of(name: &str) -> &'static str {
    match name {
        "hello" => scripts::HELLO,
        "realistic" => scripts::REALISTIC,
        _ => scripts::FIB,
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::RhaiOnce { path }) => native::rhai_once(&path),
        Some(Command::Baseline {
            kind,
            script,
            listen,
        }) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(native::serve(listen, source_of(&script), kind == "process"))
        }
        None => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            let results = runtime.block_on(run::all(
                std::time::Duration::from_secs(cli.seconds),
                cli.max_scripts,
            ))?;
            std::fs::create_dir_all(&cli.out)?;
            plot::throughput(&results, &cli.out.join("throughput.svg"))?;
            let markdown = report::markdown(&results);
            std::fs::write(cli.out.join("results.md"), &markdown)?;
            println!("{markdown}");
            Ok(())
        }
    }
}
