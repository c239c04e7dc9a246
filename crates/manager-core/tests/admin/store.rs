//! What is stored survives a restart.

use serde_json::json;

use crate::common::{Server, backends};

#[tokio::test]
async fn a_restart_keeps_scripts_versions_routes_and_tokens() {
    for backend in backends().await {
        let s = Server::start(&backend).await;
        let id = s.create_script("kept", "\"one\"").await;
        s.call(
            reqwest::Method::PUT,
            &format!("/scripts/{id}"),
            Some(json!({"source": "\"two\""})),
        )
        .await;
        s.post(
            &format!("/scripts/{id}/routes"),
            json!({"method": "GET", "path": "/kept/{x}"}),
        )
        .await;
        let (_, created) = s.post("/tokens", json!({"label": "second"})).await;
        let secret = created["token"].as_str().unwrap().to_string();
        let before = (
            s.get("/scripts").await.1,
            s.get(&format!("/scripts/{id}/versions")).await.1,
            s.get("/routes").await.1,
            s.get("/tokens").await.1,
        );
        s.stop().await;

        let s = Server::start(&backend).await;
        let after = (
            s.get("/scripts").await.1,
            s.get(&format!("/scripts/{id}/versions")).await.1,
            s.get("/routes").await.1,
            s.get("/tokens").await.1,
        );
        assert_eq!(before, after, "{}", s.backend);
        assert_eq!(
            s.get(&format!("/scripts/{id}/versions/1")).await.1["source"],
            "\"one\""
        );
        assert_eq!(
            s.get("/routes/match?method=GET&path=/kept/1").await.1["script_id"],
            id.as_str()
        );
        let client = reqwest::Client::new();
        let status = client
            .get(format!("{}/scripts", s.base))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "a created token survives the restart");
        s.stop().await;
    }
}
