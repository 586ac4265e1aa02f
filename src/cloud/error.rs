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
    /// `before_send` is true when the request certainly never reached the
    /// server (connection refused, DNS): retrying it can never do a thing twice.
    #[error("{service}.{action}: network error: {message}")]
    Network {
        service: Service,
        action: String,
        message: String,
        timed_out: bool,
        before_send: bool,
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

    /// The API's own message, if it answered with one.
    pub fn message(&self) -> Option<&str> {
        match self {
            CloudError::Api { message, .. } => Some(message),
            _ => None,
        }
    }

    /// The service the failed call went to (`None` for local errors).
    pub fn service(&self) -> Option<Service> {
        match self {
            CloudError::Api { service, .. }
            | CloudError::Network { service, .. }
            | CloudError::Decode { service, .. } => Some(*service),
            CloudError::Local(_) => None,
        }
    }

    /// Whether the code is one of the given codes or a sub-code of one
    /// (`RequestLimitExceeded` matches `RequestLimitExceeded.UinLimitExceeded`).
    pub fn is(&self, code: &str) -> bool {
        self.code()
            .is_some_and(|c| c == code || c.starts_with(&format!("{code}.")))
    }

    /// A short label for the audit log and logs: the API code, or the kind of failure.
    pub fn kind_code(&self) -> String {
        match self {
            CloudError::Api { code, .. } => code.clone(),
            CloudError::Network {
                timed_out: true, ..
            } => "Network.Timeout".to_string(),
            CloudError::Network { .. } => "Network".to_string(),
            CloudError::Decode { status, .. } => format!("Decode.HTTP{status}"),
            CloudError::Local(_) => "Local".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str) -> CloudError {
        CloudError::Api {
            service: Service::Cvm,
            action: "DescribeInstances".into(),
            code: code.into(),
            message: "m".into(),
            request_id: "rid-1".into(),
        }
    }

    #[test]
    fn sub_codes_match_their_parent() {
        assert!(api("RequestLimitExceeded.UinLimitExceeded").is("RequestLimitExceeded"));
        assert!(api("RequestLimitExceeded").is("RequestLimitExceeded"));
        assert!(!api("RequestLimitExceededX").is("RequestLimitExceeded"));
        assert_eq!(api("X").request_id(), Some("rid-1"));
        assert_eq!(api("X").kind_code(), "X");
    }
}
