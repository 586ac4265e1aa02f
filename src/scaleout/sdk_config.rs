//! The one edit tcscale makes on business servers: `authServerUrl` in
//! `sdk.config` becomes `http://VIP/mina_auth/`.
//!
//! The file is JSON as the Wafer SDKs read it, often with `//` comments (the
//! guide's own sample has them). The edit is textual so that everything else
//! — other keys, their order, indentation, comments, line endings, a BOM —
//! stays byte for byte; serde_json is only the judge of well-formedness
//! (after comments are blanked out, offsets unchanged).
//!
//! The Node.js demo, though, reads the file with `JSON.parse` and exits when
//! it fails: for a Node.js server the file must stay strict JSON
//! ([`node_readable`]), checked before a write is sent and shown as a
//! warning on the sdk.config screen ([`node_json_problem`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::i18n::{tf, Lang};

/// The key the Wafer SDKs read the session server's address from.
pub const AUTH_SERVER_URL_KEY: &str = "authServerUrl";

const BOM: &str = "\u{feff}";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdkConfigError {
    #[error("sdk.config is not valid JSON (line {line}, column {column}): {message}")]
    Malformed {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("sdk.config does not hold a JSON object at the top level")]
    NotAnObject,
    #[error("{0:?} is not an IP address or host name")]
    InvalidVip(String),
    /// Lenient JSON is fine, but not for `JSON.parse` (comments, trailing
    /// commas, a BOM): the Node.js demo would not start.
    #[error("sdk.config would not load with Node.js JSON.parse (line {line}, column {column}): {message}")]
    NotStrictJson {
        line: usize,
        column: usize,
        message: String,
    },
}

impl SdkConfigError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            SdkConfigError::Malformed {
                line,
                column,
                message,
            } => tf(
                lang,
                "scaleout.sdk.malformed",
                &[("line", line), ("column", column), ("message", message)],
            ),
            SdkConfigError::NotAnObject => tf(lang, "scaleout.sdk.not_object", &[]),
            SdkConfigError::InvalidVip(v) => tf(lang, "scaleout.sdk.invalid_vip", &[("vip", v)]),
            SdkConfigError::NotStrictJson {
                line,
                column,
                message,
            } => tf(
                lang,
                "scaleout.sdk.not_strict",
                &[("line", line), ("column", column), ("message", message)],
            ),
        }
    }
}

/// `http://VIP/mina_auth/`, the guide's value.
pub fn auth_server_url(vip: &str) -> String {
    format!("http://{vip}/mina_auth/")
}

/// Sets `authServerUrl` to `http://VIP/mina_auth/`, keeping everything else
/// of `content` as it is. A missing key is added as the last member, in the
/// style (indentation, separator, line ending) of the members before it.
pub fn set_auth_server_url(content: &str, vip: &str) -> Result<String, SdkConfigError> {
    if !valid_vip(vip) {
        return Err(SdkConfigError::InvalidVip(vip.to_string()));
    }
    let url = auth_server_url(vip);
    let (bom, body) = match content.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => ("", content),
    };
    let doc = Document::parse(body)?;
    let encoded = serde_json::to_string(&url).expect("a string always serializes");

    let mut out = String::with_capacity(content.len() + encoded.len() + 32);
    out.push_str(bom);
    let matching: Vec<&Member> = doc
        .members
        .iter()
        .filter(|m| m.key == AUTH_SERVER_URL_KEY)
        .collect();
    if !matching.is_empty() {
        // Replace every top-level occurrence: with duplicates, readers differ
        // on which one wins.
        let mut at = 0;
        for m in matching {
            out.push_str(&body[at..m.value.0]);
            out.push_str(&encoded);
            at = m.value.1;
        }
        out.push_str(&body[at..]);
    } else {
        out.push_str(&doc.insert_member(body, AUTH_SERVER_URL_KEY, &encoded));
    }

    // The edit must be exactly what we claim: other keys equal, new value set.
    debug_assert!(same_except_auth(body, &out[bom.len()..], &url));
    Ok(out)
}

