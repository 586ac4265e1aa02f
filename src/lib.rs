//! tcscale: scale a WeChat mini-program backend on Tencent Cloud from one
//! server to a cluster behind load balancers.
//!
//! - [`cloud`]: the Tencent Cloud API v3 client (signing, credentials, transport, models)
//! - [`sim`]: the simulated Tencent Cloud (sandbox and test bed)
//! - [`scaleout`]: the guide as data and pure rules, driven by the TUI and `apply`
//! - [`front`]: what both front ends share (options, session setup, progress words)
//! - [`cli`]: the command line
//! - [`tui`]: the terminal screens
//! - [`audit`]: the simulated world held against tcscale's journals (tests and benchmarks judge runs by it)

pub mod audit;
pub mod cli;
pub mod cloud;
pub mod front;
pub mod i18n;
pub mod scaleout;
pub mod sim;
pub mod tui;
