//! Routes: create, conflicts, reserved paths, check, match, delete.

use reqwest::Method;
use serde_json::json;

use crate::common::{Server, assert_error, backends};

#[tokio::test]
async fn routes_are_created_checked_matched_and_deleted() {
    for backend in backends().await {
        let s = Server::start(&backend).await;
        let hello = s.create_script("hello", "\"hi\"").await;
        let files = s.create_script("files", "\"f\"").await;

        let (status, route) = s
            .post(
                &format!("/scripts/{hello}/routes"),
                json!({"method": "get", "path": "/hello/{name}"}),
            )
            .await;
        assert_eq!(status, 201, "{route}");
        assert_eq!(route["method"], "GET");
        assert_eq!(route["path"], "/hello/{name}");
        assert_eq!(route["script_id"], hello.as_str());
        let route_id = route["id"].as_str().unwrap().to_string();
        let (status, _) = s
            .post(
                &format!("/scripts/{files}/routes"),
                json!({"method": "*", "path": "/files/{*rest}"}),
            )
            .await;
        assert_eq!(status, 201);

        // The same shape with another parameter name collides.
        let got = s
            .post(
                &format!("/scripts/{files}/routes"),
                json!({"method": "GET", "path": "/hello/{who}"}),
            )
            .await;
        assert_error(&got, 409, "route_conflict");
        assert_eq!(
            got.1["error"]["conflicts_with"],
            json!({"method": "GET", "path": "/hello/{name}"})
        );
        // Another method on the same path is fine.
        let (status, _) = s
            .post(
                &format!("/scripts/{files}/routes"),
                json!({"method": "POST", "path": "/hello/{who}"}),
            )
            .await;
        assert_eq!(status, 201);

        let (status, check) = s
            .post(
                "/routes/check",
                json!({"method": "GET", "path": "/hello/{x}"}),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(check["ok"], false);
        assert_eq!(check["error"]["code"], "route_conflict");
        assert_eq!(check["error"]["conflicts_with"]["path"], "/hello/{name}");
        let (_, check) = s
            .post("/routes/check", json!({"method": "GET", "path": "/new"}))
            .await;
        assert_eq!(check["ok"], true);
        let (_, check) = s
            .post(
                "/routes/check",
                json!({"method": "GET", "path": "/admin/x"}),
            )
            .await;
        assert_eq!(check["error"]["code"], "reserved_route");

        let (status, found) = s.get("/routes/match?method=GET&path=/hello/ada").await;
        assert_eq!(status, 200, "{found}");
        assert_eq!(found["script_id"], hello.as_str());
        assert_eq!(found["route_id"], route_id.as_str());
        assert_eq!(found["params"], json!({"name": "ada"}));
        let (_, found) = s
            .get("/routes/match?method=DELETE&path=/files/a/b.txt")
            .await;
        assert_eq!(found["script_id"], files.as_str());
        assert_eq!(found["params"], json!({"rest": "a/b.txt"}));
        assert_error(
            &s.get("/routes/match?method=GET&path=/nothing").await,
            404,
            "route_not_found",
        );
        let got = s.get("/routes/match?method=PUT&path=/hello/ada").await;
        assert_error(&got, 405, "method_not_allowed");
        assert_eq!(got.1["error"]["allowed"], json!(["GET", "POST"]));
        assert_error(
            &s.get("/routes/match?method=GET").await,
            400,
            "invalid_query",
        );

        let (_, all) = s.get("/routes").await;
        assert_eq!(all.as_array().unwrap().len(), 3);
        let (_, mine) = s.get(&format!("/scripts/{hello}/routes")).await;
        assert_eq!(mine.as_array().unwrap().len(), 1);

        let (status, _) = s
            .call(Method::DELETE, &format!("/routes/{route_id}"), None)
            .await;
        assert_eq!(status, 204);
        assert_error(
            &s.get("/routes/match?method=GET&path=/hello/ada").await,
            405,
            "method_not_allowed",
        );
        assert_error(
            &s.call(Method::DELETE, &format!("/routes/{route_id}"), None)
                .await,
            404,
            "route_not_found",
        );

        // Deleting a script removes its routes.
        s.call(Method::DELETE, &format!("/scripts/{files}"), None)
            .await;
        assert_eq!(s.get("/routes").await.1, json!([]));
        assert_error(
            &s.get("/routes/match?method=GET&path=/files/x").await,
            404,
            "route_not_found",
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn bad_routes_get_typed_errors_and_store_nothing() {
    for backend in backends().await {
        let s = Server::start(&backend).await;
        let id = s.create_script("r", "1").await;
        let create = |method: &'static str, path: &'static str| {
            let url = format!("/scripts/{id}/routes");
            let s = &s;
            async move { s.post(&url, json!({"method": method, "path": path})).await }
        };
        for path in ["/api/x", "/admin", "/healthz", "/version/1"] {
            let got = create("GET", path).await;
            assert_error(&got, 400, "reserved_route");
        }
        for path in ["no-slash", "/a//b", "/a/{*rest}/b", "/x{id}", "/{1}"] {
            assert_error(&create("GET", path).await, 400, "invalid_route");
        }
        assert_error(&create("FETCH", "/a").await, 400, "invalid_method");
        assert_error(
            &s.post(
                "/scripts/nope/routes",
                json!({"method": "GET", "path": "/a"}),
            )
            .await,
            404,
            "script_not_found",
        );
        assert_error(
            &s.post(&format!("/scripts/{id}/routes"), json!({"method": "GET"}))
                .await,
            422,
            "invalid_body",
        );
        assert_eq!(s.get("/routes").await.1, json!([]));
        s.stop().await;
    }
}
