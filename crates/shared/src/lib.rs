//! Types shared by every PiCloud service.
//!
//! The services never depend on each other; what one needs from another is a
//! trait here, injected by the binary. The most important one is
//! [`ExecutorClient`]: the orchestrator and the manager run scripts through it
//! without knowing whether the executor is in-process or across the network,
//! so every type it carries serializes cleanly with serde.

pub mod catalog;
mod error;
pub mod executor;
mod invocation;
mod limits;
pub mod routing;

pub use error::{ExecutorError, LimitKind, Position, ScriptError};
pub use executor::{ExecutorClient, Occupancy};
pub use invocation::{
    HttpRequest, HttpResponse, Invocation, InvocationRecord, InvocationResult, LogLevel, LogLine,
    ScriptRef,
};
pub use limits::{Limits, UnknownLimit};

/// Version of the scripting contract (what a script sees and returns),
/// reported by `/version`.
pub const SCRIPTING_CONTRACT_VERSION: &str = "1.0";
