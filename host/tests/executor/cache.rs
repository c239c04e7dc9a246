//! The compiled guest is cached on disk and reused.

use picloud_host::Executor;

use crate::common::{assert_healthy, cache_dir, config, executor};

#[tokio::test]
async fn a_warm_cache_is_reused_without_recompiling() {
    // Make sure the cache is warm.
    executor().await;
    let artifacts = || -> Vec<(std::path::PathBuf, std::time::SystemTime)> {
        let mut found: Vec<_> = std::fs::read_dir(cache_dir())
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
            .map(|e| (e.path(), e.metadata().unwrap().modified().unwrap()))
            .collect();
        found.sort();
        found
    };
    let before = artifacts();
    assert!(!before.is_empty(), "the first start wrote an artifact");
    let second = Executor::new(config())
        .await
        .expect("starts from the cache");
    assert_healthy(&second).await;
    assert_eq!(artifacts(), before, "no artifact was rewritten");
}
