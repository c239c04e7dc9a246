//! PiCloud's control plane.
//!
//! The manager is the only writer to the database ([`store::Store`]) and
//! serves the admin API ([`Manager::router`], mounted under
//! `/api/v1/admin`). It checks and test-runs scripts through
//! [`ExecutorClient`] and never imports the executor.
//!
//! ```no_run
//! # async fn demo(executor: std::sync::Arc<dyn picloud_shared::ExecutorClient>) -> Result<(), Box<dyn std::error::Error>> {
//! use picloud_manager_core::{Manager, Settings, store::{Store, StoreLocation}};
//!
//! let store = Store::open(&StoreLocation::DataDir("./picloud-data".into())).await?;
//! let manager = Manager::new(store, executor, Settings::default()).await?;
//! if let Some(token) = manager.bootstrap_token(None).await? {
//!     println!("admin token (shown once): {token}");
//! }
//! let app = manager.router();
//! # Ok(()) }
//! ```

pub mod api;
mod auth;
mod catalog;
pub mod store;

use std::sync::Arc;

use picloud_shared::catalog::CatalogChange;
use picloud_shared::routing::{RouteTable, RouteTarget};
use picloud_shared::{ExecutorClient, Limits};
use tokio::sync::{Mutex, RwLock};

pub use auth::{generate_token, hash_token};
use store::{Store, StoreError};

/// Manager settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest admin request body, in bytes (uploads included).
    pub max_body_bytes: usize,
    /// Largest script source, in bytes.
    pub max_script_bytes: usize,
    /// Built-in limit defaults (before the defaults set through the API).
    pub limits: Limits,
    /// The operator's ceiling: no default or per-script override set
    /// through the API may exceed it (`0` in the ceiling: no ceiling).
    pub ceiling: Limits,
    /// How much of the invocation log each script keeps.
    pub retention: store::Retention,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_body_bytes: 1 << 20,
            max_script_bytes: 256 << 10,
            limits: Limits::default(),
            ceiling: Limits {
                timeout_ms: 60_000,
                memory_bytes: 256 << 20,
                max_log_lines: 100_000,
                max_log_bytes: 16 << 20,
                max_response_bytes: 64 << 20,
                ..Limits::default().without_rhai_limits()
            },
            retention: store::Retention::default(),
        }
    }
}

/// Puts a stored route into a table. Stored routes were checked on the way
/// in; never drop one silently if the rules have changed since.
fn insert_route(table: &mut RouteTable<RouteTarget>, route: &store::Route) {
    let target = RouteTarget {
        route_id: route.id.clone(),
        script_id: route.script_id.clone(),
    };
    if let Err(err) = table.insert(&route.method, &route.path, target) {
        tracing::error!(route = %route.id, %err, "stored route does not fit the table");
    }
}

/// The control plane: the store, the route table built from it, and the
/// admin tokens, shared by the admin API's handlers.
pub struct Manager {
    store: Store,
    executor: Arc<dyn ExecutorClient>,
    settings: Settings,
    routes: RwLock<Arc<RouteTable<RouteTarget>>>,
    /// Serializes route changes, so a conflict check and the insert it
    /// allows cannot interleave with another.
    route_writes: Mutex<()>,
    tokens: auth::TokenCache,
    /// Every recorded invocation, for the live tail (SSE).
    live: tokio::sync::broadcast::Sender<Arc<picloud_shared::InvocationRecord>>,
    /// Who hears about changes to scripts and routes (the orchestrator's cache).
    listeners: catalog::Listeners,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Manager {
    pub async fn new(
        store: Store,
        executor: Arc<dyn ExecutorClient>,
        settings: Settings,
    ) -> Result<Arc<Self>, StoreError> {
        let manager = Arc::new(Manager {
            store,
            executor,
            settings,
            routes: RwLock::new(Arc::new(RouteTable::new())),
            route_writes: Mutex::new(()),
            tokens: auth::TokenCache::default(),
            live: tokio::sync::broadcast::channel(1024).0,
            listeners: catalog::Listeners::default(),
        });
        manager.reload_routes().await?;
        manager.tokens.reload(&manager.store).await?;
        Ok(manager)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The current route table (cheap to clone; replaced on every change).
    pub async fn route_table(&self) -> Arc<RouteTable<RouteTarget>> {
        self.routes.read().await.clone()
    }

    async fn reload_routes(&self) -> Result<(), StoreError> {
        let mut table = RouteTable::new();
        for route in self.store.routes(None).await? {
            insert_route(&mut table, &route);
        }
        self.replace_routes(table).await;
        Ok(())
    }

    /// Adds a stored route to the table without reading every route back:
    /// a deploy costs the same with 10 000 routes as with one (a copy of
    /// the table in memory, no query). Callers hold `route_writes`.
    async fn add_route(&self, route: &store::Route) {
        let mut table = RouteTable::clone(&*self.route_table().await);
        insert_route(&mut table, route);
        self.replace_routes(table).await;
    }

    async fn replace_routes(&self, table: RouteTable<RouteTarget>) {
        *self.routes.write().await = Arc::new(table);
        self.changed(CatalogChange::Routes);
    }

    /// Tells the listeners that something changed (after it is stored).
    fn changed(&self, change: CatalogChange) {
        self.listeners.notify(&change);
    }

    /// The limits a script runs with: built-in defaults, then the defaults
    /// set through the API, then the script's overrides.
    pub async fn effective_limits(&self, script_id: Option<&str>) -> Result<Limits, StoreError> {
        let mut limits = self.settings.limits;
        let mut layers = vec![self.store.limit_defaults().await?];
        if let Some(id) = script_id {
            layers.push(self.store.script_limits(id).await?);
        }
        for layer in layers {
            for (name, value) in layer {
                // Stored values were validated on the way in.
                let _ = limits.set(&name, &value.to_string());
            }
        }
        Ok(limits)
    }

    /// Writes finished invocations to the log (the orchestrator's batches).
    pub async fn record_invocations(
        &self,
        records: &[picloud_shared::InvocationRecord],
    ) -> Result<(), StoreError> {
        self.store
            .record_invocations(records, &self.settings.retention)
            .await?;
        for record in records {
            // No subscribers is fine: nobody is tailing.
            let _ = self.live.send(Arc::new(record.clone()));
        }
        Ok(())
    }

    /// Makes sure an admin token exists. With `configured` (from
    /// `PICLOUD_ADMIN_TOKEN`) that token is registered; otherwise, when the
    /// store has no token at all, one is created and returned so the caller
    /// can print it once. Only hashes are stored.
    pub async fn bootstrap_token(
        &self,
        configured: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        if let Some(token) = configured {
            let hash = hash_token(token);
            if !self
                .store
                .token_hashes()
                .await?
                .iter()
                .any(|(_, h)| *h == hash)
            {
                self.store
                    .create_token("PICLOUD_ADMIN_TOKEN", &hash)
                    .await?;
                self.tokens.reload(&self.store).await?;
            }
            return Ok(None);
        }
        if !self.store.tokens().await?.is_empty() {
            return Ok(None);
        }
        let token = generate_token();
        self.store
            .create_token("initial", &hash_token(&token))
            .await?;
        self.tokens.reload(&self.store).await?;
        Ok(Some(token))
    }
}
