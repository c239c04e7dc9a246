//! The compiled guest, cached on disk.
//!
//! Compiling the guest with Cranelift takes about two seconds; loading a
//! precompiled artifact (mmap) under a millisecond. The cache key covers
//! everything that makes an artifact valid: the wasmtime version, the
//! engine's compilation settings, the guest's hash and whether it was
//! pre-initialized.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::{GUEST_SHA256, GUEST_WASM, HostConfig, HostError, snapshot};

/// Pinned with `=` in the workspace manifest; part of the cache key.
const WASMTIME_VERSION: &str = "48.0.10";

/// The cache file for this engine and guest.
fn artifact_path(engine: &Engine, dir: &Path, snapshot: bool) -> PathBuf {
    let mut engine_hash = DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let key = Sha256::new()
        .chain_update(WASMTIME_VERSION)
        .chain_update(engine_hash.finish().to_le_bytes())
        .chain_update(GUEST_SHA256)
        .chain_update([u8::from(snapshot)])
        .finalize();
    let hex: String = key[..12].iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("rhai-guest-{hex}.cwasm"))
}

/// Loads the compiled guest from the cache, or builds (pre-initializes and
/// compiles) it and stores it there.
pub(crate) async fn load(engine: &Engine, config: &HostConfig) -> Result<Component, HostError> {
    // Executors built concurrently in one process wait for the first one's
    // compile instead of each paying for their own.
    static BUILDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _building = BUILDING.lock().await;
    let Some(dir) = &config.cache_dir else {
        let wasm = guest_bytes(config.snapshot).await?;
        return compile(engine, wasm).await;
    };
    let path = artifact_path(engine, dir, config.snapshot);
    if path.exists() {
        match deserialize(engine, &path) {
            Ok(component) => return Ok(component),
            Err(err) => {
                tracing::warn!(path = %path.display(), %err, "discarding unusable cached guest")
            }
        }
    }
    let wasm = guest_bytes(config.snapshot).await?;
    let engine2 = engine.clone();
    let artifact = tokio::task::spawn_blocking(move || engine2.precompile_component(&wasm))
        .await
        .map_err(|e| HostError::Compile(e.to_string()))?
        .map_err(|e| HostError::Compile(e.to_string()))?;
    store_atomically(dir, &path, &artifact)?;
    tracing::info!(path = %path.display(), bytes = artifact.len(), "cached compiled guest");
    deserialize(engine, &path)
}

async fn guest_bytes(snapshot: bool) -> Result<Vec<u8>, HostError> {
    if snapshot {
        snapshot::preinitialize(GUEST_WASM).await
    } else {
        Ok(GUEST_WASM.to_vec())
    }
}

async fn compile(engine: &Engine, wasm: Vec<u8>) -> Result<Component, HostError> {
    let engine = engine.clone();
    tokio::task::spawn_blocking(move || Component::new(&engine, &wasm))
        .await
        .map_err(|e| HostError::Compile(e.to_string()))?
        .map_err(|e| HostError::Compile(e.to_string()))
}

#[allow(unsafe_code)]
fn deserialize(engine: &Engine, path: &Path) -> Result<Component, HostError> {
    // SAFETY: the file was written by `store_atomically` from
    // `Engine::precompile_component` of this same build (the key covers the
    // wasmtime version, engine settings and guest hash), into a directory
    // only the operator controls. wasmtime also checks the header and the
    // engine compatibility before using it.
    unsafe { Component::deserialize_file(engine, path) }
        .map_err(|e| HostError::Compile(format!("{}: {e}", path.display())))
}

/// Writes to a temporary file and renames it, so a reader never sees half
/// an artifact and concurrent starts cannot corrupt each other.
fn store_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), HostError> {
    let io = |source| HostError::Cache {
        path: path.to_path_buf(),
        source,
    };
    fs::create_dir_all(dir).map_err(io)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}
