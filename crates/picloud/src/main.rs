//! `picloud`: the all-in-one PiCloud binary: the server (`serve`, also the
//! default), a local runner (`run`), and the client subcommands that talk
//! to a running server.

mod client;
mod config;
mod dashboard;
mod run;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "picloud", version, about = "Rhai scripts as HTTP endpoints")]
struct Cli {
    /// How the server's own logs look on stderr.
    #[arg(long, env = "PICLOUD_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    log_format: LogFormat,
    #[command(flatten)]
    remote: client::Remote,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve PiCloud (the default): admin API, user routes, execute API,
    /// /healthz, /version, /metrics.
    Serve(config::ServeArgs),
    /// Run a script once, locally, through the real sandboxed executor.
    Run(run::RunArgs),
    #[command(flatten)]
    Client(client::ClientCommand),
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PICLOUD_LOG")
        .unwrap_or_else(|_| "warn,picloud=info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Pretty => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: starting the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let command = cli.command.unwrap_or_else(|| {
        // `picloud` alone serves, with flags from the environment.
        Command::Serve(ServeOnly::parse_from(["picloud"]).serve)
    });
    let result = runtime.block_on(async {
        match command {
            Command::Run(args) => run::run(args).await,
            Command::Serve(args) => serve::serve(args).await.map(|()| ExitCode::SUCCESS),
            Command::Client(command) => client::run(cli.remote, command).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// `picloud` with no subcommand: `serve`'s flags from the environment.
#[derive(Debug, Parser)]
struct ServeOnly {
    #[command(flatten)]
    serve: config::ServeArgs,
}
