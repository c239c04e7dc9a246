//! `picloud serve` end to end: the real binary on a real socket.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TOKEN: &str = "pic_serve_test_token_00000000000000000000000000000000";

struct Serving {
    child: Child,
    base: String,
}

impl Serving {
    fn start(data_dir: &Path) -> Serving {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_picloud"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data_dir)
            .env("PICLOUD_ADMIN_TOKEN", TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("picloud serve starts");
        let serving = Serving {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        serving.wait_ready();
        serving
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(self.base.trim_start_matches("http://")).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("picloud serve did not start listening");
    }

    fn stop(mut self) {
        // SIGTERM: a graceful shutdown, as an operator would do.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "graceful shutdown exits 0: {status}");
    }
}

async fn get_json(client: &reqwest::Client, url: String, token: Option<&str>) -> Value {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// Shares the compiled guest with the other tests of the run.
fn data_dir(tmp: &tempfile::TempDir) -> PathBuf {
    let dir = tmp.path().join("data");
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("picloud-guest-cache");
    std::fs::create_dir_all(&dir).unwrap();
    if cache.exists() {
        std::os::unix::fs::symlink(&cache, dir.join("cache")).unwrap();
    }
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_health_version_and_the_admin_api_across_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = data_dir(&tmp);
    let client = reqwest::Client::new();

    let server = Serving::start(&dir);
    let health = client
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");
    let version = get_json(&client, format!("{}/version", server.base), None).await;
    for key in [
        "admin_api",
        "wit_contract",
        "scripting_contract",
        "public_base_url",
    ] {
        assert!(version[key].is_string(), "{key} in {version}");
    }
    let missing = client
        .get(format!("{}/nothing", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "route_not_found");

    let admin = format!("{}/api/v1/admin", server.base);
    let unauthorized = client.get(format!("{admin}/scripts")).send().await.unwrap();
    assert_eq!(unauthorized.status(), 401);
    let created = client
        .post(format!("{admin}/scripts"))
        .bearer_auth(TOKEN)
        .json(&json!({"name": "kept", "source": "\"hi\""}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    server.stop();

    let server = Serving::start(&dir);
    let scripts = get_json(
        &client,
        format!("{}/api/v1/admin/scripts", server.base),
        Some(TOKEN),
    )
    .await;
    assert_eq!(
        scripts[0]["name"], "kept",
        "the script survived the restart"
    );
    server.stop();
}
