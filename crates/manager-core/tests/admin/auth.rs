//! Every admin endpoint needs a valid bearer token.

use reqwest::Method;

use crate::common::{Server, assert_error, backends, read};

pub const ENDPOINTS: &[(&str, &str)] = &[
    ("GET", "/scripts"),
    ("POST", "/scripts"),
    ("GET", "/scripts/x"),
    ("PUT", "/scripts/x"),
    ("DELETE", "/scripts/x"),
    ("GET", "/scripts/x/versions"),
    ("GET", "/scripts/x/versions/1"),
    ("POST", "/scripts/x/versions/1/activate"),
    ("GET", "/scripts/x/routes"),
    ("POST", "/scripts/x/routes"),
    ("POST", "/scripts/x/test"),
    ("GET", "/scripts/x/limits"),
    ("PUT", "/scripts/x/limits"),
    ("GET", "/scripts/x/logs"),
    ("GET", "/logs/stream"),
    ("GET", "/config"),
    ("PUT", "/config"),
    ("POST", "/test"),
    ("GET", "/routes"),
    ("POST", "/routes/check"),
    ("GET", "/routes/match?method=GET&path=/"),
    ("DELETE", "/routes/x"),
    ("GET", "/tokens"),
    ("POST", "/tokens"),
    ("DELETE", "/tokens/x"),
    ("GET", "/no-such-endpoint"),
];

#[tokio::test]
async fn every_endpoint_is_401_without_a_valid_token() {
    for backend in backends().await {
        let server = Server::start(&backend).await;
        let client = reqwest::Client::new();
        for (method, path) in ENDPOINTS {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let url = format!("{}{path}", server.base);
            for auth in [
                None,
                Some("Bearer wrong"),
                Some("Basic abc"),
                Some("Bearer "),
            ] {
                let mut request = client
                    .request(method.clone(), &url)
                    .header("content-type", "application/json")
                    .body("{}");
                if let Some(auth) = auth {
                    request = request.header("authorization", auth);
                }
                let got = read(request.send().await.unwrap()).await;
                assert_error(&got, 401, "unauthorized");
            }
        }
        // Nothing was created by the refused requests.
        assert_eq!(server.get("/scripts").await.1, serde_json::json!([]));
        server.stop().await;
    }
}
