//! Builds the dashboard (`dashboard/`, SvelteKit) with npm and leaves it in
//! `OUT_DIR/dashboard`, which `src/dashboard.rs` embeds, so the one binary
//! serves everything. Without node and npm the build goes on with a page
//! that says how to get the real dashboard.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let dashboard = manifest.join("../../dashboard");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("dashboard");
    for input in [
        "src",
        "static",
        "package.json",
        "package-lock.json",
        "svelte.config.js",
        "vite.config.ts",
    ] {
        println!("cargo:rerun-if-changed={}", dashboard.join(input).display());
    }
    println!("cargo:rerun-if-env-changed=PICLOUD_SKIP_DASHBOARD");

    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    if std::env::var_os("PICLOUD_SKIP_DASHBOARD").is_some() {
        placeholder(
            &out,
            "PICLOUD_SKIP_DASHBOARD was set when this binary was built.",
        );
        return;
    }
    if let Err(why) = build(&dashboard, &out) {
        println!("cargo:warning=the dashboard was not built: {why}");
        placeholder(&out, &why);
    }
}

fn build(dashboard: &Path, out: &Path) -> Result<(), String> {
    let npm = |args: &[&str]| -> Result<(), String> {
        let status = Command::new("npm")
            .args(args)
            .current_dir(dashboard)
            .env("npm_config_fund", "false")
            .env("npm_config_audit", "false")
            .status()
            .map_err(|e| {
                format!("`npm` could not be run ({e}); install Node.js 20 or newer with npm, then rebuild")
            })?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`npm {}` failed ({status})", args.join(" ")))
        }
    };
    let installed = dashboard.join("node_modules/.package-lock.json");
    let lock = dashboard.join("package-lock.json");
    if !installed.exists() || modified(&lock) > modified(&installed) {
        npm(&["ci", "--no-progress"])?;
    }
    npm(&["run", "build"])?;
    copy_dir(&dashboard.join("build"), out).map_err(|e| format!("copying the build: {e}"))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn placeholder(out: &Path, why: &str) {
    let why = why.replace('&', "&amp;").replace('<', "&lt;");
    std::fs::write(
        out.join("index.html"),
        format!(
            "<!doctype html><meta charset=utf-8><title>PiCloud</title>\
             <h1>The dashboard is not in this build</h1><p>{why}</p>\
             <p>Install Node.js 20+ with npm and rebuild <code>picloud</code>; the admin API at \
             <code>/api/v1/admin</code> and the CLI work without it.</p>"
        ),
    )
    .unwrap();
}
