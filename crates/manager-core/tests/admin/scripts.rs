//! Scripts, versions and rollback; test runs.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Server, assert_error, backends};

#[tokio::test]
async fn scripts_have_immutable_versions_and_roll_back() {
    for backend in backends().await {
        let s = Server::start(&backend).await;
        let (status, created) = s
            .post(
                "/scripts",
                json!({"name": "hello", "source": "\"v1\"", "description": "greets"}),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["name"], "hello");
        assert_eq!(created["version"], 1);
        assert_eq!(created["description"], "greets");
        assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
        let id = created["id"].as_str().unwrap();

        let (_, list) = s.get("/scripts").await;
        assert_eq!(list.as_array().unwrap().len(), 1);

        let (status, shown) = s.get(&format!("/scripts/{id}")).await;
        assert_eq!(status, 200);
        assert_eq!(shown["source"], "\"v1\"");
        // By name too.
        assert_eq!(s.get("/scripts/hello").await.1["id"], id);

        let (status, updated) = s
            .call(
                Method::PUT,
                &format!("/scripts/{id}"),
                Some(json!({"source": "\"v2\""})),
            )
            .await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!(updated["version"], 2);
        // The same source again is not a new version.
        let (_, same) = s
            .call(
                Method::PUT,
                &format!("/scripts/{id}"),
                Some(json!({"source": "\"v2\""})),
            )
            .await;
        assert_eq!(same["version"], 2);
        // A rename alone is not a new version either.
        let (_, renamed) = s
            .call(
                Method::PUT,
                &format!("/scripts/{id}"),
                Some(json!({"name": "hi"})),
            )
            .await;
        assert_eq!(
            (renamed["name"].clone(), renamed["version"].clone()),
            (json!("hi"), json!(2))
        );

        let (_, versions) = s.get(&format!("/scripts/{id}/versions")).await;
        let versions: Vec<(i64, bool)> = versions
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["version"].as_i64().unwrap(),
                    v["active"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(versions, vec![(2, true), (1, false)]);
        assert_eq!(
            s.get(&format!("/scripts/{id}/versions/1")).await.1["source"],
            "\"v1\""
        );

        let (status, rolled) = s
            .post(&format!("/scripts/{id}/versions/1/activate"), json!({}))
            .await;
        assert_eq!(status, 200, "{rolled}");
        assert_eq!(rolled["version"], 1);
        assert_eq!(rolled["latest_version"], 2);
        assert_eq!(s.get(&format!("/scripts/{id}")).await.1["source"], "\"v1\"");
        // A change after a rollback is a new version, not an overwrite.
        let (_, v3) = s
            .call(
                Method::PUT,
                &format!("/scripts/{id}"),
                Some(json!({"source": "\"v3\""})),
            )
            .await;
        assert_eq!(v3["version"], 3);

        let (status, _) = s
            .call(Method::DELETE, &format!("/scripts/{id}"), None)
            .await;
        assert_eq!(status, 204);
        assert_error(
            &s.get(&format!("/scripts/{id}")).await,
            404,
            "script_not_found",
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn bad_script_input_gets_typed_errors_and_stores_nothing() {
    for backend in backends().await {
        let s = Server::start(&backend).await;
        let raw = |body: &'static str, content_type: &'static str| {
            s.request(Method::POST, "/scripts")
                .header("content-type", content_type)
                .body(body)
        };
        let send = |r: reqwest::RequestBuilder| async move {
            crate::common::read(r.send().await.unwrap()).await
        };

        assert_error(
            &send(raw("{\"name\": ", "application/json")).await,
            400,
            "invalid_json",
        );
        assert_error(
            &send(raw("{\"name\": 5, \"source\": \"1\"}", "application/json")).await,
            422,
            "invalid_body",
        );
        assert_error(
            &send(raw("{\"name\": \"a\"}", "application/json")).await,
            422,
            "invalid_body",
        );
        assert_error(
            &send(raw(
                "{\"name\": \"a\", \"source\": \"1\", \"colour\": 1}",
                "application/json",
            ))
            .await,
            422,
            "invalid_body",
        );
        assert_error(
            &send(raw("{\"name\": \"a\", \"source\": \"1\"}", "text/plain")).await,
            415,
            "unsupported_media_type",
        );
        let huge = "x".repeat(2 << 20);
        let got = crate::common::read(
            s.request(Method::POST, "/scripts")
                .json(&json!({"name": "big", "source": huge}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(&got, 413, "payload_too_large");
        let over_script_cap = format!("// {}\n1", "x".repeat(300 << 10));
        assert_error(
            &s.post(
                "/scripts",
                json!({"name": "big", "source": over_script_cap}),
            )
            .await,
            413,
            "script_too_large",
        );
        assert_error(
            &s.post("/scripts", json!({"name": "", "source": "1"})).await,
            400,
            "invalid_name",
        );
        assert_error(
            &s.post("/scripts", json!({"name": "a b", "source": "1"}))
                .await,
            400,
            "invalid_name",
        );

        let got = s
            .post(
                "/scripts",
                json!({"name": "broken", "source": "let x = 1;\nlet = ;"}),
            )
            .await;
        assert_error(&got, 400, "compile_error");
        assert_eq!(got.1["error"]["line"], 2);
        assert_eq!(got.1["error"]["column"], 5);

        assert_eq!(s.get("/scripts").await.1, json!([]), "nothing stored");

        let id = s.create_script("taken", "1").await;
        assert_error(
            &s.post("/scripts", json!({"name": "taken", "source": "2"}))
                .await,
            409,
            "conflict",
        );
        // A broken update keeps the working version.
        let got = s
            .call(
                Method::PUT,
                &format!("/scripts/{id}"),
                Some(json!({"source": "fn ("})),
            )
            .await;
        assert_error(&got, 400, "compile_error");
        assert_eq!(s.get(&format!("/scripts/{id}")).await.1["version"], 1);

        assert_error(&s.get("/scripts/nope").await, 404, "script_not_found");
        assert_error(
            &s.get(&format!("/scripts/{id}/versions/9")).await,
            404,
            "version_not_found",
        );
        assert_error(
            &s.get(&format!("/scripts/{id}/versions/abc")).await,
            400,
            "invalid_version",
        );
        assert_error(
            &s.post(&format!("/scripts/{id}/versions/0/activate"), json!({}))
                .await,
            400,
            "invalid_version",
        );
        assert_error(
            &s.call(Method::DELETE, "/scripts/nope", None).await,
            404,
            "script_not_found",
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn concurrent_updates_never_lose_a_version() {
    for backend in backends().await {
        let s = std::sync::Arc::new(Server::start(&backend).await);
        let id = s.create_script("busy", "0").await;
        let writers: Vec<_> = (1..=12)
            .map(|i| {
                let s = s.clone();
                let id = id.clone();
                tokio::spawn(async move {
                    s.call(
                        Method::PUT,
                        &format!("/scripts/{id}"),
                        Some(json!({"source": format!("{i}")})),
                    )
                    .await
                })
            })
            .collect();
        for writer in writers {
            let (status, body) = writer.await.unwrap();
            assert_eq!(status, 200, "{body}");
        }
        let (_, versions) = s.get(&format!("/scripts/{id}/versions")).await;
        let mut numbers: Vec<i64> = versions
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_i64().unwrap())
            .collect();
        numbers.sort();
        assert_eq!(numbers, (1..=13).collect::<Vec<_>>(), "{}", s.backend);
        let mut sources: Vec<String> = Vec::new();
        for n in 1..=13 {
            let (_, v) = s.get(&format!("/scripts/{id}/versions/{n}")).await;
            sources.push(v["source"].as_str().unwrap().to_string());
        }
        sources.sort_by_key(|s| s.parse::<i64>().unwrap());
        assert_eq!(sources, (0..=12).map(|i| i.to_string()).collect::<Vec<_>>());
        std::sync::Arc::into_inner(s).unwrap().stop().await;
    }
}

#[tokio::test]
async fn test_runs_return_the_response_logs_and_precise_error() {
    for backend in backends().await {
        let s = Server::start(&backend).await;
        let id = s
            .create_script("echo", "log::info(`hi ${request.query.who}`);\n#{ who: request.query.who, m: request.method }")
            .await;
        let (status, run) = s
            .post(
                &format!("/scripts/{id}/test"),
                json!({"request": {"method": "post", "query": [["who", "ada"]]}}),
            )
            .await;
        assert_eq!(status, 200, "{run}");
        assert_eq!(run["ok"], true);
        assert_eq!(run["response"]["status"], 200);
        let body: Value = serde_json::from_str(run["response"]["body"].as_str().unwrap()).unwrap();
        assert_eq!(body, json!({"who": "ada", "m": "POST"}));
        assert_eq!(run["logs"][0]["message"], "hi ada");
        assert_eq!(run["logs"][0]["level"], "info");

        let (status, draft) = s
            .post(
                "/test",
                json!({"source": "let a = 1;\nloop { a += 1; }", "request": {}}),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(draft["ok"], false);
        assert_eq!(draft["error"]["code"], "limit_exceeded");
        assert_eq!(draft["error"]["detail"]["limit"], "operations");
        assert_eq!(draft["error"]["detail"]["position"]["line"], 2);

        let (_, draft) = s.post("/test", json!({"source": "1 +"})).await;
        assert_eq!(draft["error"]["code"], "compile_error");
        // Nothing was saved by the test runs.
        assert_eq!(s.get("/scripts").await.1.as_array().unwrap().len(), 1);
        assert_eq!(s.get(&format!("/scripts/{id}")).await.1["version"], 1);
        s.stop().await;
    }
}

#[tokio::test]
async fn check_compiles_a_source_without_storing_it() {
    let backend = &backends().await[0];
    let s = Server::start(backend).await;
    let (status, verdict) = s
        .post(
            "/check",
            serde_json::json!({"source": "let a = 1;\nlet b = ;"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(verdict["ok"], false);
    assert_eq!(verdict["error"]["code"], "compile_error");
    assert_eq!(verdict["error"]["line"], 2);
    assert_eq!(verdict["error"]["column"], 9);
    let (_, verdict) = s
        .post("/check", serde_json::json!({"source": "40 + 2"}))
        .await;
    assert_eq!(verdict, serde_json::json!({"ok": true, "error": null}));
    let (_, scripts) = s.get("/scripts").await;
    assert_eq!(scripts, serde_json::json!([]), "nothing stored");
    s.stop().await;
}
