//! The orchestrator's cache of the catalog: the route table and the
//! deployments it has needed, dropped the moment the catalog says they
//! changed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use picloud_shared::catalog::{Catalog, CatalogChange, CatalogError, CatalogListener, Deployment};
use picloud_shared::routing::{RouteTable, RouteTarget};

/// Cached routes and deployments over a [`Catalog`].
///
/// A load that races with a change must not put the old value back after
/// the change dropped it: every change bumps `epoch`, and a load only
/// stores its result if the epoch is still the one it started under.
pub struct CatalogCache {
    catalog: Arc<dyn Catalog>,
    routes: RwLock<Option<Arc<RouteTable<RouteTarget>>>>,
    deployments: RwLock<HashMap<String, Arc<Deployment>>>,
    epoch: AtomicU64,
}

impl std::fmt::Debug for CatalogCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogCache")
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

impl CatalogCache {
    /// A cache over `catalog`, subscribed to its changes.
    pub fn new(catalog: Arc<dyn Catalog>) -> Arc<Self> {
        let cache = Arc::new(CatalogCache {
            catalog: catalog.clone(),
            routes: RwLock::new(None),
            deployments: RwLock::new(HashMap::new()),
            epoch: AtomicU64::new(0),
        });
        catalog.subscribe(Arc::new(Invalidate(Arc::downgrade(&cache))));
        cache
    }

    /// The route table.
    pub async fn routes(&self) -> Result<Arc<RouteTable<RouteTarget>>, CatalogError> {
        if let Some(routes) = read(&self.routes).as_ref() {
            return Ok(routes.clone());
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let routes = self.catalog.route_table().await?;
        let mut slot = write(&self.routes);
        if self.epoch.load(Ordering::Acquire) == epoch {
            *slot = Some(routes.clone());
        }
        Ok(routes)
    }

    /// The deployment of a script, `None` if there is no such script.
    pub async fn deployment(
        &self,
        script_id: &str,
    ) -> Result<Option<Arc<Deployment>>, CatalogError> {
        if let Some(found) = read(&self.deployments).get(script_id) {
            return Ok(Some(found.clone()));
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        // Unknown ids are not cached: anyone can ask for any id.
        let Some(deployment) = self.catalog.deployment(script_id).await? else {
            return Ok(None);
        };
        let deployment = Arc::new(deployment);
        let mut deployments = write(&self.deployments);
        if self.epoch.load(Ordering::Acquire) == epoch {
            deployments.insert(script_id.to_owned(), deployment.clone());
        }
        Ok(Some(deployment))
    }

    fn invalidate(&self, change: &CatalogChange) {
        // Bump first, so a load finishing after this cannot store.
        self.epoch.fetch_add(1, Ordering::AcqRel);
        match change {
            CatalogChange::Routes => *write(&self.routes) = None,
            CatalogChange::Script(id) => {
                write(&self.deployments).remove(id);
            }
            CatalogChange::All => {
                *write(&self.routes) = None;
                write(&self.deployments).clear();
            }
        }
    }
}

/// The listener registered with the catalog; weak, so the catalog does not
/// keep a dropped cache alive.
struct Invalidate(std::sync::Weak<CatalogCache>);

impl CatalogListener for Invalidate {
    fn changed(&self, change: &CatalogChange) {
        if let Some(cache) = self.0.upgrade() {
            cache.invalidate(change);
        }
    }
}

// A poisoned lock only means a panic elsewhere; the maps stay consistent.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|p| p.into_inner())
}
