//! The declared-operation header of the scripts tcscale sends through TAT,
//! and what such an operation does to a filesystem.
//!
//! Every remote script starts with one line, a comment in both bash and
//! PowerShell:
//!
//! ```text
//! # tcscale-op: {"op":"cas-write","path":"/etc/qcloud/sdk.config",...}
//! ```
//!
//! The body is the real shell that does it ([`crate::scaleout::scripts`]).
//! The simulator never runs a received script: it parses the header
//! ([`parse_header`]) and applies the declared operation to the instance's
//! virtual files with [`apply`] / [`apply_to_files`], which answer with the
//! same exit code and the same `TCSCALE_*=` key lines as the real script
//! (a test runs both and compares).

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The header line's prefix (followed by the operation as one-line JSON).
pub const HEADER_PREFIX: &str = "# tcscale-op: ";

/// Exit codes of the scripts (and of [`apply`]); distinct per failure so the
/// caller can explain it without parsing prose.
pub mod exit {
    pub const OK: i64 = 0;
    /// The header or arguments are unusable.
    pub const USAGE: i64 = 2;
    /// The file does not exist.
    pub const MISSING: i64 = 10;
    /// Compare-and-swap refused: the file changed since it was read.
    pub const CONFLICT: i64 = 11;
    /// The file is read-only (no write permission bit, or not writable).
    pub const READ_ONLY: i64 = 12;
    /// The written file does not have the expected content.
    pub const VERIFY_FAILED: i64 = 13;
    /// The file was written, but the restart command failed.
    pub const RESTART_FAILED: i64 = 14;
    /// Backup, temporary file or rename failed; the original is untouched.
    pub const WRITE_FAILED: i64 = 15;
    /// The backup's name is taken: an existing backup is never overwritten
    /// (it may be the only copy of an original); nothing was written.
    pub const BACKUP_EXISTS: i64 = 16;
}

/// The runtime of a business server: decides the config path, the shell and
/// the restart command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runtime {
    NodeJs,
    Java,
    DotNet,
}

/// Where the Node.js demo lives in the guide's image.
pub const NODE_APP_DIR: &str = "/data/release/node-weapp-demo";
pub const LINUX_CONFIG_PATH: &str = "/etc/qcloud/sdk.config";
pub const WINDOWS_CONFIG_PATH: &str = r"C:\qcloud\sdk.config";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shell {
    Bash,
    PowerShell,
}

impl Shell {
    /// TAT's `CommandType` for this shell.
    pub fn command_type(self) -> &'static str {
        match self {
            Shell::Bash => "SHELL",
            Shell::PowerShell => "POWERSHELL",
        }
    }

    /// Windows paths (`C:\...`) mean PowerShell.
    pub fn for_path(path: &str) -> Shell {
        let b = path.as_bytes();
        if path.contains('\\') || (b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic()) {
            Shell::PowerShell
        } else {
            Shell::Bash
        }
    }
}

impl Runtime {
    pub const ALL: [Runtime; 3] = [Runtime::NodeJs, Runtime::Java, Runtime::DotNet];

