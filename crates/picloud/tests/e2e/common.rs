//! One place for what the end-to-end tests share: a real `picloud serve`
//! (or `picloud-executor`) process on a free port, the CLI, HTTP helpers.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

pub const TOKEN: &str = "pic_e2e_test_token_0000000000000000000000000000000000000";

/// The compiled-guest cache every process of the test run shares, filled
/// once (by `picloud run`) so no server compiles the guest itself.
pub fn shared_cache() -> &'static Path {
    static CACHE: OnceLock<PathBuf> = OnceLock::new();
    CACHE.get_or_init(|| {
        let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("picloud-guest-cache");
        std::fs::create_dir_all(&cache).unwrap();
        let script = cache.join("warm.rhai");
        std::fs::write(&script, "1").unwrap();
        let status = Command::new(env!("CARGO_BIN_EXE_picloud"))
            .args(["run", "--quiet"])
            .arg(&script)
            .arg("--cache-dir")
            .arg(&cache)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "warming the guest cache");
        cache
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_listening(base: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(base.trim_start_matches("http://")).is_ok() {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{base} exited before listening: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{base} did not start listening");
}

/// A running `picloud serve` with its own data directory.
pub struct Server {
    child: Child,
    pub base: String,
    pub data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

impl Server {
    /// A server on a fresh data directory, with extra `serve` flags.
    pub fn start(extra: &[&str]) -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let mut server = Server::start_in(&tmp.path().join("data"), extra);
        server._tmp = Some(tmp);
        server
    }

    /// A server on `data_dir` (kept across restarts).
    pub fn start_in(data_dir: &Path, extra: &[&str]) -> Server {
        std::fs::create_dir_all(data_dir).unwrap();
        let cache = data_dir.join("cache");
        if !cache.exists() {
            std::os::unix::fs::symlink(shared_cache(), &cache).unwrap();
        }
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_picloud"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data_dir)
            .args(extra)
            .env("PICLOUD_ADMIN_TOKEN", TOKEN)
            .env_remove("PICLOUD_DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("picloud serve starts");
        let base = format!("http://127.0.0.1:{port}");
        wait_listening(&base, &mut child);
        Server {
            child,
            base,
            data_dir: data_dir.to_owned(),
            _tmp: None,
        }
    }

    /// The `picloud` CLI pointed at this server.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_picloud"))
            .args(args)
            .env("PICLOUD_URL", &self.base)
            .env("PICLOUD_ADMIN_TOKEN", TOKEN)
            .output()
            .unwrap()
    }

    /// `cli`, which must succeed; its stdout.
    pub fn cli_ok(&self, args: &[&str]) -> String {
        let output = self.cli(args);
        assert!(
            output.status.success(),
            "picloud {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Deploys `source` as `name` with `routes` through the CLI; its id.
    pub fn deploy(&self, name: &str, source: &str, routes: &[&str]) -> String {
        let file = self.data_dir.join(format!("{name}.rhai"));
        std::fs::write(&file, source).unwrap();
        let mut args = vec!["deploy", file.to_str().unwrap(), "--json"];
        for route in routes {
            args.extend(["--route", route]);
        }
        let out: Value = serde_json::from_str(&self.cli_ok(&args)).unwrap();
        out["script"]["id"].as_str().unwrap().to_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request to the admin API with the token.
    pub fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        client()
            .request(method, self.url(&format!("/api/v1/admin{path}")))
            .bearer_auth(TOKEN)
    }

    /// SIGTERM, as an operator would; the exit must be clean.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "graceful shutdown exits 0: {status}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running `picloud-executor`.
pub struct ExecutorProcess {
    child: Child,
    pub base: String,
}

impl ExecutorProcess {
    pub fn start() -> ExecutorProcess {
        let binary = Path::new(env!("CARGO_BIN_EXE_picloud")).with_file_name("picloud-executor");
        assert!(
            binary.exists(),
            "{} is missing: run the tests with `cargo test --workspace`, which builds it",
            binary.display()
        );
        let port = free_port();
        let mut child = Command::new(binary)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--cache-dir")
            .arg(shared_cache())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("picloud-executor starts");
        let base = format!("http://127.0.0.1:{port}");
        wait_listening(&base, &mut child);
        ExecutorProcess { child, base }
    }

    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ExecutorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(reqwest::Client::new).clone()
}

/// A finished response: status, headers, body.
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.unwrap();
    Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.bytes().await.unwrap().to_vec(),
    }
}

pub async fn get(url: String) -> Reply {
    send(client().get(url)).await
}

/// Polls the script's invocation log until `n` invocations are there
/// (the log is written in batches, off the response path).
pub async fn invocations(server: &Server, script_id: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let page = send(server.admin(
            reqwest::Method::GET,
            &format!("/scripts/{script_id}/logs?limit=100"),
        ))
        .await
        .json();
        let found = page["invocations"].as_array().cloned().unwrap_or_default();
        if found.len() >= n || Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A hostile fixture from the executor's tests.
pub fn hostile(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../host/tests/fixtures/hostile")
        .join(format!("{name}.rhai"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
