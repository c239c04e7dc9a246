//! The client subcommands: `deploy`, `scripts`, `routes`, `logs`,
//! `invoke`, `versions`, `rollback`. They talk to a running server's admin
//! API, print human tables (or the server's JSON with `--json`), and exit
//! non-zero with the server's message when it refuses.

mod commands;
mod http;
mod table;

use clap::{Args, Subcommand};

pub use commands::run;

/// Where the server is and how to authenticate.
#[derive(Debug, Args)]
pub struct Remote {
    /// The server's URL.
    #[arg(
        long,
        env = "PICLOUD_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    url: String,
    /// An admin token.
    #[arg(
        long,
        env = "PICLOUD_ADMIN_TOKEN",
        hide_env_values = true,
        global = true
    )]
    token: Option<String>,
    /// Print the server's JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Create or update a script from a file, then bind routes; prints the URLs.
    Deploy {
        /// The Rhai script.
        file: std::path::PathBuf,
        /// The script's name [default: the file name without extension].
        #[arg(long)]
        name: Option<String>,
        /// A route to bind, `"METHOD /path"` (repeatable), e.g. `--route "GET /hello"`.
        #[arg(long = "route", value_name = "METHOD /PATH")]
        routes: Vec<String>,
    },
    /// List, show or delete scripts.
    #[command(subcommand)]
    Scripts(ScriptsCommand),
    /// List or delete routes.
    #[command(subcommand)]
    Routes(RoutesCommand),
    /// A script's recent invocations and their logs.
    Logs {
        /// Script name or id.
        script: String,
        /// Keep printing new invocations as they finish.
        #[arg(long, short)]
        follow: bool,
        /// How many recent invocations to print.
        #[arg(long, short = 'n', default_value_t = 20)]
        limit: u32,
    },
    /// Call a script (by name or id) or a route path (starting with `/`).
    Invoke {
        /// Script name or id, or a path such as `/hello?x=1`.
        target: String,
        /// Request method.
        #[arg(long, short = 'X', default_value = "GET")]
        method: String,
        /// Request body.
        #[arg(long, short)]
        data: Option<String>,
        /// A request header, `NAME: VALUE` (repeatable).
        #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
        headers: Vec<String>,
        /// Print the status line and headers too.
        #[arg(long, short)]
        include: bool,
    },
    /// A script's versions.
    Versions {
        /// Script name or id.
        script: String,
    },
    /// Make an earlier version of a script the active one.
    Rollback {
        /// Script name or id.
        script: String,
        /// The version to activate.
        version: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScriptsCommand {
    /// List scripts.
    Ls,
    /// Show a script: details, routes and active source.
    Show { script: String },
    /// Delete a script with its versions, routes and logs.
    Rm { script: String },
}

#[derive(Debug, Subcommand)]
pub enum RoutesCommand {
    /// List routes (of one script with `--script`).
    Ls {
        #[arg(long)]
        script: Option<String>,
    },
    /// Delete a route, by id or as `"METHOD /path"`.
    Rm { route: String },
}