/// The current top-level `authServerUrl`, if the file is valid and has one as a string.
pub fn read_auth_server_url(content: &str) -> Option<String> {
    let body = content.strip_prefix(BOM).unwrap_or(content);
    let value = parse_lenient(body).ok()?;
    value
        .get(AUTH_SERVER_URL_KEY)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Parses `content` as JSON with `//` and `/* */` comments allowed (BOM too).
pub fn parse_lenient(content: &str) -> Result<Value, SdkConfigError> {
    let body = content.strip_prefix(BOM).unwrap_or(content);
    let stripped = strip_comments(body)?;
    serde_json::from_str(&stripped).map_err(|e| SdkConfigError::Malformed {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

/// Whether `content` loads with `JSON.parse` as the Node.js demo reads it:
/// strict JSON (no comments, no trailing comma, no BOM) holding an object.
pub fn node_readable(content: &str) -> Result<(), SdkConfigError> {
    if content.starts_with(BOM) {
        return Err(SdkConfigError::NotStrictJson {
            line: 1,
            column: 1,
            message: "the file starts with a byte-order mark (BOM)".into(),
        });
    }
    match serde_json::from_str::<Value>(content) {
        Ok(Value::Object(_)) => Ok(()),
        Ok(_) => Err(SdkConfigError::NotAnObject),
        Err(e) => Err(SdkConfigError::NotStrictJson {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }),
    }
}

/// Which file a [`node_json_problem`] concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The file on the server as it is now.
    Before,
    /// The file as tcscale would write it.
    After,
}

/// Why a Node.js server's `content` would not load with `JSON.parse`, now
/// or once `authServerUrl` points at `vip`: the first problem found.
pub fn node_json_problem(content: &str, vip: &str) -> Option<(Stage, SdkConfigError)> {
    if let Err(e) = node_readable(content) {
        return Some((Stage::Before, e));
    }
    match set_auth_server_url(content, vip) {
        Ok(after) => node_readable(&after).err().map(|e| (Stage::After, e)),
        Err(e) => Some((Stage::After, e)),
    }
}

/// A VIP is an IPv4 address or a host name (optionally with `:port`); no
/// character that could break out of the URL.
fn valid_vip(vip: &str) -> bool {
    !vip.is_empty()
        && vip.len() <= 253
        && vip
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

fn same_except_auth(before: &str, after: &str, url: &str) -> bool {
    let (Ok(Value::Object(mut a)), Ok(Value::Object(mut b))) =
        (parse_lenient(before), parse_lenient(after))
    else {
        return false;
    };
    let new = b.remove(AUTH_SERVER_URL_KEY);
    a.remove(AUTH_SERVER_URL_KEY);
    new.as_ref().and_then(Value::as_str) == Some(url) && a == b
}

/// Blanks out comments with spaces (newlines kept), so byte offsets and line
/// numbers stay those of the original.
fn strip_comments(s: &str) -> Result<String, SdkConfigError> {
    let b = s.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let mut in_string = false;
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match (c, b.get(i + 1)) {
            (b'"', _) => {
                in_string = true;
                i += 1;
            }
            (b'/', Some(b'/')) => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    out[i] = b' ';
                    i += 1;
                }
            }
            (b'/', Some(b'*')) => {
                let start = i;
                out[i] = b' ';
                out[i + 1] = b' ';
                i += 2;
                loop {
                    if i >= b.len() {
                        let (line, column) = line_col(s, start);
                        return Err(SdkConfigError::Malformed {
                            line,
                            column,
                            message: "unterminated /* comment".into(),
                        });
                    }
                    if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        out[i] = b' ';
                        out[i + 1] = b' ';
                        i += 2;
                        break;
                    }
                    if b[i] != b'\n' && b[i] != b'\r' {
                        out[i] = b' ';
                    }
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    // Only whole characters were blanked (comments end at ASCII bytes).
    Ok(String::from_utf8(out).expect("blanking whole comments keeps UTF-8"))
}

fn line_col(s: &str, offset: usize) -> (usize, usize) {
    let before = &s[..offset.min(s.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// A top-level member: the key and byte spans in the (BOM-less) text.
#[derive(Debug)]
struct Member {
    key: String,
    key_span: (usize, usize),
    value: (usize, usize),
}

/// The top-level object of a valid document, located in the original text.
#[derive(Debug)]
struct Document {
    /// Blanked-comment copy of the text, same offsets.
    stripped: String,
    open: usize,
    close: usize,
    members: Vec<Member>,
}

impl Document {
    fn parse(body: &str) -> Result<Document, SdkConfigError> {
        let stripped = strip_comments(body)?;
        let value: Value =
            serde_json::from_str(&stripped).map_err(|e| SdkConfigError::Malformed {
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })?;
        if !value.is_object() {
            return Err(SdkConfigError::NotAnObject);
        }
        // serde_json accepted it, so the scan below walks well-formed JSON.
        let b = stripped.as_bytes();
        let open = skip_ws(b, 0);
        let mut members = Vec::new();
        let mut i = skip_ws(b, open + 1);
        while b[i] != b'}' {
            let key_start = i;
            let key_end = skip_string(b, i);
            let key: String = serde_json::from_str(&stripped[key_start..key_end])
                .expect("validated key is a JSON string");
            i = skip_ws(b, key_end);
            i = skip_ws(b, i + 1); // ':'
            let value_start = i;
            let value_end = skip_value(b, i);
            members.push(Member {
                key,
                key_span: (key_start, key_end),
                value: (value_start, value_end),
            });
            i = skip_ws(b, value_end);
            if b[i] == b',' {
                i = skip_ws(b, i + 1);
            }
        }
        Ok(Document {
            stripped,
            open,
            close: i,
            members,
        })
    }

    /// `body` with `"key": encoded` added as the last member.
    fn insert_member(&self, body: &str, key: &str, encoded: &str) -> String {
        let newline = if body.contains("\r\n") { "\r\n" } else { "\n" };
        let key_json = serde_json::to_string(key).expect("string");
        let Some(last) = self.members.last() else {
            // Empty object: put the member on its own line inside the braces.
            let inner = &body[self.open + 1..self.close];
            let trimmed_inner = inner.trim_end_matches([' ', '\t']);
            let lead = if trimmed_inner.ends_with('\n') {
                ""
            } else {
                newline
            };
            let mut s = String::new();
            s.push_str(&body[..self.open + 1]);
            s.push_str(trimmed_inner);
            s.push_str(lead);
            s.push_str(&format!("    {key_json}: {encoded}{newline}"));
            s.push_str(&body[self.close..]);
            return s;
        };
        let sep = {
            let between = &self.stripped[last.key_span.1..last.value.0];
            if between.contains(['\n', '\r']) {
                ": ".to_string()
            } else {
                between.to_string()
            }
        };
        let line_start = body[..last.key_span.0].rfind('\n').map_or(0, |p| p + 1);
        let indent_slice = &body[line_start..last.key_span.0];
        let single_line = !body[last.value.1..self.close].contains('\n');
        let mut s = String::with_capacity(body.len() + 64);
        if single_line || !indent_slice.chars().all(|c| c == ' ' || c == '\t') {
            // `{"a": 1}` or members sharing a line: continue on the same line.
            s.push_str(&body[..last.value.1]);
            s.push_str(&format!(", {key_json}{sep}{encoded}"));
            s.push_str(&body[last.value.1..]);
            return s;
        }
        // Comma right after the last value (before any trailing comment),
        // new member on its own line after the comments that follow it (a
        // block comment may span lines).
        let tail = &body[last.value.1..self.close];
        let comments_end = last.value.1 + tail.trim_end().len();
        let line_end = body[comments_end..]
            .find(['\r', '\n'])
            .map_or(body.len(), |p| comments_end + p);
        s.push_str(&body[..last.value.1]);
        s.push(',');
        s.push_str(&body[last.value.1..line_end]);
        s.push_str(newline);
        s.push_str(indent_slice);
        s.push_str(&format!("{key_json}{sep}{encoded}"));
        s.push_str(&body[line_end..]);
        s
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// `i` at an opening quote; returns the offset after the closing one.
fn skip_string(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

fn skip_value(b: &[u8], i: usize) -> usize {
    match b[i] {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = skip_string(b, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            b.len()
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')
            {
                j += 1;
            }
            j
        }
    }
}

/// One line of a before/after comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    pub kind: DiffKind,
    /// 1-based line number in `before` (none for added lines).
    pub old_line: Option<usize>,
    /// 1-based line number in `after` (none for removed lines).
    pub new_line: Option<usize>,
    /// The line without its line ending.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiffKind {
    Same,
    Removed,
    Added,
}

impl DiffLine {
    pub fn is_change(&self) -> bool {
        self.kind != DiffKind::Same
    }

    /// `  `, `- ` or `+ ` and the text, as in a unified diff.
    pub fn render(&self) -> String {
        let mark = match self.kind {
            DiffKind::Same => ' ',
            DiffKind::Removed => '-',
            DiffKind::Added => '+',
        };
        format!("{mark} {}", self.text)
    }
}

/// Every line of `before` and `after`, aligned by a longest common
/// subsequence (sdk.config files are small). Removed lines come before the
/// added lines that replace them. Line endings (LF or CRLF) are not compared.
pub fn unified_diff(before: &str, after: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = split_lines(before);
    let b: Vec<&str> = split_lines(after);
    // Beyond this the table gets large; show a full replacement instead.
    const MAX_CELLS: usize = 4_000_000;
    let mut lcs = vec![0u32; 0];
    let w = b.len() + 1;
    let table = (a.len() + 1) * w <= MAX_CELLS;
    if table {
        lcs = vec![0u32; (a.len() + 1) * w];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                lcs[i * w + j] = if a[i] == b[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
    }
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let (mut i, mut j) = (0, 0);
    let line = |kind, old: Option<usize>, new: Option<usize>, text: &str| DiffLine {
        kind,
        old_line: old.map(|n| n + 1),
        new_line: new.map(|n| n + 1),
        text: text.to_string(),
    };
    while i < a.len() || j < b.len() {
        if table && i < a.len() && j < b.len() && a[i] == b[j] {
            out.push(line(DiffKind::Same, Some(i), Some(j), a[i]));
            i += 1;
            j += 1;
        } else if i < a.len()
            && (j >= b.len() || !table || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])
        {
            out.push(line(DiffKind::Removed, Some(i), None, a[i]));
            i += 1;
        } else {
            out.push(line(DiffKind::Added, None, Some(j), b[j]));
            j += 1;
        }
    }
    out
}

fn split_lines(s: &str) -> Vec<&str> {
    let s = s.strip_prefix(BOM).unwrap_or(s);
    if s.is_empty() {
        return Vec::new();
    }
    s.split_inclusive('\n')
        .map(|l| l.trim_end_matches('\n').trim_end_matches('\r'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-edited Node.js file with `//` comments: the editor keeps
    /// them, but Node.js's `JSON.parse` would reject it (see `node_readable`).
    const NODE: &str = include_str!("../../assets/samples/sdk.config.node.hand-edited");
    /// The default Node.js sample: strict JSON.
    const NODE_STRICT: &str = include_str!("../../assets/samples/sdk.config.node");
    const JAVA: &str = include_str!("../../assets/samples/sdk.config.java");
    const DOTNET: &str = include_str!("../../assets/samples/sdk.config.dotnet");

    fn changed(before: &str, after: &str) -> Vec<String> {
        unified_diff(before, after)
            .into_iter()
            .filter(DiffLine::is_change)
            .map(|l| l.render())
            .collect()
    }

    #[test]
    fn strict_json_for_node_is_checked_before_and_after_the_edit() {
        assert_eq!(node_readable(NODE_STRICT), Ok(()));
        assert_eq!(node_json_problem(NODE_STRICT, "10.0.1.20"), None);
        let after = set_auth_server_url(NODE_STRICT, "10.0.1.20").unwrap();
        assert_eq!(node_readable(&after), Ok(()));
        // the hand-edited file: fine for the editor, not for JSON.parse
        assert!(parse_lenient(NODE).is_ok());
        match node_json_problem(NODE, "10.0.1.20") {
            Some((Stage::Before, SdkConfigError::NotStrictJson { line: 2, .. })) => {}
            other => panic!("{other:?}"),
        }
        let bom = format!("{BOM}{NODE_STRICT}");
        assert!(matches!(
            node_readable(&bom),
            Err(SdkConfigError::NotStrictJson {
                line: 1,
                column: 1,
                ..
            })
        ));
        assert!(matches!(
            node_readable("{\"a\": 1,}"),
            Err(SdkConfigError::NotStrictJson { .. })
        ));
        assert_eq!(node_readable("[1]"), Err(SdkConfigError::NotAnObject));
        let msg = node_readable("{// x\n}").unwrap_err();
        assert!(
            msg.message(Lang::En).contains("JSON.parse"),
            "{}",
            msg.message(Lang::En)
        );
        assert!(msg.message(Lang::Zh).contains("JSON.parse"));
    }

    #[test]
    fn node_sample_with_comments_changes_one_line() {
        let after = set_auth_server_url(NODE, "10.0.1.20").unwrap();
        assert_eq!(
            read_auth_server_url(&after).as_deref(),
            Some("http://10.0.1.20/mina_auth/")
        );
        let diff = changed(NODE, &after);
        assert_eq!(diff.len(), 2, "{diff:#?}");
        assert!(diff[0].starts_with("- ") && diff[1].starts_with("+ "));
        assert!(diff[1].contains("\"http://10.0.1.20/mina_auth/\""));
        // Comments survive, including a trailing one on the edited line.
        assert_eq!(NODE.matches("//").count(), after.matches("//").count());
        assert!(same_except_auth(
            NODE,
            &after,
            "http://10.0.1.20/mina_auth/"
        ));
    }

    #[test]
    fn dotnet_sample_keeps_bom_and_crlf() {
        assert!(DOTNET.starts_with(BOM) && DOTNET.contains("\r\n"));
        let after = set_auth_server_url(DOTNET, "10.0.1.20").unwrap();
        assert!(after.starts_with(BOM));
        assert_eq!(after.matches('\n').count(), after.matches("\r\n").count());
        assert_eq!(changed(DOTNET, &after).len(), 2);
    }

    #[test]
    fn java_sample_is_edited_too() {
        let after = set_auth_server_url(JAVA, "lb.internal").unwrap();
        assert_eq!(
            read_auth_server_url(&after).as_deref(),
            Some("http://lb.internal/mina_auth/")
        );
    }

    #[test]
    fn idempotent() {
        let once = set_auth_server_url(NODE, "10.0.1.20").unwrap();
        let twice = set_auth_server_url(&once, "10.0.1.20").unwrap();
        assert_eq!(once, twice);
    }

    #[test]
    fn missing_key_is_added_in_style() {
        let before = "{\n    \"serverHost\": \"a.example.com\", // host\n    \"networkTimeout\": 30000 // ms\n}\n";
        let after = set_auth_server_url(before, "10.0.1.20").unwrap();
        assert_eq!(
            after,
            "{\n    \"serverHost\": \"a.example.com\", // host\n    \"networkTimeout\": 30000, // ms\n    \"authServerUrl\": \"http://10.0.1.20/mina_auth/\"\n}\n"
        );
        let crlf = "{\r\n\t\"a\" : 1\r\n}";
        assert_eq!(
            set_auth_server_url(crlf, "v").unwrap(),
            "{\r\n\t\"a\" : 1,\r\n\t\"authServerUrl\" : \"http://v/mina_auth/\"\r\n}"
        );
        assert_eq!(
            set_auth_server_url("{\"a\":1}", "v").unwrap(),
            "{\"a\":1, \"authServerUrl\":\"http://v/mina_auth/\"}"
        );
        let empty = set_auth_server_url("{}", "v").unwrap();
        assert_eq!(
            read_auth_server_url(&empty).as_deref(),
            Some("http://v/mina_auth/")
        );
        let empty_lines = set_auth_server_url("{\n}\n", "v").unwrap();
        assert_eq!(
            empty_lines,
            "{\n    \"authServerUrl\": \"http://v/mina_auth/\"\n}\n"
        );
    }

    #[test]
    fn nested_auth_server_url_is_not_top_level() {
        let block = "{\n  \"a\": 1 /* two\n  lines */\n}";
        assert_eq!(
            set_auth_server_url(block, "v").unwrap(),
            "{\n  \"a\": 1, /* two\n  lines */\n  \"authServerUrl\": \"http://v/mina_auth/\"\n}"
        );
        let before = "{\"inner\": {\"authServerUrl\": \"x\"}}";
        let after = set_auth_server_url(before, "v").unwrap();
        let v = parse_lenient(&after).unwrap();
        assert_eq!(v["inner"]["authServerUrl"], "x");
        assert_eq!(v["authServerUrl"], "http://v/mina_auth/");
    }

    #[test]
    fn errors() {
        assert!(matches!(
            set_auth_server_url("{\n  \"a\": 1,\n  \"b\" 2\n}", "v"),
            Err(SdkConfigError::Malformed { line: 3, .. })
        ));
        assert_eq!(
            set_auth_server_url("[1, 2]", "v"),
            Err(SdkConfigError::NotAnObject)
        );
        assert!(matches!(
            set_auth_server_url("{} /* open", "v"),
            Err(SdkConfigError::Malformed { .. })
        ));
        assert!(matches!(
            set_auth_server_url("", "v"),
            Err(SdkConfigError::Malformed { .. })
        ));
        assert_eq!(
            set_auth_server_url("{}", "a\"b"),
            Err(SdkConfigError::InvalidVip("a\"b".into()))
        );
        for lang in [Lang::En, Lang::Zh] {
            assert!(!SdkConfigError::NotAnObject.message(lang).contains('['));
        }
    }

    #[test]
    fn comment_markers_inside_strings_are_not_comments() {
        let before = "{\"url\": \"http://x/*y*/\", \"authServerUrl\": \"old\" // c\n}";
        let after = set_auth_server_url(before, "v").unwrap();
        assert_eq!(
            after,
            "{\"url\": \"http://x/*y*/\", \"authServerUrl\": \"http://v/mina_auth/\" // c\n}"
        );
    }

    #[test]
    fn diff_shapes() {
        let d = unified_diff("a\nb\nc\n", "a\nB\nc\nd\n");
        let r: Vec<String> = d.iter().map(DiffLine::render).collect();
        assert_eq!(r, vec!["  a", "- b", "+ B", "  c", "+ d"]);
        assert_eq!(d[2].new_line, Some(2));
        assert_eq!(d[1].old_line, Some(2));
        assert!(unified_diff("", "").is_empty());
    }

    /// Random valid configs: every other key is kept, the value set, nothing panics.
    #[test]
    fn property_other_keys_kept() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        for round in 0..500 {
            let text = random_config(&mut rng);
            let before = parse_lenient(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
            let after_text = set_auth_server_url(&text, "10.0.1.20")
                .unwrap_or_else(|e| panic!("round {round}: {e}\n{text}"));
            let mut after = parse_lenient(&after_text).unwrap();
            let mut before = before;
            assert_eq!(
                after.as_object_mut().unwrap().remove(AUTH_SERVER_URL_KEY),
                Some(Value::String("http://10.0.1.20/mina_auth/".into())),
                "{after_text}"
            );
            before.as_object_mut().unwrap().remove(AUTH_SERVER_URL_KEY);
            assert_eq!(before, after, "round {round}\n{text}\n---\n{after_text}");
            // Byte-level: outside the edit, the text is the same (prefix/suffix).
            let common_prefix = text
                .bytes()
                .zip(after_text.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            assert!(common_prefix > 0 || text.is_empty());
            assert_eq!(text.starts_with(BOM), after_text.starts_with(BOM));
        }
    }

    #[test]
    fn property_never_panics_on_arbitrary_input() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::SmallRng::seed_from_u64(11);
        let alphabet = [
            "{",
            "}",
            "[",
            "]",
            "\"",
            ":",
            ",",
            "/",
            "*",
            "\\",
            "\n",
            "\r\n",
            " ",
            "a",
            "1",
            "authServerUrl",
            "\"authServerUrl\"",
            "//",
            "/*",
            "*/",
            "true",
            "null",
            "é",
            "\u{feff}",
        ];
        for _ in 0..5000 {
            let n = rng.gen_range(0..30);
            let s: String = (0..n)
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
                .collect();
            if let Ok(out) = set_auth_server_url(&s, "10.0.0.1") {
                assert_eq!(
                    read_auth_server_url(&out).as_deref(),
                    Some("http://10.0.0.1/mina_auth/"),
                    "{s:?} -> {out:?}"
                );
            }
            let _ = read_auth_server_url(&s);
            let _ = unified_diff(&s, "x");
        }
    }

    fn random_config(rng: &mut impl rand::Rng) -> String {
        let crlf = rng.gen_bool(0.3);
        let nl = if crlf { "\r\n" } else { "\n" };
        let indent = ["  ", "    ", "\t"][rng.gen_range(0..3)];
        let sep = [": ", ":", " : "][rng.gen_range(0..3)];
        let mut keys: Vec<String> = (0..rng.gen_range(0..8))
            .map(|i| {
                [
                    "serverHost",
                    "tunnelServerUrl",
                    "qcloudAppId",
                    "networkTimeout",
                    "k\\\"q",
                    "中文",
                ][i % 6]
                    .to_string()
                    + &i.to_string()
            })
            .collect();
        if rng.gen_bool(0.6) {
            let at = rng.gen_range(0..=keys.len());
            keys.insert(at, AUTH_SERVER_URL_KEY.into());
        }
        let one_line = rng.gen_bool(0.15);
        let mut s = String::new();
        if rng.gen_bool(0.2) {
            s.push_str(BOM);
        }
        if rng.gen_bool(0.3) {
            s.push_str(&format!("// sdk.config{nl}"));
        }
        s.push('{');
        for (i, k) in keys.iter().enumerate() {
            let value = match rng.gen_range(0..6) {
                0 => "\"http://old/mina_auth/\"".to_string(),
                1 => rng.gen_range(0..100000).to_string(),
                2 => "true".into(),
                3 => "{\"a\": [1, {\"b\": \"}\"}], \"c\": null}".into(),
                4 => "\"with // slashes and \\\" quote\"".into(),
                _ => "[]".into(),
            };
            let comma = if i + 1 < keys.len() { "," } else { "" };
            let comment = if rng.gen_bool(0.3) && !one_line {
                " // note, with: \"quotes\""
            } else {
                ""
            };
            if one_line {
                s.push_str(&format!("\"{k}\"{sep}{value}{comma} "));
            } else {
                s.push_str(&format!("{nl}{indent}\"{k}\"{sep}{value}{comma}{comment}"));
            }
        }
        if !one_line {
            s.push_str(nl);
        }
        s.push('}');
        if rng.gen_bool(0.5) {
            s.push_str(nl);
        }
        s
    }
}
