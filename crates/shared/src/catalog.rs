//! What the orchestrator needs from the control plane: the deployed scripts
//! and routes ([`Catalog`]), word of every change to them
//! ([`CatalogListener`]), and somewhere to send finished invocations
//! ([`InvocationLog`]).
//!
//! In the all-in-one process the manager implements these directly; in
//! cluster mode an HTTP client of the manager will. The orchestrator caches
//! what the catalog returns and drops an entry the moment a listener hears
//! it changed, so a deploy is live on the next request.

use std::sync::Arc;

use async_trait::async_trait;

use crate::routing::{RouteTable, RouteTarget};
use crate::{InvocationRecord, Limits, ScriptRef};

/// A script as it runs: its active version and its effective limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub script: ScriptRef,
    pub limits: Limits,
}

/// The control plane could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the control plane is unavailable: {message}")]
pub struct CatalogError {
    pub message: String,
}

impl CatalogError {
    pub fn new(message: impl Into<String>) -> Self {
        CatalogError {
            message: message.into(),
        }
    }
}

/// What changed in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogChange {
    /// A route was added or removed.
    Routes,
    /// One script's source, active version, name or limits changed, or it
    /// was deleted.
    Script(String),
    /// Anything may have changed (limit defaults, a reconnect).
    All,
}

/// Hears about catalog changes. Called synchronously by the writer before
/// the change is reported done, so it must be quick and must not block.
pub trait CatalogListener: Send + Sync + 'static {
    fn changed(&self, change: &CatalogChange);
}

/// The deployed scripts and routes.
#[async_trait]
pub trait Catalog: Send + Sync + 'static {
    /// The current route table.
    async fn route_table(&self) -> Result<Arc<RouteTable<RouteTarget>>, CatalogError>;

    /// The script with this id as deployed, or `None` if there is none.
    async fn deployment(&self, script_id: &str) -> Result<Option<Deployment>, CatalogError>;

    /// Registers a listener for every later change.
    fn subscribe(&self, listener: Arc<dyn CatalogListener>);
}

/// Where finished invocations go (the manager's invocation log).
#[async_trait]
pub trait InvocationLog: Send + Sync + 'static {
    /// Stores a batch of finished invocations.
    async fn record(&self, records: &[InvocationRecord]) -> Result<(), CatalogError>;
}
