//! Integration tests of the executor against the real guest component.
//!
//! One test binary (as wasmtime's `tests/all`), so the guest is loaded once
//! per binary and the artifact is compiled once per run.

mod cache;
mod common;
mod concurrency;
mod contract;
mod fidelity;
mod hostile;
mod isolation;
