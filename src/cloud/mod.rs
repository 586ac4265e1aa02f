//! The Tencent Cloud API v3 client. No UI code here: the wizard, the
//! browser and `tcscale api` all go through [`Client`].

pub mod action;
pub mod audit;
pub mod config_file;
pub mod credentials;
pub mod error;
pub mod explain;
pub mod limits;
#[rustfmt::skip]
pub mod models;
pub mod pager;
pub mod rate_limit;
pub mod retry;
pub mod sign;
pub mod status;
pub mod transport;

pub use action::{Action, Service};
pub use credentials::{Credential, Secret};
pub use error::CloudError;
pub use explain::Explanation;
pub use pager::{fetch_all, Page};
pub use rate_limit::RateLimit;
pub use retry::RetryPolicy;
pub use transport::{Client, ClientConfig};
