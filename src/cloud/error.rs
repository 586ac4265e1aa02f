//! One error type for every failed call, carrying what the API said
//! (Code, Message, RequestId) so the UI can explain it and the user can quote it.

use crate::cloud::Service;

#[derive(Debug, Clone, thiserror::Error)]
pub enum CloudError {
    /// The API answered with `{"Response": {"Error": {...}}}`.
    #[error("{service}.{action}: {code}: {message} (RequestId {request_id})")]
    Api {
        service: Service,
        action: String,
        code: String,
        message: String,
        request_id: String,
    },
    /// No answer: connection refused/reset, DNS, TLS, or the timeout elapsed.
    #[error("{service}.{action}: network error: {message}")]
    Network {
        service: Service,
        action: String,
        message: String,
        timed_out: bool,
    },
    /// An answer that is not the API envelope (HTTP error page, truncated JSON…).
    #[error("{service}.{action}: unexpected response (HTTP {status}): {message}")]
    Decode {
        service: Service,
        action: String,
        status: u16,
        message: String,
    },
    /// Refused before anything was sent (bad input, missing credentials).
    #[error("{0}")]
    Local(String),
}

impl CloudError {
    /// The API error code, if the API answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            CloudError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            CloudError::Api { request_id, .. } => Some(request_id),
            _ => None,
        }
    }

    /// Whether the code is one of the given codes or a sub-code of one
    /// (`RequestLimitExceeded` matches `RequestLimitExceeded.UinLimitExceeded`).
    pub fn is(&self, code: &str) -> bool {
        self.code()
            .is_some_and(|c| c == code || c.starts_with(&format!("{code}.")))
    }
}
