//! `picloud run` end to end: the real binary, the real executor.

use std::path::PathBuf;
use std::process::{Command, Output};

fn picloud(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_picloud"))
        .args(args)
        // The same cache as the host's tests: one Cranelift compile per run.
        .env(
            "PICLOUD_CACHE_DIR",
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("picloud-guest-cache"),
        )
        .output()
        .expect("picloud runs")
}

fn script(dir: &tempfile::TempDir, name: &str, source: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, source).unwrap();
    path.to_string_lossy().into_owned()
}

fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_hello_example_prints_the_response_and_logs() {
    let out = picloud(&["run", &example("hello.rhai"), "--path", "/hello?name=Ada"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.starts_with("HTTP/1.1 200\n"), "{stdout}");
    assert!(
        stdout.contains("content-type: application/json"),
        "{stdout}"
    );
    assert!(
        stdout.contains(r#"{"greeting":"Hello, Ada!","path":"/hello"}"#),
        "{stdout}"
    );
    assert!(text(&out.stderr).contains("info"), "the log line is shown");
    assert!(text(&out.stderr).contains("greeting Ada"));
}

#[test]
fn request_flags_reach_the_script() {
    let dir = tempfile::tempdir().unwrap();
    let file = script(
        &dir,
        "echo.rhai",
        r#"`${request.method} ${request.path} ${request.query.a} ${request.headers["x-token"]} ${request.params.id} ${request.json.n}`"#,
    );
    let out = picloud(&[
        "run",
        &file,
        "-X",
        "post",
        "--path",
        "/items/7",
        "--query",
        "a=1",
        "-H",
        "X-Token: abc",
        "--param",
        "id=7",
        "--body",
        r#"{"n": 5}"#,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).ends_with("\nPOST /items/7 1 abc 7 5\n"));

    let body = dir.path().join("body.json");
    std::fs::write(&body, r#"{"n": 9}"#).unwrap();
    let out = picloud(&["run", &file, "--body-file", body.to_str().unwrap()]);
    assert!(
        text(&out.stdout).ends_with("\nGET /    9\n"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_compile_error_exits_1_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = script(&dir, "bad.rhai", "let a = 1;\nlet = 2;");
    let out = picloud(&["run", &file]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("compile error at line 2, column 5"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_limit_exits_1_naming_the_limit_and_its_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = script(&dir, "spin.rhai", "loop {}");
    let out = picloud(&["run", &file, "--limit", "max_operations=1000"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("limit exceeded: max_operations = 1000 at line 1"),
        "{stderr}"
    );
}

#[test]
fn bad_arguments_exit_2_with_the_reason() {
    let out = picloud(&["run", &example("hello.rhai"), "--limit", "max_bananas=3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown limit `max_bananas`"));

    let out = picloud(&["run", "/no/such/script.rhai"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/no/such/script.rhai"));

    let out = picloud(&["run", &example("hello.rhai"), "--header", "no-colon"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--header `no-colon` must look like NAME:VALUE"));
}

#[test]
fn the_users_example_validates_and_creates() {
    let created = picloud(&[
        "run",
        &example("users.rhai"),
        "-X",
        "POST",
        "--path",
        "/users/7",
        "--param",
        "id=7",
        "--body",
        r#"{"name":"Ada"}"#,
    ]);
    let stdout = text(&created.stdout);
    assert!(stdout.starts_with("HTTP/1.1 201\n"), "{stdout}");
    assert!(stdout.contains("location: /users/7\n"), "{stdout}");
    assert!(
        stdout.ends_with("{\"id\":\"7\",\"name\":\"Ada\"}\n"),
        "{stdout}"
    );

    let rejected = picloud(&["run", &example("users.rhai"), "-X", "POST", "--body", "{}"]);
    assert!(rejected.status.success(), "a 400 is still a response");
    assert!(text(&rejected.stdout).starts_with("HTTP/1.1 400\n"));
}