    pub fn default_config_path(self) -> &'static str {
        match self {
            Runtime::NodeJs | Runtime::Java => LINUX_CONFIG_PATH,
            Runtime::DotNet => WINDOWS_CONFIG_PATH,
        }
    }

    pub fn shell(self) -> Shell {
        match self {
            Runtime::NodeJs | Runtime::Java => Shell::Bash,
            Runtime::DotNet => Shell::PowerShell,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Runtime::NodeJs => "Node.js",
            Runtime::Java => "Java",
            Runtime::DotNet => ".NET",
        }
    }

    /// The restart as a user would type it (manual instructions, plan preview).
    pub fn restart_command(self, name: Option<&str>) -> String {
        match self {
            Runtime::NodeJs => {
                let target = name.unwrap_or("process.json");
                format!("cd {NODE_APP_DIR} && (pm2 restart {target} || pm2 start process.json)")
            }
            Runtime::Java => format!("systemctl restart {}", name.unwrap_or("tomcat")),
            Runtime::DotNet => match name {
                Some(site) => format!(
                    "Import-Module WebAdministration; Restart-WebItem 'IIS:\\Sites\\{}'",
                    site.replace('\'', "''")
                ),
                None => "iisreset".to_string(),
            },
        }
    }

    /// Guesses the runtime from the OS name (`DescribeInstances` `OsName`) and
    /// paths known to exist on the server; `None` when nothing says (ask the user).
    pub fn detect(os_name: &str, existing_paths: &[&str]) -> Option<Runtime> {
        if os_name.to_ascii_lowercase().contains("windows") {
            return Some(Runtime::DotNet);
        }
        if existing_paths.iter().any(|p| p.starts_with(NODE_APP_DIR)) {
            return Some(Runtime::NodeJs);
        }
        if existing_paths.iter().any(|p| p.contains("tomcat")) {
            return Some(Runtime::Java);
        }
        None
    }
}

/// The service to restart after a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restart {
    pub runtime: Runtime,
    /// pm2 app name, systemd unit or IIS site; `None` = the runtime's default
    /// (`process.json`, `tomcat`, `iisreset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Restart {
    pub fn command(&self) -> String {
        self.runtime.restart_command(self.name.as_deref())
    }
}

/// An operation a remote script declares in its header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum RemoteOp {
    /// Print the file's sha256 and base64 content.
    ReadFile { path: String },
    /// Replace the file with `content_b64` only if its sha256 is still
    /// `expected_sha256`; back it up to `backup_path` first (`None`:
    /// `<path>.bak.<now>`); write a temporary file in the same directory and
    /// rename it over the original; verify; then restart if asked.
    CasWrite {
        path: String,
        expected_sha256: String,
        content_b64: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        backup_path: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restart: Option<Restart>,
    },
    /// Restart the runtime's service.
    Restart { restart: Restart },
}

impl RemoteOp {
    /// The kebab-case name, as in the header's `op` and `TCSCALE_OP=`.
    pub fn name(&self) -> &'static str {
        match self {
            RemoteOp::ReadFile { .. } => "read-file",
            RemoteOp::CasWrite { .. } => "cas-write",
            RemoteOp::Restart { .. } => "restart",
        }
    }

    /// The header line (without line ending).
    pub fn header(&self) -> String {
        format!(
            "{HEADER_PREFIX}{}",
            serde_json::to_string(self).expect("RemoteOp serializes")
        )
    }

    /// The backup path actually used, given the time label for the default.
    pub fn effective_backup_path(&self, now_label: &str) -> Option<String> {
        match self {
            RemoteOp::CasWrite {
                path, backup_path, ..
            } => Some(
                backup_path
                    .clone()
                    .unwrap_or_else(|| default_backup_path(path, now_label)),
            ),
            _ => None,
        }
    }
}

/// `<path>.bak.<label>`, the guide's backup name (`sdk.config.bak.20260601120000.123456`).
pub fn default_backup_path(path: &str, label: &str) -> String {
    format!("{path}.bak.{label}")
}

/// The time label of backups: `YYYYmmddHHMMSS.ffffff` (UTC), what
/// `date -u +%Y%m%d%H%M%S.%6N` prints. The sub-second part keeps two
/// writes in one second apart; the scripts refuse a name that is taken.
pub fn backup_label(now: chrono::DateTime<chrono::Utc>) -> String {
    now.format("%Y%m%d%H%M%S%.6f").to_string()
}

/// The backup tcscale's engine names for one write: the time label plus
/// the run id, so two runs (or two processes) can never pick the same
/// name: `sdk.config.bak.20260601120000.123456.<run id>`.
pub fn run_backup_path(path: &str, run_id: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let safe = crate::scaleout::journal::safe_run_id(run_id);
    default_backup_path(path, &format!("{}.{safe}", backup_label(now)))
}

