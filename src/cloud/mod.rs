//! The Tencent Cloud API v3 client. No UI code here: the wizard, the
//! browser and `tcscale api` all go through [`Client`].

pub mod action;
pub mod credentials;
pub mod error;
#[rustfmt::skip]
pub mod models;
pub mod sign;
pub mod transport;

pub use action::{Action, Service};
pub use credentials::{Credential, Secret};
pub use error::CloudError;
pub use transport::{Client, ClientConfig};
