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
    ("GET", "/logs"),
    ("GET", "/stats"),
    ("POST", "/check"),
    ("GET", "/session"),
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

#[tokio::test]
async fn a_browser_session_is_an_http_only_cookie_that_authenticates_like_the_token() {
    let backend = &backends().await[0];
    let server = Server::start(backend).await;
    let client = reqwest::Client::new();
    let session = format!("{}/session", server.base);

    let refused = client
        .post(&session)
        .json(&serde_json::json!({"token": "pic_wrong"}))
        .send()
        .await
        .unwrap();
    assert!(refused.headers().get("set-cookie").is_none());
    assert_error(&read(refused).await, 401, "unauthorized");

    let signed_in = client
        .post(&session)
        .json(&serde_json::json!({ "token": server.token }))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/admin"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: no Secure flag");
    let pair = cookie.split(';').next().unwrap().to_owned();

    // The cookie alone is enough for the API, and nothing else in a cookie is.
    let listed = client
        .get(format!("{}/scripts", server.base))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let forged = client
        .get(format!("{}/scripts", server.base))
        .header("cookie", "picloud_token=pic_forged; other=1")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);

    // Behind an HTTPS proxy the cookie is Secure.
    let proxied = client
        .post(&session)
        .header("x-forwarded-proto", "https")
        .json(&serde_json::json!({ "token": server.token }))
        .send()
        .await
        .unwrap();
    assert!(
        proxied.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("; Secure")
    );

    let signed_out = client.delete(&session).send().await.unwrap();
    assert_eq!(signed_out.status(), 204);
    assert!(
        signed_out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    server.stop().await;
}
