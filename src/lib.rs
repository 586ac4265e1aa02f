//! tcscale: scale a WeChat mini-program backend on Tencent Cloud from one
//! server to a cluster behind load balancers.
//!
//! - [`cloud`]: the Tencent Cloud API v3 client (signing, credentials, transport, models)
//! - [`sim`]: the simulated Tencent Cloud (sandbox and test bed)
//! - [`scaleout`]: the guide as data and pure rules, driven by the TUI and `apply`
//! - [`tui`]: the terminal screens

pub mod cli;
pub mod cloud;
pub mod i18n;
pub mod scaleout;
pub mod sim;
pub mod tui;
