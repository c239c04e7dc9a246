//! The store: scripts, versions, routes and admin tokens, in an embedded
//! SQLite file (the default) or PostgreSQL.
//!
//! Both backends go through sqlx's `Any` driver with one schema and one set
//! of queries (`$1` placeholders work in both); where they differ (SQLite's
//! WAL mode and single writer) it is set up in [`Store::open`].

mod config;
mod invocations;
mod routes;
mod scripts;
mod tokens;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, migrate::Migrator};

pub use config::LimitValues;
pub use invocations::{InvocationFilter, Retention, ScriptStats, StoredInvocation};
pub use routes::Route;
pub use scripts::{NewScript, Script, ScriptUpdate, ScriptVersion};
pub use tokens::TokenInfo;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// An embedded SQLite file `picloud.db` in this directory.
    DataDir(PathBuf),
    /// A `postgres://` URL.
    Postgres(String),
}

impl StoreLocation {
    /// PostgreSQL when `database_url` is a `postgres://` URL, else the
    /// SQLite file in `data_dir`.
    pub fn from_settings(database_url: Option<&str>, data_dir: &Path) -> Result<Self, StoreError> {
        match database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(StoreLocation::Postgres(url.to_string()))
            }
            Some(other) => Err(StoreError::Config(format!(
                "unsupported database URL `{other}`: use a postgres:// URL, or none for the embedded SQLite store"
            ))),
            None => Ok(StoreLocation::DataDir(data_dir.to_path_buf())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} `{id}` not found")]
    NotFound { what: &'static str, id: String },
    #[error("{0}")]
    Conflict(String),
    #[error("store configuration: {0}")]
    Config(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub(crate) fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        StoreError::NotFound {
            what,
            id: id.into(),
        }
    }
}

/// Maps a unique-constraint violation to a conflict with `message`.
pub(crate) fn conflict_on_unique(err: sqlx::Error, message: impl FnOnce() -> String) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(message()),
        _ => StoreError::Database(err),
    }
}

/// Serializes Unix milliseconds as an RFC 3339 timestamp.
pub(crate) fn rfc3339<S: serde::Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    let time = UNIX_EPOCH + std::time::Duration::from_millis((*ms).max(0) as u64);
    s.collect_str(&humantime::format_rfc3339_millis(time))
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The database, migrated and ready.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
}

impl Store {
    pub async fn open(location: &StoreLocation) -> Result<Self, StoreError> {
        install_default_drivers();
        let pool = match location {
            StoreLocation::DataDir(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Config(format!(
                        "creating the data directory {}: {e}",
                        dir.display()
                    ))
                })?;
                let url = format!("sqlite://{}?mode=rwc", dir.join("picloud.db").display());
                // SQLite has a single writer: one connection serializes every
                // write (and transaction) without "database is locked" errors.
                let pool = AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(&url)
                    .await?;
                sqlx::query("PRAGMA journal_mode = WAL")
                    .execute(&pool)
                    .await?;
                sqlx::query("PRAGMA foreign_keys = ON")
                    .execute(&pool)
                    .await?;
                pool
            }
            StoreLocation::Postgres(url) => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .connect(url)
                    .await?
            }
        };
        MIGRATOR.run(&pool).await?;
        Ok(Store { pool })
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection (SQLite: checkpoints the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
