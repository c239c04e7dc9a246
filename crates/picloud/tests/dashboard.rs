//! The dashboard's own checks, run as part of `cargo test`: the type check
//! (`npm run check`), its unit tests (vitest), and the end-to-end flow in
//! a real headless Chromium against this build's `picloud serve`
//! (`dashboard/tests/e2e.mjs`). `build.rs` installed the npm dependencies
//! while building the dashboard.

use std::path::{Path, PathBuf};
use std::process::Command;

fn dashboard() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dashboard")
}

fn npm(args: &[&str]) {
    let status = Command::new("npm")
        .args(args)
        .current_dir(dashboard())
        .status()
        .expect("npm runs (install Node.js 20+ with npm)");
    assert!(status.success(), "npm {args:?} failed");
}

#[test]
fn the_dashboard_type_checks() {
    npm(&["run", "check"]);
}

#[test]
fn the_dashboard_unit_tests_pass() {
    npm(&["test"]);
}

/// Sign in, create a script, see a compile error inline, fix it, test-run
/// it, add a route, call it, see the call in the live tail, roll back.
#[test]
fn the_dashboard_works_end_to_end_in_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        // CI installs it (.ci/run); elsewhere say what is missing, loudly.
        assert!(
            std::env::var_os("CI").is_none(),
            "{chromium} is missing (apt-get install chromium)"
        );
        eprintln!("SKIPPED: {chromium} is not installed (apt-get install chromium)");
        return;
    }
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("picloud-guest-cache");
    let mut command = Command::new("node");
    command
        .arg("tests/e2e.mjs")
        .current_dir(dashboard())
        .env("PICLOUD_BIN", env!("CARGO_BIN_EXE_picloud"))
        .env("CHROMIUM", &chromium);
    if cache.is_dir() {
        command.env("PICLOUD_GUEST_CACHE", &cache);
    }
    let status = command.status().expect("node runs");
    assert!(status.success(), "the dashboard's browser test failed");
}
