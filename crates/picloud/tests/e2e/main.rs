//! End to end: the real `picloud` binary on real sockets, driven by its
//! CLI and an HTTP client. One test binary, so the compiled guest is
//! warmed once for every server it starts.

mod common;
mod contract;
mod edge;
mod hostile;
mod remote;
mod serving;
