//! A real server on a free port, per store backend.

use std::path::PathBuf;
use std::sync::Arc;

use picloud_host::{Executor, HostConfig};
use picloud_manager_core::store::{Store, StoreLocation};
use picloud_manager_core::{Manager, Settings};
use picloud_shared::ExecutorClient;
use reqwest::{Method, Response};
use serde_json::Value;
use tokio::sync::OnceCell;

/// The executor, shared by every test of the binary; the compiled guest is
/// cached with the other test binaries' (one Cranelift compile per run).
pub async fn executor() -> Arc<dyn ExecutorClient> {
    static EXECUTOR: OnceCell<Arc<Executor>> = OnceCell::const_new();
    EXECUTOR
        .get_or_init(|| async {
            let config = HostConfig {
                cache_dir: Some(
                    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("picloud-guest-cache"),
                ),
                ..HostConfig::default()
            };
            Arc::new(Executor::new(config).await.expect("executor starts"))
        })
        .await
        .clone()
}

/// A store location that lives as long as the value.
pub struct Backend {
    pub name: &'static str,
    pub location: StoreLocation,
    _dir: Option<tempfile::TempDir>,
}

/// SQLite in a temporary directory, and a fresh PostgreSQL database when
/// `PICLOUD_TEST_DATABASE_URL` is set (one per call, so tests never collide).
pub async fn backends() -> Vec<Backend> {
    let dir = tempfile::tempdir().unwrap();
    let mut backends = vec![Backend {
        name: "sqlite",
        location: StoreLocation::DataDir(dir.path().join("data")),
        _dir: Some(dir),
    }];
    if let Ok(url) = std::env::var("PICLOUD_TEST_DATABASE_URL") {
        backends.push(Backend {
            name: "postgres",
            location: StoreLocation::Postgres(fresh_postgres_database(&url).await),
            _dir: None,
        });
    }
    backends
}

async fn fresh_postgres_database(url: &str) -> String {
    use sqlx::{Connection, Row};
    let name = format!("picloud_test_{}", uuid_like());
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .expect("PICLOUD_TEST_DATABASE_URL is reachable");
    // Databases of earlier runs (other processes) are dropped, once per run.
    static SWEPT: OnceCell<()> = OnceCell::const_new();
    SWEPT
        .get_or_init(|| async {
            let mine = format!("picloud_test_{}_", std::process::id());
            let old =
                sqlx::query("SELECT datname FROM pg_database WHERE datname LIKE 'picloud_test_%'")
                    .fetch_all(&mut conn)
                    .await
                    .unwrap_or_default();
            for row in old {
                let db: String = row.get(0);
                if !db.starts_with(&mine) {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            }
        })
        .await;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("creating a test database");
    let base = url.rsplit_once('/').map(|(base, _)| base).unwrap_or(url);
    format!("{base}/{name}")
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The admin API served on 127.0.0.1, with a bootstrap token.
pub struct Server {
    pub base: String,
    pub token: String,
    pub backend: &'static str,
    pub manager: Arc<Manager>,
    client: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    pub async fn start(backend: &Backend) -> Server {
        Self::start_with(backend, Settings::default()).await
    }

    pub async fn start_with(backend: &Backend, settings: Settings) -> Server {
        let store = Store::open(&backend.location).await.expect("store opens");
        let manager = Manager::new(store, executor().await, settings)
            .await
            .expect("manager starts");
        let token = "pic_test_token_0123456789abcdef0123456789abcdef".to_string();
        manager.bootstrap_token(Some(&token)).await.unwrap();
        let app = manager.router();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/api/v1/admin", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Server {
            base,
            token,
            backend: backend.name,
            manager,
            client: reqwest::Client::new(),
            task,
        }
    }

    /// Stops serving and closes the store (as a process exit would).
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
        self.manager.store().close().await;
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    /// Creates a script and returns its id.
    pub async fn create_script(&self, name: &str, source: &str) -> String {
        let (status, body) = self
            .post(
                "/scripts",
                serde_json::json!({ "name": name, "source": source }),
            )
            .await;
        assert_eq!(status, 201, "{}: {body}", self.backend);
        body["id"].as_str().unwrap().to_string()
    }
}

pub async fn read(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// Asserts an error response: status and stable code.
#[track_caller]
pub fn assert_error(got: &(u16, Value), status: u16, code: &str) {
    assert_eq!(got.0, status, "{}", got.1);
    assert_eq!(got.1["error"]["code"], code, "{}", got.1);
    assert!(
        got.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        got.1
    );
}
