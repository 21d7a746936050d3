//! The hand-written side of the generated `alma-sdk` crate: its tests (`tests/`), examples
//! (`examples/`) and benchmarks (`benches/`), kept out of the crate users depend on so that
//! `generated/` holds only what the generator writes.
//!
//! The module [`fixtures`] reads the recorded Alma responses; [`redis_server`] runs a real Redis
//! server for the shared limiter's tests; [`list_users`] is the example of that name, which the
//! tests also run as several processes. The conformance suite's calls are generated, in
//! `generated/conformance/`.

pub mod drift;
pub mod fixtures;
pub mod fuzz;
pub mod list_users;
pub mod redis_server;
pub mod webhook_listener;

/// The Rust examples of the project's README, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
