//! The PiCloud executor host.
//!
//! Runs the Rhai guest component (`guest-rhai`, built by this crate's
//! `build.rs`) in wasmtime with a fresh [`Store`](wasmtime::Store) and
//! instance for every invocation, under fuel, deadline, memory, stack and
//! output limits. [`Executor`] is the local implementation of
//! [`picloud_shared::ExecutorClient`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use picloud_host::{Executor, HostConfig};
//! use picloud_shared::{ExecutorClient, HttpRequest, Invocation, Limits, ScriptRef};
//!
//! let executor = Executor::new(HostConfig::default()).await?;
//! let result = executor
//!     .invoke(Invocation {
//!         request_id: "req-1".into(),
//!         script: ScriptRef {
//!             id: "s1".into(),
//!             name: "hello".into(),
//!             version: 1,
//!             source: r#"#{ hello: request.path }"#.into(),
//!         },
//!         request: HttpRequest { method: "GET".into(), path: "/hi".into(), ..Default::default() },
//!         limits: Limits::default(),
//!     })
//!     .await?;
//! assert_eq!(result.outcome.unwrap().status, 200);
//! # Ok(()) }
//! ```

mod artifact;
mod config;
mod executor;
mod guest;
mod snapshot;
mod state;
mod ticker;

pub use config::{HostConfig, HostError};
pub use executor::Executor;

/// The Rhai guest component as built by `build.rs` (before pre-initialization).
pub const GUEST_WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/guest.wasm"));

/// SHA-256 of [`GUEST_WASM`], hex-encoded: part of the artifact cache key.
pub const GUEST_SHA256: &str = include_str!(concat!(env!("OUT_DIR"), "/guest.sha256"));

/// Version of the host–guest contract (`wit/picloud.wit`), reported by `/version`.
pub const WIT_CONTRACT_VERSION: &str = "0.1.0";
