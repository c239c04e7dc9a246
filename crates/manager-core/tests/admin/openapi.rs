//! The OpenAPI document is served, well-formed, and lists what is served.

use serde_json::Value;

use crate::common::{Server, backends};

/// Every `$ref` in the document points at a schema it defines.
fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                found.push(r.clone());
            }
            map.values().for_each(|v| refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_admin_route() {
    let backend = backends().await.remove(0);
    let s = Server::start(&backend).await;
    let url = s.base.replace("/api/v1/admin", "/api/v1/openapi.json");
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();

    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["servers"][0]["url"], "/api/v1/admin");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(doc["security"][0]["bearer"], serde_json::json!([]));
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());

    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let name = r
            .strip_prefix("#/components/schemas/")
            .expect("a schema ref");
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} is not defined"
        );
    }

    // Every endpoint the auth test exercises is documented with its method,
    // and every documented operation is really served (not a 404).
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = 0;
    for (path, item) in paths {
        for method in ["get", "post", "put", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            documented += 1;
            assert!(
                item[method]["responses"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty()),
                "{method} {path} documents its responses"
            );
            let concrete = path
                .replace("{id}", "nope")
                .replace("{n}", "1")
                .replace("{route_id}", "nope");
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let got = s
                .request(m, &concrete)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = got.status().as_u16();
            let streaming = got
                .headers()
                .get("content-type")
                .is_some_and(|c| c == "text/event-stream");
            // A live stream never ends: its status is the answer.
            let body: Value = if streaming {
                Value::Null
            } else {
                got.json().await.unwrap_or(Value::Null)
            };
            assert_ne!(
                body["error"]["code"], "not_found",
                "{method} {path} is documented but not served"
            );
            assert_ne!(status, 405, "{method} {path} is documented but not served");
        }
    }
    for (method, path) in crate::auth::ENDPOINTS {
        let path = path.split('?').next().unwrap();
        if path == "/no-such-endpoint" {
            continue;
        }
        let template = path
            .replace("/scripts/x/versions/1", "/scripts/{id}/versions/{n}")
            .replace("/scripts/x", "/scripts/{id}")
            .replace("/routes/x", "/routes/{route_id}")
            .replace("/tokens/x", "/tokens/{id}");
        assert!(
            paths
                .get(&template)
                .and_then(|item| item.get(method.to_lowercase()))
                .is_some(),
            "{method} {template} is served but not documented"
        );
    }
    assert_eq!(
        documented,
        // Less the unknown endpoint, plus signing in and out (no token needed).
        crate::auth::ENDPOINTS.len() - 1 + 2,
        "operations documented"
    );
    s.stop().await;
}