/// The sdk.config a backup was made of: the path before its last `.bak.`
/// (`/etc/qcloud/sdk.config.bak.<label>` → `/etc/qcloud/sdk.config`).
pub fn backed_up_path(backup: &str) -> Option<&str> {
    backup.rfind(".bak.").map(|i| &backup[..i])
}

/// The declared operation of `script`, if its first line is a valid header.
pub fn parse_header(script: &str) -> Option<RemoteOp> {
    let script = script.strip_prefix('\u{feff}').unwrap_or(script);
    let first = script.lines().next()?.trim_end_matches('\r');
    let json = first.strip_prefix(HEADER_PREFIX)?;
    serde_json::from_str(json.trim()).ok()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

pub fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// A server's files as the simulator keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualFs {
    /// Path → content.
    pub files: BTreeMap<String, String>,
    /// Paths that refuse writes (a file without write permission).
    #[serde(default)]
    pub readonly: BTreeSet<String>,
    /// Every restart performed, as its command line.
    #[serde(default)]
    pub restarts: Vec<String>,
    /// Fault injection: restart commands fail.
    #[serde(default)]
    pub fail_restart: bool,
}

/// What a script run returns: its exit code and its output (stdout+stderr).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpOutcome {
    pub exit_code: i64,
    pub output: String,
}

/// Applies `op` to `fs` as the real script would; `now_label` names the
/// backup when the op does not (see [`backup_label`]).
pub fn apply(op: &RemoteOp, fs: &mut VirtualFs, now_label: &str) -> OpOutcome {
    let mut restarted = None;
    let outcome = run(op, &mut fs.files, &fs.readonly, now_label, &mut |r| {
        restarted = Some(r.command());
        !fs.fail_restart
    });
    if let Some(cmd) = restarted {
        fs.restarts.push(cmd);
    }
    outcome
}

/// [`apply`] on a bare path → content map (restarts always succeed).
pub fn apply_to_files(
    op: &RemoteOp,
    files: &mut BTreeMap<String, String>,
    readonly: &BTreeSet<String>,
    now_label: &str,
) -> OpOutcome {
    run(op, files, readonly, now_label, &mut |_| true)
}

