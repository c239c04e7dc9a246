//! The invocation log: recorded batches, filters, pagination, retention.

use picloud_manager_core::Settings;
use picloud_manager_core::store::Retention;
use picloud_shared::{InvocationRecord, LimitKind, LogLevel, LogLine, ScriptError};

use crate::common::{Server, assert_error, backends};

fn record(script_id: &str, n: u32, level: LogLevel, failed: bool) -> InvocationRecord {
    InvocationRecord {
        id: format!("req-{n}"),
        script_id: script_id.to_string(),
        version: 1,
        started_at: 1_700_000_000_000 + i64::from(n),
        method: "GET".into(),
        path: format!("/x/{n}"),
        status: if failed { 500 } else { 200 },
        error: failed.then(|| ScriptError::Limit {
            limit: LimitKind::Operations,
            value: 10,
            message: "Too many operations".into(),
            position: None,
        }),
        duration_us: 40,
        logs: vec![LogLine {
            elapsed_us: 1,
            level,
            message: format!("line {n}"),
            position: None,
        }],
    }
}

#[tokio::test]
async fn logs_are_filtered_paginated_and_bounded() {
    for backend in backends().await {
        let settings = Settings {
            retention: Retention {
                max_invocations: 20,
                max_bytes: 0,
                max_age_ms: 0,
            },
            ..Settings::default()
        };
        let s = Server::start_with(&backend, settings).await;
        let id = s.create_script("logged", "1").await;
        let batch: Vec<_> = (0..30)
            .map(|n| {
                let level = if n % 10 == 0 {
                    LogLevel::Error
                } else {
                    LogLevel::Info
                };
                record(&id, n, level, n % 5 == 0)
            })
            .collect();
        s.manager.record_invocations(&batch).await.unwrap();
        // Records for a deleted or unknown script are dropped, not stored.
        s.manager
            .record_invocations(&[record("ghost", 99, LogLevel::Info, false)])
            .await
            .unwrap();

        // Retention kept the newest 20, newest first.
        let (status, page) = s.get(&format!("/scripts/{id}/logs?limit=8")).await;
        assert_eq!(status, 200, "{page}");
        let ids = |page: &serde_json::Value| -> Vec<String> {
            page["invocations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(ids(&page)[0], "req-29");
        assert_eq!(ids(&page).len(), 8);
        let mut all = ids(&page);
        let mut cursor = page["next_cursor"].as_i64();
        while let Some(c) = cursor {
            let (_, next) = s
                .get(&format!("/scripts/{id}/logs?limit=8&cursor={c}"))
                .await;
            all.extend(ids(&next));
            cursor = next["next_cursor"].as_i64();
        }
        let expected: Vec<String> = (10..30).rev().map(|n| format!("req-{n}")).collect();
        assert_eq!(all, expected, "{}", s.backend);
        assert_eq!(page["invocations"][0]["logs"][0]["message"], "line 29");

        let (_, errors) = s.get(&format!("/scripts/{id}/logs?status=error")).await;
        assert_eq!(ids(&errors), vec!["req-25", "req-20", "req-15", "req-10"]);
        assert_eq!(errors["invocations"][0]["error"]["limit"], "operations");
        let (_, warned) = s.get(&format!("/scripts/{id}/logs?level=warn")).await;
        assert_eq!(ids(&warned), vec!["req-20", "req-10"]);
        let (_, by_status) = s
            .get(&format!("/scripts/{id}/logs?status=200&limit=2"))
            .await;
        assert_eq!(ids(&by_status), vec!["req-29", "req-28"]);
        let (_, recent) = s
            .get(&format!(
                "/scripts/{id}/logs?since=2023-11-14T22:13:20.027Z"
            ))
            .await;
        assert_eq!(ids(&recent), vec!["req-29", "req-28", "req-27"]);

        assert_error(
            &s.get(&format!("/scripts/{id}/logs?level=loud")).await,
            400,
            "invalid_query",
        );
        assert_error(
            &s.get(&format!("/scripts/{id}/logs?since=yesterday")).await,
            400,
            "invalid_query",
        );
        assert_error(&s.get("/scripts/nope/logs").await, 404, "script_not_found");
        s.stop().await;
    }
}

/// Reads the SSE stream until an `invocation` event arrives; returns its data.
async fn next_invocation(
    response: &mut reqwest::Response,
    buffer: &mut String,
) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if event.lines().any(|l| l == "event: invocation") {
                let data = event
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .expect("an invocation event has data");
                return serde_json::from_str(data).unwrap();
            }
            continue;
        }
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .expect("an event arrives in time")
            .unwrap()
            .expect("the stream stays open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn the_live_tail_streams_recorded_invocations() {
    for backend in backends().await {
        let s = Server::start(&backend).await;
        let watched = s.create_script("watched", "1").await;
        let other = s.create_script("other", "2").await;

        let mut all = s
            .request(reqwest::Method::GET, "/logs/stream")
            .send()
            .await
            .unwrap();
        assert_eq!(all.status(), 200);
        assert_eq!(all.headers()["content-type"], "text/event-stream");
        let mut only = s
            .request(reqwest::Method::GET, "/logs/stream?script=watched")
            .send()
            .await
            .unwrap();
        assert_eq!(only.status(), 200);

        s.manager
            .record_invocations(&[record(&other, 1, LogLevel::Info, false)])
            .await
            .unwrap();
        s.manager
            .record_invocations(&[record(&watched, 2, LogLevel::Warn, true)])
            .await
            .unwrap();

        let (mut a, mut b) = (String::new(), String::new());
        assert_eq!(next_invocation(&mut all, &mut a).await["id"], "req-1");
        assert_eq!(next_invocation(&mut all, &mut a).await["id"], "req-2");
        // The filtered stream skips the other script's invocation.
        let first = next_invocation(&mut only, &mut b).await;
        assert_eq!(first["id"], "req-2");
        assert_eq!(first["script_id"], watched.as_str());
        assert_eq!(first["logs"][0]["level"], "warn");

        assert_error(
            &s.get("/logs/stream?script=nope").await,
            404,
            "script_not_found",
        );
        drop((all, only));
        s.stop().await;
    }
}

#[tokio::test]
async fn retention_bounds_bytes_and_age_too() {
    for backend in backends().await {
        let store = picloud_manager_core::store::Store::open(&backend.location)
            .await
            .unwrap();
        let script = store
            .create_script(picloud_manager_core::store::NewScript {
                name: "chatty".into(),
                description: String::new(),
                source: "1".into(),
            })
            .await
            .unwrap();
        let listed = |store: picloud_manager_core::store::Store, id: String| async move {
            let filter = picloud_manager_core::store::InvocationFilter {
                limit: 500,
                ..Default::default()
            };
            store
                .invocations(Some(&id), &filter)
                .await
                .unwrap()
                .into_iter()
                .map(|i| i.record.id)
                .collect::<Vec<_>>()
        };

        // Bytes: each record is a few hundred bytes; 2 KiB keeps only the newest few.
        let by_bytes = Retention {
            max_invocations: 0,
            max_bytes: 2048,
            max_age_ms: 0,
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let mut batch: Vec<_> = (0..40)
            .map(|n| record(&script.id, n, LogLevel::Info, false))
            .collect();
        for r in &mut batch {
            r.started_at = now;
            r.logs[0].message = "x".repeat(200);
        }
        store.record_invocations(&batch, &by_bytes).await.unwrap();
        let kept = listed(store.clone(), script.id.clone()).await;
        assert!(
            !kept.is_empty() && kept.len() < 12,
            "{}: kept {}",
            backend.name,
            kept.len()
        );
        assert_eq!(kept[0], "req-39", "the newest are kept");

        // Age: records older than the bound are removed at the next write.
        let by_age = Retention {
            max_invocations: 0,
            max_bytes: 0,
            max_age_ms: 60_000,
        };
        let mut old = record(&script.id, 100, LogLevel::Info, false);
        old.started_at = now - 3_600_000;
        let mut fresh = record(&script.id, 101, LogLevel::Info, false);
        fresh.started_at = now;
        store
            .record_invocations(&[old, fresh], &by_age)
            .await
            .unwrap();
        let kept = listed(store.clone(), script.id.clone()).await;
        assert!(kept.contains(&"req-101".to_string()));
        assert!(
            !kept.contains(&"req-100".to_string()),
            "an hour-old record is gone"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn global_logs_and_stats_cover_every_script() {
    for backend in backends().await {
        let s = Server::start(&backend).await;
        let a = s.create_script("a", "1").await;
        let b = s.create_script("b", "2").await;
        // Recent, so that retention by age keeps them.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let mut batch = vec![
            record(&a, 1, LogLevel::Info, false),
            record(&a, 2, LogLevel::Info, true),
            record(&b, 3, LogLevel::Warn, false),
        ];
        for (i, r) in batch.iter_mut().enumerate() {
            r.started_at = now + i as i64;
        }
        s.manager.record_invocations(&batch).await.unwrap();

        let (status, page) = s.get("/logs?limit=10").await;
        assert_eq!(status, 200, "{}", s.backend);
        let ids: Vec<&str> = page["invocations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            ["req-3", "req-2", "req-1"],
            "{}: newest first",
            s.backend
        );
        let (_, failed) = s.get("/logs?status=error").await;
        assert_eq!(failed["invocations"].as_array().unwrap().len(), 1);

        let (status, stats) = s.get("/stats").await;
        assert_eq!(status, 200);
        let of = |id: &str| {
            stats
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["script_id"] == id)
                .cloned()
                .unwrap()
        };
        assert_eq!(of(&a)["invocations"], 2, "{}", s.backend);
        assert_eq!(of(&a)["errors"], 1);
        assert_eq!(of(&a)["last_invocation_at"], now + 1);
        assert_eq!(of(&b)["errors"], 0);
        s.stop().await;
    }
}
