//! Builds the Rhai guest (`../guest-rhai`) for `wasm32-wasip2`, as wasmtime
//! builds its test programs, so that `cargo build` and `cargo test` of the
//! host need no extra step. The component lands in `OUT_DIR` together with
//! its SHA-256, which keys the compiled-artifact cache.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let guest_dir = manifest_dir.join("../guest-rhai");
    let wit_dir = manifest_dir.join("../wit");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap());

    for dir in [&guest_dir.join("src"), &wit_dir] {
        println!("cargo:rerun-if-changed={}", dir.display());
    }
    for file in ["Cargo.toml", "Cargo.lock", ".cargo/config.toml"] {
        println!("cargo:rerun-if-changed={}", guest_dir.join(file).display());
    }

    check_target_installed();

    // A target directory of its own: the outer cargo holds a lock on ours.
    let target_dir = out_dir.join("guest-target");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&guest_dir)
        .args(["build", "--release", "--locked", "--target", TARGET])
        .arg("--target-dir")
        .arg(&target_dir);
    // Flags meant for the host build must not leak into the guest build.
    for (key, _) in env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_ENCODED_RUSTFLAGS")
            || key == "RUSTFLAGS"
            || key == "RUSTC_WORKSPACE_WRAPPER"
            || key == "CARGO_TARGET_DIR"
            || key == "CARGO_BUILD_TARGET"
            || key.starts_with("CARGO_PROFILE_")
            || key == "CARGO_MAKEFLAGS"
            || key == "MAKEFLAGS"
            || key == "MFLAGS"
        {
            cmd.env_remove(key.as_ref());
        }
    }
    let status = cmd
        .status()
        .expect("failed to run cargo to build the guest");
    assert!(
        status.success(),
        "building the Rhai guest (guest-rhai) for {TARGET} failed"
    );

    let wasm = target_dir
        .join(TARGET)
        .join("release")
        .join("picloud_guest_rhai.wasm");
    let bytes = fs::read(&wasm).unwrap_or_else(|e| panic!("reading {}: {e}", wasm.display()));
    let hash = Sha256::digest(&bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    fs::write(out_dir.join("guest.wasm"), &bytes).unwrap();
    fs::write(out_dir.join("guest.sha256"), hex).unwrap();
}

/// Fails early, with the fix, when the wasm target is missing.
fn check_target_installed() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(sysroot) = sysroot {
        let lib = Path::new(&sysroot).join("lib/rustlib").join(TARGET);
        if !lib.exists() {
            panic!(
                "\n\nThe Rust target `{TARGET}` is not installed; the Rhai guest is built for it.\n\
                 Install it with:\n\n    rustup target add {TARGET}\n\n\
                 (rust-toolchain.toml lists it, so rustup normally installs it for you.)\n"
            );
        }
    }
}
