//! One business server's sdk.config edit: read (TAT) → compute (pure) →
//! compare-and-swap write with backup and restart (TAT) → verify.

use crate::cloud::models::cvm;

use super::sdk_config_step::SdkVerdict;
use super::{Engine, StepError};

pub async fn update_one(
    eng: &Engine,
    server: &cvm::Instance,
    url: &str,
) -> Result<SdkVerdict, StepError> {
    let _ = (server, url);
    Err(StepError::Blocked(eng.text("engine.sdk.unavailable")))
}