fn run(
    op: &RemoteOp,
    files: &mut BTreeMap<String, String>,
    readonly: &BTreeSet<String>,
    now_label: &str,
    restart: &mut dyn FnMut(&Restart) -> bool,
) -> OpOutcome {
    let mut out = Output::new(op);
    match op {
        RemoteOp::ReadFile { path } => {
            out.kv("TCSCALE_PATH", path);
            let Some(content) = files.get(path) else {
                out.say(&format!("tcscale: {path} does not exist"));
                return out.finish("missing", exit::MISSING);
            };
            out.kv("TCSCALE_SHA256", &sha256_hex(content.as_bytes()));
            out.kv("TCSCALE_SIZE", &content.len().to_string());
            out.kv("TCSCALE_CONTENT_B64", &b64(content.as_bytes()));
            out.finish("ok", exit::OK)
        }
        RemoteOp::CasWrite {
            path,
            expected_sha256,
            content_b64,
            restart: restart_spec,
            ..
        } => {
            if let Some(r) = restart_spec {
                if r.runtime.shell() != Shell::for_path(path) {
                    out.say(&format!(
                        "tcscale: a {} service cannot be restarted from this shell",
                        r.runtime.label()
                    ));
                    return out.finish("usage", exit::USAGE);
                }
            }
            out.kv("TCSCALE_PATH", path);
            let Some(current) = files.get(path) else {
                out.say(&format!("tcscale: {path} does not exist"));
                return out.finish("missing", exit::MISSING);
            };
            let actual = sha256_hex(current.as_bytes());
            if !actual.eq_ignore_ascii_case(expected_sha256) {
                out.kv("TCSCALE_SHA256", &actual);
                out.say(&format!(
                    "tcscale: {path} changed since it was read (sha256 {actual}, expected {expected_sha256}); not written"
                ));
                return out.finish("conflict", exit::CONFLICT);
            }
            if readonly.contains(path) {
                out.say(&format!("tcscale: {path} is read-only; not written"));
                return out.finish("read-only", exit::READ_ONLY);
            }
            let new = match base64::engine::general_purpose::STANDARD
                .decode(content_b64.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
            {
                Some(s) => s,
                None => {
                    out.say("tcscale: content_b64 is not base64 of UTF-8 text");
                    return out.finish("usage", exit::USAGE);
                }
            };
            let backup = op
                .effective_backup_path(now_label)
                .expect("cas-write has a backup path");
            if files.contains_key(&backup) {
                out.say(&format!(
                    "tcscale: the backup {backup} exists already; {path} is unchanged"
                ));
                return out.finish("backup-exists", exit::BACKUP_EXISTS);
            }
            let current = current.clone();
            files.insert(backup.clone(), current);
            let sha = sha256_hex(new.as_bytes());
            files.insert(path.clone(), new);
            out.kv("TCSCALE_BACKUP", &backup);
            out.kv("TCSCALE_SHA256", &sha);
            out.kv("TCSCALE_STATUS", "written");
            match restart_spec {
                Some(r) => restart_result(&mut out, r, restart),
                None => out.code(exit::OK),
            }
        }
        RemoteOp::Restart { restart: r } => restart_result(&mut out, r, restart),
    }
}

fn restart_result(
    out: &mut Output,
    r: &Restart,
    restart: &mut dyn FnMut(&Restart) -> bool,
) -> OpOutcome {
    out.say(&format!("tcscale: {}", r.command()));
    if restart(r) {
        out.kv("TCSCALE_RESTART", "ok");
        out.code(exit::OK)
    } else {
        out.kv("TCSCALE_RESTART", "failed");
        out.code(exit::RESTART_FAILED)
    }
}

struct Output {
    text: String,
}

impl Output {
    fn new(op: &RemoteOp) -> Output {
        let mut o = Output {
            text: String::new(),
        };
        o.kv("TCSCALE_OP", op.name());
        o
    }
    fn kv(&mut self, k: &str, v: &str) {
        self.text.push_str(&format!("{k}={v}\n"));
    }
    fn say(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }
    fn finish(&mut self, status: &str, code: i64) -> OpOutcome {
        self.kv("TCSCALE_STATUS", status);
        self.code(code)
    }
    fn code(&mut self, code: i64) -> OpOutcome {
        OpOutcome {
            exit_code: code,
            output: std::mem::take(&mut self.text),
        }
    }
}

/// The `TCSCALE_*=value` lines of a script's output, in order (the part of
/// the output that the simulator and the real script must agree on).
pub fn key_lines(output: &str) -> Vec<(String, String)> {
    output
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| {
            k.starts_with("TCSCALE_")
                && k.bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit())
        })
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn key<'a>(lines: &'a [(String, String)], k: &str) -> Option<&'a str> {
    // The last occurrence wins (a write reports the new sha256 after the old).
    lines
        .iter()
        .rev()
        .find(|(name, _)| name == k)
        .map(|(_, v)| v.as_str())
}

/// A file as read through a `read-file` script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadResult {
    pub sha256: String,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    #[error("the file does not exist")]
    Missing,
    #[error("the file changed since it was read (sha256 now {actual})")]
    Conflict { actual: String },
    #[error("the file is read-only")]
    ReadOnly,
    #[error("the written file does not verify")]
    VerifyFailed,
    #[error("the file was written, but the restart failed")]
    RestartFailed,
    #[error(
        "the backup's name is taken (an existing backup is never overwritten); nothing was written"
    )]
    BackupExists,
    #[error("the script failed (exit code {exit_code}): {detail}")]
    Failed { exit_code: i64, detail: String },
    #[error("the script's output is not what tcscale expects: {0}")]
    Garbled(String),
}

