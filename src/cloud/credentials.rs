//! Credentials and the chain that finds them.

use std::fmt;

/// A secret string that never prints: `Debug` and `Display` show a mask.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The real value, for signing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask(&self.0))
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask(&self.0))
    }
}

/// `AKID****abcd`: the first four and last four characters, never more than
/// a quarter of the value each, so short secrets show nothing.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let keep = if chars.len() >= 16 { 4 } else { 0 };
    if keep == 0 {
        return "****".to_string();
    }
    let head: String = chars[..keep].iter().collect();
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("{head}****{tail}")
}

/// One set of API credentials. The SecretId is shown masked too: it is not
/// a secret on its own, but users treat it as one.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credential {
    pub secret_id: Secret,
    pub secret_key: Secret,
    pub token: Option<Secret>,
}

impl Credential {
    pub fn new(id: &str, key: &str, token: Option<&str>) -> Self {
        Credential {
            secret_id: Secret::new(id),
            secret_key: Secret::new(key),
            token: token.filter(|t| !t.is_empty()).map(Secret::new),
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"****")
            .field("token", &self.token.as_ref().map(|_| "****"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let c = Credential::new(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            Some("sessiontoken-abcdef"),
        );
        let shown = format!("{c:?} {} {:?}", c.secret_id, c.secret_key);
        assert!(!shown.contains("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"));
        assert!(!shown.contains("sessiontoken"));
        assert!(!shown.contains("z8krbsJ5yKBZQpn74WFkmLPx3"));
        assert!(shown.contains("AKID****MPLE"));
    }
}
