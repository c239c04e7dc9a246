//! Deploy, call, read the logs, update, roll back, restart.

use serde_json::{Value, json};

use crate::common::{Server, get, invocations};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_call_tail_update_and_roll_back() {
    let server = Server::start(&[]);
    let id = server.deploy(
        "greet",
        "log::info(`hello ${request.params.name}`);\n#{ v: 1, name: request.params.name }",
        &["GET /greet/{name}"],
    );

    let reply = get(server.url("/greet/ada")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({"v": 1, "name": "ada"}));
    let request_id = reply.header("x-request-id").unwrap().to_owned();

    // The invocation and its log line, through the CLI.
    let found = invocations(&server, &id, 1).await;
    assert_eq!(found[0]["id"], request_id.as_str());
    let logs = server.cli_ok(&["logs", "greet"]);
    assert!(logs.contains(&request_id), "{logs}");
    assert!(logs.contains("[info] hello ada"), "{logs}");
    assert!(logs.contains("200 GET /greet/ada v1"), "{logs}");

    // `logs --follow` prints invocations as they finish.
    let mut follow = std::process::Command::new(env!("CARGO_BIN_EXE_picloud"))
        .args([
            "logs",
            "greet",
            "--follow",
            "--limit",
            "0",
            "--url",
            &server.base,
        ])
        .env("PICLOUD_ADMIN_TOKEN", crate::common::TOKEN)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = std::io::BufReader::new(follow.stdout.take().unwrap());
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        lines
            .lines()
            .map_while(Result::ok)
            .find(|line| line.contains("GET /greet/tailed"))
    });
    // The tail subscribes after it starts; call until it has seen one.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !reader.is_finished() && std::time::Instant::now() < deadline {
        get(server.url("/greet/tailed")).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    follow.kill().unwrap();
    follow.wait().unwrap();
    let seen = reader.join().unwrap();
    assert!(
        seen.is_some_and(|l| l.contains(" 200 ")),
        "the live tail printed the call"
    );

    // The next request after an update runs the new version.
    server.deploy("greet", "#{ v: 2, name: request.params.name }", &[]);
    assert_eq!(get(server.url("/greet/bo")).await.json()["v"], 2);

    let versions = server.cli_ok(&["versions", "greet"]);
    assert!(
        versions
            .lines()
            .any(|l| l.starts_with('2') && l.ends_with("active")),
        "{versions}"
    );
    server.cli_ok(&["rollback", "greet", "1"]);
    assert_eq!(get(server.url("/greet/cy")).await.json()["v"], 1);

    // The listing commands see what was deployed.
    let scripts = server.cli_ok(&["scripts", "ls"]);
    assert!(
        scripts.contains("greet") && scripts.contains("1/2"),
        "{scripts}"
    );
    let routes = server.cli_ok(&["routes", "ls"]);
    assert!(routes.contains("/greet/{name}"), "{routes}");
    let shown: Value =
        serde_json::from_str(&server.cli_ok(&["scripts", "show", "greet", "--json"])).unwrap();
    assert_eq!(shown["routes"][0]["path"], "/greet/{name}");

    // Invoking by name goes through /api/v1/execute/{id}.
    let invoked = server.cli_ok(&["invoke", "greet"]);
    assert_eq!(serde_json::from_str::<Value>(&invoked).unwrap()["v"], 1);

    // Removing the route makes it a 404 at once; removing the script too.
    server.cli_ok(&["routes", "rm", "GET /greet/{name}"]);
    assert_eq!(get(server.url("/greet/ada")).await.status, 404);
    server.cli_ok(&["scripts", "rm", "greet"]);
    let gone = get(server.url(&format!("/api/v1/execute/{id}"))).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["error"]["code"], "script_not_found");
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_errors_print_the_server_message_and_exit_non_zero() {
    let server = Server::start(&[]);
    let file = server.data_dir.join("broken.rhai");
    std::fs::write(&file, "let x = 1;\nlet y = ;").unwrap();
    let output = server.cli(&["deploy", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 2, column 9"), "{stderr}");
    assert!(stderr.contains("compile_error"), "{stderr}");

    let output = server.cli(&["versions", "nope"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not found"));

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_picloud"))
        .args([
            "scripts",
            "ls",
            "--url",
            &server.base,
            "--token",
            "pic_wrong",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("401"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_still_answers_after_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    let server = Server::start_in(&data_dir, &[]);
    server.deploy("a", "\"alpha\"", &["GET /a"]);
    server.deploy(
        "b",
        "#{ id: request.params.id }",
        &["POST /b/{id}", "GET /b/{id}"],
    );
    let health = get(server.url("/healthz")).await;
    assert_eq!((health.status, health.text().as_str()), (200, "ok"));
    let version = get(server.url("/version")).await.json();
    for key in [
        "admin_api",
        "execute_api",
        "wit_contract",
        "scripting_contract",
    ] {
        assert!(version[key].is_string(), "{key} in {version}");
    }
    assert_eq!(version["public_base_url"], server.base.as_str());

    server.stop();
    let server = Server::start_in(&data_dir, &[]);
    assert_eq!(get(server.url("/a")).await.text(), "alpha");
    let reply = crate::common::send(crate::common::client().post(server.url("/b/7"))).await;
    assert_eq!(reply.json(), json!({"id": "7"}));
    assert_eq!(get(server.url("/b/8")).await.json(), json!({"id": "8"}));
    server.stop();
}
