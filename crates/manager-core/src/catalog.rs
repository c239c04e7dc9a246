//! The manager as the orchestrator's [`Catalog`] and [`InvocationLog`] in
//! the all-in-one process: routes straight from the in-memory table,
//! deployments from the store, and every change announced to the
//! listeners before the admin call that made it returns.

use std::sync::Arc;

use async_trait::async_trait;
use picloud_shared::catalog::{
    Catalog, CatalogChange, CatalogError, CatalogListener, Deployment, InvocationLog,
};
use picloud_shared::routing::{RouteTable, RouteTarget};
use picloud_shared::{InvocationRecord, ScriptRef};

use crate::Manager;
use crate::store::StoreError;

/// The registered listeners.
#[derive(Default)]
pub(crate) struct Listeners(std::sync::RwLock<Vec<Arc<dyn CatalogListener>>>);

impl Listeners {
    pub(crate) fn add(&self, listener: Arc<dyn CatalogListener>) {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(listener);
    }

    pub(crate) fn notify(&self, change: &CatalogChange) {
        let listeners = self
            .0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for listener in listeners.iter() {
            listener.changed(change);
        }
    }
}

fn unavailable(err: StoreError) -> CatalogError {
    CatalogError::new(err.to_string())
}

#[async_trait]
impl Catalog for Manager {
    async fn route_table(&self) -> Result<Arc<RouteTable<RouteTarget>>, CatalogError> {
        Ok(Manager::route_table(self).await)
    }

    async fn deployment(&self, script_id: &str) -> Result<Option<Deployment>, CatalogError> {
        let (script, source) = match self.store.active_source(script_id).await {
            Ok(found) => found,
            Err(StoreError::NotFound { .. }) => return Ok(None),
            Err(err) => return Err(unavailable(err)),
        };
        let limits = self
            .effective_limits(Some(&script.id))
            .await
            .map_err(unavailable)?;
        Ok(Some(Deployment {
            script: ScriptRef {
                id: script.id,
                name: script.name,
                version: u32::try_from(script.version).unwrap_or(u32::MAX),
                source: source.into(),
            },
            limits,
        }))
    }

    fn subscribe(&self, listener: Arc<dyn CatalogListener>) {
        self.listeners.add(listener);
    }
}

#[async_trait]
impl InvocationLog for Manager {
    async fn record(&self, records: &[InvocationRecord]) -> Result<(), CatalogError> {
        self.record_invocations(records).await.map_err(unavailable)
    }
}
