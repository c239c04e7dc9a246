//! Limit defaults and per-script overrides, within the ceiling.

use reqwest::Method;
use serde_json::json;

use crate::common::{Server, assert_error, backends};

#[tokio::test]
async fn limit_defaults_and_overrides_apply_within_the_ceiling() {
    for backend in backends().await {
        let s = Server::start(&backend).await;
        let (status, config) = s.get("/config").await;
        assert_eq!(status, 200);
        assert_eq!(config["limits"]["max_operations"], 5_000_000);
        assert_eq!(config["overrides"], json!({}));
        assert_eq!(config["ceiling"]["timeout_ms"], 60_000);

        let (status, config) = s
            .call(
                Method::PUT,
                "/config",
                Some(json!({"limits": {"max_operations": 1000}})),
            )
            .await;
        assert_eq!(status, 200, "{config}");
        assert_eq!(config["limits"]["max_operations"], 1000);

        let id = s.create_script("spin", "let n = 0; loop { n += 1; }").await;
        // The new default applies to test runs.
        let (_, run) = s.post(&format!("/scripts/{id}/test"), json!({})).await;
        assert_eq!(run["error"]["detail"]["limit"], "operations");
        assert_eq!(run["error"]["detail"]["value"], 1000);
        // A script override wins over the default.
        let (status, limits) = s
            .call(
                Method::PUT,
                &format!("/scripts/{id}/limits"),
                Some(json!({"limits": {"max_operations": 50}})),
            )
            .await;
        assert_eq!(status, 200, "{limits}");
        assert_eq!(limits["limits"]["max_operations"], 50);
        assert_eq!(limits["overrides"], json!({"max_operations": 50}));
        let (_, run) = s.post(&format!("/scripts/{id}/test"), json!({})).await;
        assert_eq!(run["error"]["detail"]["value"], 50);

        // Above the ceiling, unknown names, and "unlimited" under a ceiling are refused.
        let got = s
            .call(
                Method::PUT,
                "/config",
                Some(json!({"limits": {"timeout_ms": 600000}})),
            )
            .await;
        assert_error(&got, 400, "limit_above_ceiling");
        assert_eq!(got.1["error"]["ceiling"], 60_000);
        assert_error(
            &s.call(
                Method::PUT,
                "/config",
                Some(json!({"limits": {"timeout_ms": 0}})),
            )
            .await,
            400,
            "limit_above_ceiling",
        );
        assert_error(
            &s.call(
                Method::PUT,
                "/config",
                Some(json!({"limits": {"max_bananas": 1}})),
            )
            .await,
            400,
            "unknown_limit",
        );
        assert_error(
            &s.call(
                Method::PUT,
                "/config",
                Some(json!({"limits": {"fuel": "lots"}})),
            )
            .await,
            422,
            "invalid_body",
        );
        assert_error(
            &s.call(
                Method::PUT,
                "/scripts/nope/limits",
                Some(json!({"limits": {}})),
            )
            .await,
            404,
            "script_not_found",
        );
        // Nothing of the refused updates was stored.
        assert_eq!(
            s.get("/config").await.1["overrides"],
            json!({"max_operations": 1000})
        );
        s.stop().await;
    }
}