impl RemoteError {
    /// From a failing exit code and the output's last non-key line.
    pub fn from_exit(exit_code: i64, output: &str) -> RemoteError {
        let lines = key_lines(output);
        match exit_code {
            exit::MISSING => RemoteError::Missing,
            exit::CONFLICT => RemoteError::Conflict {
                actual: key(&lines, "TCSCALE_SHA256").unwrap_or("?").to_string(),
            },
            exit::READ_ONLY => RemoteError::ReadOnly,
            exit::VERIFY_FAILED => RemoteError::VerifyFailed,
            exit::RESTART_FAILED => RemoteError::RestartFailed,
            exit::BACKUP_EXISTS => RemoteError::BackupExists,
            _ => RemoteError::Failed {
                exit_code,
                detail: output
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty() && !l.starts_with("TCSCALE_"))
                    .unwrap_or("")
                    .trim()
                    .to_string(),
            },
        }
    }
}

/// Parses the output of a `read-file` script (or of [`apply`]); the content
/// is checked against the printed sha256.
pub fn parse_read_output(exit_code: i64, output: &str) -> Result<ReadResult, RemoteError> {
    if exit_code != exit::OK {
        return Err(RemoteError::from_exit(exit_code, output));
    }
    let lines = key_lines(output);
    let garbled = |m: &str| RemoteError::Garbled(m.to_string());
    if key(&lines, "TCSCALE_STATUS") != Some("ok") {
        return Err(garbled("no TCSCALE_STATUS=ok"));
    }
    let sha = key(&lines, "TCSCALE_SHA256").ok_or_else(|| garbled("no TCSCALE_SHA256"))?;
    let b64 =
        key(&lines, "TCSCALE_CONTENT_B64").ok_or_else(|| garbled("no TCSCALE_CONTENT_B64"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| garbled(&format!("content is not base64: {e}")))?;
    if !sha256_hex(&bytes).eq_ignore_ascii_case(sha) {
        return Err(garbled("content does not match its sha256"));
    }
    let content = String::from_utf8(bytes).map_err(|_| garbled("content is not UTF-8 text"))?;
    Ok(ReadResult {
        sha256: sha.to_ascii_lowercase(),
        content,
    })
}

/// The result of a successful `cas-write`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteResult {
    pub backup_path: String,
    pub sha256: String,
    /// `Some(true)` restarted, `None` no restart asked.
    pub restarted: Option<bool>,
}

