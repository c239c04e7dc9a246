//! Admin tokens: listed without secrets, created once, revoked.

use reqwest::Method;
use serde_json::json;

use crate::common::{Server, assert_error, backends, read};

#[tokio::test]
async fn tokens_are_created_listed_and_revoked() {
    for backend in backends().await {
        let s = Server::start(&backend).await;
        let (status, list) = s.get("/tokens").await;
        assert_eq!(status, 200);
        assert_eq!(list.as_array().unwrap().len(), 1);
        for token in list.as_array().unwrap() {
            let keys: Vec<&str> = token
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys.len(), 3, "only id, label, created_at: {token}");
            assert!(!token.to_string().contains(&s.token));
        }

        let (status, created) = s.post("/tokens", json!({"label": "ci"})).await;
        assert_eq!(status, 201, "{created}");
        let secret = created["token"].as_str().unwrap().to_string();
        assert!(secret.len() >= 32 + 4, "128+ bits");
        let new_id = created["id"].as_str().unwrap().to_string();

        // The new token works.
        let url = format!("{}/scripts", s.base);
        let client = reqwest::Client::new();
        let (status, _) = read(client.get(&url).bearer_auth(&secret).send().await.unwrap()).await;
        assert_eq!(status, 200);
        // Listing never shows a secret.
        assert!(!s.get("/tokens").await.1.to_string().contains(&secret));

        let (status, _) = s
            .call(Method::DELETE, &format!("/tokens/{new_id}"), None)
            .await;
        assert_eq!(status, 204);
        let got = read(client.get(&url).bearer_auth(&secret).send().await.unwrap()).await;
        assert_error(&got, 401, "unauthorized");

        assert_error(
            &s.post("/tokens", json!({"label": ""})).await,
            400,
            "invalid_label",
        );
        assert_error(
            &s.call(Method::DELETE, "/tokens/nope", None).await,
            404,
            "token_not_found",
        );
        // The last token cannot be revoked: that would lock everyone out.
        let (_, list) = s.get("/tokens").await;
        let last = list[0]["id"].as_str().unwrap();
        assert_error(
            &s.call(Method::DELETE, &format!("/tokens/{last}"), None)
                .await,
            409,
            "last_token",
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn the_first_start_creates_one_token_and_prints_it_once() {
    for backend in backends().await {
        let store = picloud_manager_core::store::Store::open(&backend.location)
            .await
            .unwrap();
        let manager = picloud_manager_core::Manager::new(
            store.clone(),
            crate::common::executor().await,
            Default::default(),
        )
        .await
        .unwrap();
        let first = manager.bootstrap_token(None).await.unwrap();
        let token = first.expect("a token is created on first start");
        assert!(token.starts_with("pic_") && token.len() == 68);
        assert_eq!(
            manager.bootstrap_token(None).await.unwrap(),
            None,
            "only once"
        );
        let tokens = store.tokens().await.unwrap();
        assert_eq!(tokens.len(), 1);
        // Only the hash is stored.
        let hashes = store.token_hashes().await.unwrap();
        assert_eq!(hashes[0].1, picloud_manager_core::hash_token(&token));
        assert_ne!(hashes[0].1, token);
        store.close().await;
    }
}