/// Parses the output of a `cas-write` script (or of [`apply`]).
pub fn parse_write_output(exit_code: i64, output: &str) -> Result<WriteResult, RemoteError> {
    if exit_code != exit::OK {
        return Err(RemoteError::from_exit(exit_code, output));
    }
    let lines = key_lines(output);
    let garbled = |m: &str| RemoteError::Garbled(m.to_string());
    if key(&lines, "TCSCALE_STATUS") != Some("written") {
        return Err(garbled("no TCSCALE_STATUS=written"));
    }
    Ok(WriteResult {
        backup_path: key(&lines, "TCSCALE_BACKUP")
            .ok_or_else(|| garbled("no TCSCALE_BACKUP"))?
            .to_string(),
        sha256: key(&lines, "TCSCALE_SHA256")
            .ok_or_else(|| garbled("no TCSCALE_SHA256"))?
            .to_string(),
        restarted: key(&lines, "TCSCALE_RESTART").map(|v| v == "ok"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "{\"authServerUrl\": \"http://10.0.1.9/mina_auth/\"}\n";

    fn fs() -> VirtualFs {
        let mut fs = VirtualFs::default();
        fs.files.insert(LINUX_CONFIG_PATH.into(), CONFIG.into());
        fs
    }

    fn write_op(expected: &str, restart: Option<Restart>) -> RemoteOp {
        RemoteOp::CasWrite {
            path: LINUX_CONFIG_PATH.into(),
            expected_sha256: expected.into(),
            content_b64: b64(b"{}\n"),
            backup_path: Some("/etc/qcloud/sdk.config.bak.20260601120000".into()),
            restart,
        }
    }

    #[test]
    fn header_round_trip() {
        let op = write_op(
            "abc",
            Some(Restart {
                runtime: Runtime::NodeJs,
                name: None,
            }),
        );
        let h = op.header();
        assert!(h.starts_with("# tcscale-op: {\"op\":\"cas-write\""), "{h}");
        assert!(!h.contains('\n'));
        let script = format!("{h}\r\necho body\n");
        assert_eq!(parse_header(&script), Some(op));
        assert_eq!(parse_header("echo hi\n"), None);
        assert_eq!(parse_header("# tcscale-op: {\"op\":\"format-disk\"}"), None);
        assert_eq!(
            parse_header("# tcscale-op: {\"op\":\"read-file\",\"path\":\"/x\"}"),
            Some(RemoteOp::ReadFile { path: "/x".into() })
        );
    }

    #[test]
    fn read_then_write_then_read() {
        let mut fs = fs();
        let read = apply(
            &RemoteOp::ReadFile {
                path: LINUX_CONFIG_PATH.into(),
            },
            &mut fs,
            "x",
        );
        let r = parse_read_output(read.exit_code, &read.output).unwrap();
        assert_eq!(r.content, CONFIG);
        let w = apply(
            &write_op(
                &r.sha256,
                Some(Restart {
                    runtime: Runtime::Java,
                    name: None,
                }),
            ),
            &mut fs,
            "x",
        );
        assert_eq!(w.exit_code, exit::OK, "{}", w.output);
        let res = parse_write_output(w.exit_code, &w.output).unwrap();
        assert_eq!(res.restarted, Some(true));
        assert_eq!(fs.files[LINUX_CONFIG_PATH], "{}\n");
        assert_eq!(fs.files[&res.backup_path], CONFIG);
        assert_eq!(fs.restarts, vec!["systemctl restart tomcat"]);
    }

    #[test]
    fn failures_leave_the_file_untouched() {
        let mut fs = fs();
        let o = apply(&write_op("0000", None), &mut fs, "x");
        assert_eq!(o.exit_code, exit::CONFLICT);
        assert!(matches!(
            parse_write_output(o.exit_code, &o.output),
            Err(RemoteError::Conflict { actual }) if actual == sha256_hex(CONFIG.as_bytes())
        ));
        assert_eq!(fs.files.len(), 1);

        let sha = sha256_hex(CONFIG.as_bytes());
        fs.readonly.insert(LINUX_CONFIG_PATH.into());
        let o = apply(&write_op(&sha, None), &mut fs, "x");
        assert_eq!(o.exit_code, exit::READ_ONLY);
        assert_eq!(fs.files[LINUX_CONFIG_PATH], CONFIG);
        assert_eq!(fs.files.len(), 1);

        let mut empty = VirtualFs::default();
        let o = apply(&write_op(&sha, None), &mut empty, "x");
        assert_eq!(o.exit_code, exit::MISSING);
        assert!(empty.files.is_empty());
        assert_eq!(
            parse_read_output(o.exit_code, &o.output),
            Err(RemoteError::Missing)
        );
    }

    #[test]
    fn default_backup_name_uses_the_label() {
        let mut files = BTreeMap::from([(LINUX_CONFIG_PATH.to_string(), CONFIG.to_string())]);
        let op = RemoteOp::CasWrite {
            path: LINUX_CONFIG_PATH.into(),
            expected_sha256: sha256_hex(CONFIG.as_bytes()),
            content_b64: b64(b"{}"),
            backup_path: None,
            restart: None,
        };
        let o = apply_to_files(&op, &mut files, &BTreeSet::new(), "20260601120000");
        assert_eq!(o.exit_code, 0);
        assert!(files.contains_key("/etc/qcloud/sdk.config.bak.20260601120000"));
    }

    #[test]
    fn failed_restart_is_reported_after_the_write() {
        let mut fs = fs();
        fs.fail_restart = true;
        let sha = sha256_hex(CONFIG.as_bytes());
        let o = apply(
            &write_op(
                &sha,
                Some(Restart {
                    runtime: Runtime::NodeJs,
                    name: Some("weapp".into()),
                }),
            ),
            &mut fs,
            "x",
        );
        assert_eq!(o.exit_code, exit::RESTART_FAILED);
        assert_eq!(
            parse_write_output(o.exit_code, &o.output),
            Err(RemoteError::RestartFailed)
        );
        assert_eq!(fs.files[LINUX_CONFIG_PATH], "{}\n");
    }

    #[test]
    fn garbled_read_output_is_an_error_not_a_panic() {
        for out in [
            "",
            "TCSCALE_STATUS=ok\n",
            "TCSCALE_STATUS=ok\nTCSCALE_SHA256=00\nTCSCALE_CONTENT_B64=!!!\n",
            "TCSCALE_STATUS=ok\nTCSCALE_SHA256=00\nTCSCALE_CONTENT_B64=e30=\n",
        ] {
            assert!(matches!(
                parse_read_output(0, out),
                Err(RemoteError::Garbled(_))
            ));
        }
        assert!(matches!(
            parse_read_output(127, "bash: sha256sum: command not found\n"),
            Err(RemoteError::Failed { exit_code: 127, detail }) if detail.contains("sha256sum")
        ));
    }

    #[test]
    fn runtimes() {
        assert_eq!(
            Runtime::detect("Windows Server 2019", &[]),
            Some(Runtime::DotNet)
        );
        assert_eq!(
            Runtime::detect("CentOS 7.9", &["/data/release/node-weapp-demo/app.js"]),
            Some(Runtime::NodeJs)
        );
        assert_eq!(
            Runtime::detect("CentOS 7.9", &["/usr/share/tomcat/conf/server.xml"]),
            Some(Runtime::Java)
        );
        assert_eq!(Runtime::detect("CentOS 7.9", &[]), None);
        assert_eq!(
            Runtime::NodeJs.restart_command(None),
            "cd /data/release/node-weapp-demo && (pm2 restart process.json || pm2 start process.json)"
        );
        assert_eq!(
            Runtime::DotNet.restart_command(Some("weapp")),
            "Import-Module WebAdministration; Restart-WebItem 'IIS:\\Sites\\weapp'"
        );
        assert_eq!(Shell::for_path(WINDOWS_CONFIG_PATH), Shell::PowerShell);
        assert_eq!(Shell::for_path(LINUX_CONFIG_PATH), Shell::Bash);
        for r in Runtime::ALL {
            assert_eq!(Shell::for_path(r.default_config_path()), r.shell());
        }
    }

    #[test]
    fn the_simulated_write_refuses_a_taken_backup_name() {
        let mut fs = VirtualFs::default();
        fs.files
            .insert("/etc/qcloud/sdk.config".into(), "{}".into());
        fs.files
            .insert("/etc/qcloud/sdk.config.bak.1".into(), "original".into());
        let op = RemoteOp::CasWrite {
            path: "/etc/qcloud/sdk.config".into(),
            expected_sha256: sha256_hex(b"{}"),
            content_b64: b64(b"{\"a\":1}"),
            backup_path: Some("/etc/qcloud/sdk.config.bak.1".into()),
            restart: None,
        };
        let out = apply(&op, &mut fs, "x");
        assert_eq!(out.exit_code, exit::BACKUP_EXISTS);
        assert_eq!(fs.files["/etc/qcloud/sdk.config.bak.1"], "original");
        assert_eq!(fs.files["/etc/qcloud/sdk.config"], "{}");
        assert_eq!(
            parse_write_output(out.exit_code, &out.output),
            Err(RemoteError::BackupExists)
        );
    }
}
