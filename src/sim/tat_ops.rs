//! What a server does when it runs one of tcscale's declared-operation
//! scripts: the simulated TAT's own interpreter (it shares no code with
//! tcscale, so the two are independent implementations that tests compare).
//!
//! # The header
//!
//! The first line of such a script is a comment in both bash and
//! PowerShell, the operation as one line of JSON (a UTF-8 BOM before it and
//! a `\r` after it are tolerated):
//!
//! ```text
//! # tcscale-op: {"op":"cas-write","path":"/etc/qcloud/sdk.config","expected_sha256":"…","content_b64":"…","backup_path":"…","restart":{"runtime":"node-js"}}
//! ```
//!
//! - `{"op":"read-file","path":P}`
//! - `{"op":"cas-write","path":P,"expected_sha256":H,"content_b64":C,
//!   "backup_path":B?,"restart":R?}`
//! - `{"op":"restart","restart":R}`
//!
//! where `R` is `{"runtime":"node-js"|"java"|"dot-net","name":N?}` and a
//! field marked `?` may be absent or `null`. Unknown fields are ignored; a
//! header that is not one of these is no header ([`parse_header`] →
//! `None`: the script is a plain one).
//!
//! # What the script does (the spec: the bash and PowerShell bodies)
//!
//! Every run prints `TCSCALE_OP=<op>` first. The shell is PowerShell for a
//! Windows path (`C:\…`, or any `\`) or a .NET restart, bash otherwise.
//!
//! - `read-file`: `TCSCALE_PATH=P`; no such file → `TCSCALE_STATUS=missing`,
//!   exit 10; else `TCSCALE_SHA256`, `TCSCALE_SIZE` (bytes),
//!   `TCSCALE_CONTENT_B64`, `TCSCALE_STATUS=ok`, exit 0.
//! - `cas-write`: a restart for the other shell's runtime →
//!   `TCSCALE_STATUS=usage`, exit 2, before anything else. Then
//!   `TCSCALE_PATH=P`, and in this order: missing (10); sha256 of the file
//!   ≠ `H` (lowercased) → `TCSCALE_SHA256=<actual>`, `conflict` (11);
//!   read-only (12); the backup name is taken (a file, or a directory with
//!   files under it) → `backup-exists` (16). Otherwise the file is copied
//!   to the backup (`B`, or `P.bak.<label>`, see [`backup_label`]), the new
//!   content replaces the file, and the run prints `TCSCALE_BACKUP=B`,
//!   `TCSCALE_SHA256=<new>`, `TCSCALE_STATUS=written`. Content that does
//!   not decode fails after the backup was made (`failed`, 15; the file is
//!   unchanged, the backup stays, as with the real `base64 -d`). With a
//!   Node.js restart the written file must load with `JSON.parse` (node is
//!   there: pm2 runs on it); if it does not, the backup is copied back,
//!   `verify-failed` (13), nothing restarted. Then the restart, as below.
//! - `restart`: `tcscale: <command>`, then `TCSCALE_RESTART=ok` (exit 0) or
//!   `TCSCALE_RESTART=failed` (exit 14).
//!
//! The real script's other failures (a backup or temporary file that cannot
//! be written, a file changed between the check and the rename) cannot
//! happen to a map changed under one lock, so the simulator never reports
//! them. Its files are text: content that is valid base64 of bytes that are
//! not UTF-8 cannot be held, and fails like undecodable content.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The header line's prefix; the operation's JSON follows it.
pub const HEADER_PREFIX: &str = "# tcscale-op: ";

/// The scripts' exit codes.
pub mod exit {
    pub const OK: i64 = 0;
    pub const USAGE: i64 = 2;
    pub const MISSING: i64 = 10;
    pub const CONFLICT: i64 = 11;
    pub const READ_ONLY: i64 = 12;
    pub const VERIFY_FAILED: i64 = 13;
    pub const RESTART_FAILED: i64 = 14;
    pub const WRITE_FAILED: i64 = 15;
    pub const BACKUP_EXISTS: i64 = 16;
}

/// Where the guide's Node.js demo (and its pm2 `process.json`) lives.
pub const NODE_APP_DIR: &str = "/data/release/node-weapp-demo";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    Bash,
    PowerShell,
}

impl Shell {
    /// The shell a script about `path` is written for: PowerShell for a
    /// Windows path (a backslash, or a drive letter and a colon).
    pub fn for_path(path: &str) -> Shell {
        let mut chars = path.chars();
        let drive = matches!(
            (chars.next(), chars.next()),
            (Some(d), Some(':')) if d.is_ascii_alphabetic()
        );
        if drive || path.contains('\\') {
            Shell::PowerShell
        } else {
            Shell::Bash
        }
    }

    /// As the usage message names it.
    fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::PowerShell => "PowerShell",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    NodeJs,
    Java,
    DotNet,
}

impl Runtime {
    fn from_wire(s: &str) -> Option<Runtime> {
        Some(match s {
            "node-js" => Runtime::NodeJs,
            "java" => Runtime::Java,
            "dot-net" => Runtime::DotNet,
            _ => return None,
        })
    }

    fn label(self) -> &'static str {
        match self {
            Runtime::NodeJs => "Node.js",
            Runtime::Java => "Java",
            Runtime::DotNet => ".NET",
        }
    }

    /// pm2 and systemd live on Linux, IIS on Windows.
    fn shell(self) -> Shell {
        if self == Runtime::DotNet {
            Shell::PowerShell
        } else {
            Shell::Bash
        }
    }
}

/// A service restart: the runtime and the pm2 app, systemd unit or IIS
/// site (`None`: `process.json`, `tomcat`, all of IIS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restart {
    pub runtime: Runtime,
    pub name: Option<String>,
}

impl Restart {
    /// The command line the script shows (and the simulator records).
    pub fn command_line(&self) -> String {
        let name = self.name.as_deref();
        match self.runtime {
            Runtime::NodeJs => format!(
                "cd {NODE_APP_DIR} && (pm2 restart {} || pm2 start process.json)",
                name.unwrap_or("process.json")
            ),
            Runtime::Java => format!("systemctl restart {}", name.unwrap_or("tomcat")),
            Runtime::DotNet => {
                match name {
                    None => "iisreset".to_string(),
                    Some(site) => {
                        let quoted = site.split('\'').collect::<Vec<_>>().join("''");
                        format!("Import-Module WebAdministration; Restart-WebItem 'IIS:\\Sites\\{quoted}'")
                    }
                }
            }
        }
    }
}

/// A declared operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    ReadFile {
        path: String,
    },
    CasWrite {
        path: String,
        expected_sha256: String,
        content_b64: String,
        backup_path: Option<String>,
        restart: Option<Restart>,
    },
    Restart(Restart),
}

impl Op {
    /// As in the header's `op` and the `TCSCALE_OP=` line.
    pub fn name(&self) -> &'static str {
        match self {
            Op::ReadFile { .. } => "read-file",
            Op::CasWrite { .. } => "cas-write",
            Op::Restart(_) => "restart",
        }
    }

    /// The shell the script is written for.
    pub fn shell(&self) -> Shell {
        match self {
            Op::ReadFile { path } | Op::CasWrite { path, .. } => Shell::for_path(path),
            Op::Restart(r) => r.runtime.shell(),
        }
    }
}

/// The operation `script` declares on its first line, if it does.
pub fn parse_header(script: &str) -> Option<Op> {
    let script = script.trim_start_matches('\u{feff}');
    let line = script.split('\n').next()?;
    let line = line.strip_suffix('\r').unwrap_or(line);
    let json = line.strip_prefix(HEADER_PREFIX)?;
    let value: Value = serde_json::from_str(json.trim()).ok()?;
    op_from_json(value.as_object()?)
}

/// A required string field.
fn string(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key)?.as_str().map(str::to_string)
}

/// An optional field's value: `None` when it is absent or `null`.
fn optional<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

fn restart_from_json(v: &Value) -> Option<Restart> {
    let obj = v.as_object()?;
    let runtime = Runtime::from_wire(obj.get("runtime")?.as_str()?)?;
    let name = match optional(obj, "name") {
        None => None,
        Some(v) => Some(v.as_str()?.to_string()),
    };
    Some(Restart { runtime, name })
}

fn op_from_json(obj: &Map<String, Value>) -> Option<Op> {
    match obj.get("op")?.as_str()? {
        "read-file" => Some(Op::ReadFile {
            path: string(obj, "path")?,
        }),
        "cas-write" => {
            let backup_path = match optional(obj, "backup_path") {
                None => None,
                Some(v) => Some(v.as_str()?.to_string()),
            };
            let restart = match optional(obj, "restart") {
                None => None,
                Some(v) => Some(restart_from_json(v)?),
            };
            Some(Op::CasWrite {
                path: string(obj, "path")?,
                expected_sha256: string(obj, "expected_sha256")?,
                content_b64: string(obj, "content_b64")?,
                backup_path,
                restart,
            })
        }
        "restart" => Some(Op::Restart(restart_from_json(obj.get("restart")?)?)),
        _ => None,
    }
}

/// The time label of a default backup name: what `date -u
/// +%Y%m%d%H%M%S.%6N` prints (`20260601120000.123456`).
pub fn backup_label(now: DateTime<Utc>) -> String {
    let micros = now.timestamp_subsec_micros().min(999_999);
    format!("{}.{micros:06}", now.format("%Y%m%d%H%M%S"))
}

/// The backup a `cas-write` without `backup_path` makes at `now`.
pub fn default_backup_path(path: &str, now: DateTime<Utc>) -> String {
    format!("{path}.bak.{}", backup_label(now))
}

fn sha256(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    hex::encode(digest)
}

/// The server a script runs on, as the simulator keeps it.
#[derive(Debug)]
pub struct Server<'a> {
    /// Path → content; changed in place.
    pub files: &'a mut BTreeMap<String, String>,
    /// Paths without write permission.
    pub read_only: &'a BTreeSet<String>,
    /// The service's restart command fails.
    pub restart_fails: bool,
}

/// A finished run: exit code, output (stdout and stderr), and the restart
/// commands it ran (successful or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub exit_code: i64,
    pub output: String,
    pub restarts: Vec<String>,
}

/// Runs `script` if it declares its operation (`None`: a plain script).
/// `now` is the time on the server (it names a default backup).
pub fn run_script(script: &str, server: &mut Server<'_>, now: DateTime<Utc>) -> Option<Outcome> {
    parse_header(script).map(|op| apply(&op, server, now))
}

/// What the real script of `op` does on `server` at `now`.
pub fn apply(op: &Op, server: &mut Server<'_>, now: DateTime<Utc>) -> Outcome {
    let mut run = Run {
        output: String::new(),
        restarts: Vec::new(),
    };
    run.key("TCSCALE_OP", op.name());
    let shell = op.shell();
    let exit_code = match op {
        Op::ReadFile { path } => read_file(&mut run, server, path),
        Op::CasWrite {
            path,
            expected_sha256,
            content_b64,
            backup_path,
            restart,
        } => {
            let backup = backup_path
                .clone()
                .unwrap_or_else(|| default_backup_path(path, now));
            let write = Write {
                path,
                expected: expected_sha256.to_ascii_lowercase(),
                content_b64,
                backup,
                restart: restart.as_ref(),
            };
            cas_write(&mut run, server, shell, &write)
        }
        Op::Restart(r) => restart(&mut run, server, shell, r),
    };
    Outcome {
        exit_code,
        output: run.output,
        restarts: run.restarts,
    }
}

/// The output so far and the restarts run.
struct Run {
    output: String,
    restarts: Vec<String>,
}

impl Run {
    fn say(&mut self, line: &str) {
        self.output.push_str(line);
        self.output.push('\n');
    }

    fn key(&mut self, key: &str, value: &str) {
        self.say(&format!("{key}={value}"));
    }

    /// A final status line and the exit code that goes with it.
    fn status(&mut self, status: &str, code: i64) -> i64 {
        self.key("TCSCALE_STATUS", status);
        code
    }
}

fn read_file(run: &mut Run, server: &Server<'_>, path: &str) -> i64 {
    run.key("TCSCALE_PATH", path);
    let Some(content) = server.files.get(path) else {
        run.say(&format!("tcscale: {path} does not exist"));
        return run.status("missing", exit::MISSING);
    };
    let bytes = content.as_bytes();
    run.key("TCSCALE_SHA256", &sha256(bytes));
    run.key("TCSCALE_SIZE", &bytes.len().to_string());
    run.key(
        "TCSCALE_CONTENT_B64",
        &base64::engine::general_purpose::STANDARD.encode(bytes),
    );
    run.status("ok", exit::OK)
}

struct Write<'a> {
    path: &'a str,
    /// Lowercased, as the script compares it.
    expected: String,
    content_b64: &'a str,
    backup: String,
    restart: Option<&'a Restart>,
}

/// Whether anything is at `path`: a file, or a directory (files under it).
fn taken(files: &BTreeMap<String, String>, path: &str, shell: Shell) -> bool {
    if files.contains_key(path) {
        return true;
    }
    let separators: &[char] = match shell {
        Shell::Bash => &['/'],
        Shell::PowerShell => &['\\', '/'],
    };
    files.keys().any(|k| {
        k.strip_prefix(path)
            .is_some_and(|rest| rest.starts_with(separators))
    })
}

fn usage_mismatch(run: &mut Run, r: &Restart, shell: Shell) -> i64 {
    run.say(&format!(
        "tcscale: a {} service cannot be restarted from {}",
        r.runtime.label(),
        shell.name()
    ));
    run.status("usage", exit::USAGE)
}

fn cas_write(run: &mut Run, server: &mut Server<'_>, shell: Shell, w: &Write<'_>) -> i64 {
    if let Some(r) = w.restart {
        if r.runtime.shell() != shell {
            return usage_mismatch(run, r, shell);
        }
    }
    let path = w.path;
    run.key("TCSCALE_PATH", path);
    let Some(original) = server.files.get(path).cloned() else {
        run.say(&format!("tcscale: {path} does not exist"));
        return run.status("missing", exit::MISSING);
    };
    let actual = sha256(original.as_bytes());
    if actual != w.expected {
        run.key("TCSCALE_SHA256", &actual);
        run.say(&format!(
            "tcscale: {path} changed since it was read (sha256 {actual}, expected {}); not written",
            w.expected
        ));
        return run.status("conflict", exit::CONFLICT);
    }
    if server.read_only.contains(path) {
        run.say(&format!("tcscale: {path} is read-only; not written"));
        return run.status("read-only", exit::READ_ONLY);
    }
    if taken(server.files, &w.backup, shell) {
        run.say(&format!(
            "tcscale: the backup {} exists already; {path} is unchanged",
            w.backup
        ));
        return run.status("backup-exists", exit::BACKUP_EXISTS);
    }
    // The backup is made before the new content is decoded.
    server.files.insert(w.backup.clone(), original.clone());
    let decoded = base64::engine::general_purpose::STANDARD.decode(w.content_b64.trim());
    let new = match decoded.map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            run.say(&format!(
                "tcscale sandbox: the new content is not UTF-8 text, which the simulated files cannot hold; {path} is unchanged"
            ));
            return run.status("failed", exit::WRITE_FAILED);
        }
        Err(_) => {
            let why = match shell {
                Shell::Bash => "cannot write the temporary file",
                Shell::PowerShell => "The input is not a valid Base-64 string",
            };
            run.say(&format!("tcscale: {why}; {path} is unchanged"));
            return run.status("failed", exit::WRITE_FAILED);
        }
    };
    let written = sha256(new.as_bytes());
    server.files.insert(path.to_string(), new.clone());
    run.key("TCSCALE_BACKUP", &w.backup);
    run.key("TCSCALE_SHA256", &written);
    run.status("written", exit::OK);
    let Some(r) = w.restart else {
        return exit::OK;
    };
    if r.runtime == Runtime::NodeJs && serde_json::from_str::<Value>(&new).is_err() {
        server.files.insert(path.to_string(), original);
        run.say(&format!(
            "tcscale: {path} does not load with Node.js JSON.parse; the old file is back, nothing restarted"
        ));
        return run.status("verify-failed", exit::VERIFY_FAILED);
    }
    restart(run, server, shell, r)
}

fn restart(run: &mut Run, server: &Server<'_>, shell: Shell, r: &Restart) -> i64 {
    if r.runtime.shell() != shell {
        return usage_mismatch(run, r, shell);
    }
    let command = r.command_line();
    run.say(&format!("tcscale: {command}"));
    run.restarts.push(command);
    if server.restart_fails {
        if shell == Shell::PowerShell {
            run.say("tcscale: the restart failed (simulated)");
        } else {
            run.say("tcscale sandbox: the restart command failed (simulated)");
        }
        run.key("TCSCALE_RESTART", "failed");
        return exit::RESTART_FAILED;
    }
    run.key("TCSCALE_RESTART", "ok");
    exit::OK
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/etc/qcloud/sdk.config";
    const WIN_PATH: &str = r"C:\qcloud\sdk.config";
    const CONFIG: &str = "{\"authServerUrl\": \"http://10.0.1.9/mina_auth/\"}\n";
    const NEW: &str = "{\"authServerUrl\": \"http://10.0.1.20/mina_auth/\"}\n";

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T12:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn files(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
        entries
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect()
    }

    /// Runs `header` (a script whose body this interpreter never reads)
    /// on `files`; returns the outcome.
    fn run_on(
        header: &str,
        files: &mut BTreeMap<String, String>,
        read_only: &[&str],
        restart_fails: bool,
    ) -> Outcome {
        let read_only: BTreeSet<String> = read_only.iter().map(|s| s.to_string()).collect();
        let mut server = Server {
            files,
            read_only: &read_only,
            restart_fails,
        };
        let script = format!("{HEADER_PREFIX}{header}\nset -u\nexit 0\n");
        run_script(&script, &mut server, now()).expect("a declared operation")
    }

    fn write_header(path: &str, expected: &str, content: &str, extra: &str) -> String {
        format!(
            r#"{{"op":"cas-write","path":{},"expected_sha256":"{expected}","content_b64":"{}"{extra}}}"#,
            Value::String(path.into()),
            b64(content)
        )
    }

    fn keys(output: &str) -> Vec<&str> {
        output
            .lines()
            .filter(|l| l.starts_with("TCSCALE_"))
            .collect()
    }

    #[test]
    fn the_header_is_parsed_from_the_first_line_only() {
        let read = Op::ReadFile { path: "/x".into() };
        let header = r#"# tcscale-op: {"op":"read-file","path":"/x"}"#;
        assert_eq!(parse_header(header), Some(read.clone()));
        assert_eq!(
            parse_header(&format!("\u{feff}{header}\r\necho hi\n")),
            Some(read.clone())
        );
        assert_eq!(
            parse_header(&format!(
                "{HEADER_PREFIX} {{\"path\":\"/x\",\"op\":\"read-file\",\"more\":1}} "
            )),
            Some(read)
        );
        for plain in [
            "echo hi\n",
            "",
            &format!("#!/bin/bash\n{header}\n"),
            "# tcscale-op: {\"op\":\"format-disk\"}",
            "# tcscale-op: {\"op\":\"read-file\"}",
            "# tcscale-op: {\"op\":\"read-file\",\"path\":7}",
            "# tcscale-op: [\"read-file\"]",
            "# tcscale-op: not json",
            "# tcscale-op: {\"op\":\"restart\",\"restart\":{\"runtime\":\"python\"}}",
            "# tcscale-op: {\"op\":\"cas-write\",\"path\":\"/x\",\"expected_sha256\":\"a\",\"content_b64\":\"\",\"backup_path\":1}",
        ] {
            assert_eq!(parse_header(plain), None, "{plain}");
        }
        let write = parse_header(&format!(
            "{HEADER_PREFIX}{}",
            write_header(
                PATH,
                "AB",
                "{}",
                r#","backup_path":null,"restart":{"runtime":"java","name":"tomcat9"}"#
            )
        ));
        assert_eq!(
            write,
            Some(Op::CasWrite {
                path: PATH.into(),
                expected_sha256: "AB".into(),
                content_b64: b64("{}"),
                backup_path: None,
                restart: Some(Restart {
                    runtime: Runtime::Java,
                    name: Some("tomcat9".into()),
                }),
            })
        );
        assert_eq!(
            parse_header(
                r#"# tcscale-op: {"op":"restart","restart":{"runtime":"dot-net","name":null}}"#
            ),
            Some(Op::Restart(Restart {
                runtime: Runtime::DotNet,
                name: None
            }))
        );
    }

    #[test]
    fn read_file_prints_sha_size_and_content() {
        let mut fs = files(&[(PATH, CONFIG)]);
        let o = run_on(
            r#"{"op":"read-file","path":"/etc/qcloud/sdk.config"}"#,
            &mut fs,
            &[],
            false,
        );
        assert_eq!(o.exit_code, exit::OK);
        let expected = format!(
            "TCSCALE_OP=read-file\nTCSCALE_PATH={PATH}\nTCSCALE_SHA256={}\nTCSCALE_SIZE={}\nTCSCALE_CONTENT_B64={}\nTCSCALE_STATUS=ok\n",
            sha256(CONFIG.as_bytes()),
            CONFIG.len(),
            b64(CONFIG)
        );
        assert_eq!(o.output, expected);
        assert!(o.restarts.is_empty());
        assert_eq!(fs, files(&[(PATH, CONFIG)]), "a read changes nothing");

        let utf8 = "{\"name\": \"微信\"}";
        let mut fs = files(&[(PATH, utf8)]);
        let o = run_on(
            r#"{"op":"read-file","path":"/etc/qcloud/sdk.config"}"#,
            &mut fs,
            &[],
            false,
        );
        assert!(
            o.output.contains(&format!("TCSCALE_SIZE={}\n", utf8.len())),
            "bytes, not chars"
        );
    }

    #[test]
    fn reading_a_missing_file_exits_10() {
        let mut fs = files(&[("/etc/qcloud/sdk.config/inside", "x")]);
        let before = fs.clone();
        let o = run_on(
            r#"{"op":"read-file","path":"/etc/qcloud/sdk.config"}"#,
            &mut fs,
            &[],
            false,
        );
        assert_eq!(o.exit_code, exit::MISSING);
        assert_eq!(
            keys(&o.output),
            [
                "TCSCALE_OP=read-file",
                "TCSCALE_PATH=/etc/qcloud/sdk.config",
                "TCSCALE_STATUS=missing"
            ]
        );
        assert!(o.output.contains("does not exist"));
        assert_eq!(fs, before);
    }

    #[test]
    fn a_write_backs_up_replaces_and_restarts() {
        let mut fs = files(&[(PATH, CONFIG)]);
        let sha = sha256(CONFIG.as_bytes()).to_ascii_uppercase();
        let header = write_header(
            PATH,
            &sha,
            NEW,
            r#","backup_path":"/etc/qcloud/sdk.config.bak.1","restart":{"runtime":"node-js"}"#,
        );
        let o = run_on(&header, &mut fs, &[], false);
        assert_eq!(o.exit_code, exit::OK, "{}", o.output);
        assert_eq!(
            keys(&o.output),
            [
                "TCSCALE_OP=cas-write".to_string(),
                format!("TCSCALE_PATH={PATH}"),
                "TCSCALE_BACKUP=/etc/qcloud/sdk.config.bak.1".to_string(),
                format!("TCSCALE_SHA256={}", sha256(NEW.as_bytes())),
                "TCSCALE_STATUS=written".to_string(),
                "TCSCALE_RESTART=ok".to_string(),
            ]
        );
        let pm2 = "cd /data/release/node-weapp-demo && (pm2 restart process.json || pm2 start process.json)";
        assert!(o.output.contains(&format!("tcscale: {pm2}\n")));
        assert_eq!(o.restarts, [pm2]);
        assert_eq!(
            fs,
            files(&[(PATH, NEW), ("/etc/qcloud/sdk.config.bak.1", CONFIG)])
        );
    }

    #[test]
    fn a_write_without_a_backup_name_uses_the_time_label() {
        assert_eq!(backup_label(now()), "20260601120000.123456");
        let mut fs = files(&[(PATH, CONFIG)]);
        let o = run_on(
            &write_header(PATH, &sha256(CONFIG.as_bytes()), NEW, ""),
            &mut fs,
            &[],
            false,
        );
        assert_eq!(o.exit_code, exit::OK);
        let backup = "/etc/qcloud/sdk.config.bak.20260601120000.123456";
        assert!(o.output.contains(&format!("TCSCALE_BACKUP={backup}\n")));
        assert_eq!(fs.get(backup).map(String::as_str), Some(CONFIG));
        assert!(!o.output.contains("TCSCALE_RESTART"), "no restart asked");
        assert!(o.restarts.is_empty());
    }

    #[test]
    fn a_write_to_a_missing_file_exits_10_and_creates_nothing() {
        let mut fs = BTreeMap::new();
        let o = run_on(&write_header(PATH, "00", NEW, ""), &mut fs, &[], false);
        assert_eq!(o.exit_code, exit::MISSING);
        assert!(o.output.ends_with("TCSCALE_STATUS=missing\n"));
        assert!(fs.is_empty());
    }

    #[test]
    fn a_changed_file_is_a_conflict_that_reports_the_actual_sha() {
        let mut fs = files(&[(PATH, CONFIG)]);
        let o = run_on(
            &write_header(PATH, "ABCD", NEW, r#","restart":{"runtime":"java"}"#),
            &mut fs,
            &[],
            false,
        );
        assert_eq!(o.exit_code, exit::CONFLICT);
        let actual = sha256(CONFIG.as_bytes());
        assert_eq!(
            keys(&o.output),
            [
                "TCSCALE_OP=cas-write".to_string(),
                format!("TCSCALE_PATH={PATH}"),
                format!("TCSCALE_SHA256={actual}"),
                "TCSCALE_STATUS=conflict".to_string(),
            ]
        );
        assert!(o
            .output
            .contains(&format!("(sha256 {actual}, expected abcd)")));
        assert!(o.restarts.is_empty());
        assert_eq!(fs, files(&[(PATH, CONFIG)]));
    }

    #[test]
    fn a_read_only_file_is_not_written() {
        let mut fs = files(&[(PATH, CONFIG)]);
        let o = run_on(
            &write_header(PATH, &sha256(CONFIG.as_bytes()), NEW, ""),
            &mut fs,
            &[PATH],
            false,
        );
        assert_eq!(o.exit_code, exit::READ_ONLY);
        assert!(o.output.ends_with("TCSCALE_STATUS=read-only\n"));
        assert_eq!(fs, files(&[(PATH, CONFIG)]));
    }

    #[test]
    fn a_taken_backup_name_is_never_overwritten() {
        let backup = "/etc/qcloud/sdk.config.bak.1";
        let extra = format!(r#","backup_path":"{backup}""#);
        let sha = sha256(CONFIG.as_bytes());
        let mut fs = files(&[(PATH, CONFIG), (backup, "the only original")]);
        let before = fs.clone();
        let o = run_on(&write_header(PATH, &sha, NEW, &extra), &mut fs, &[], false);
        assert_eq!(o.exit_code, exit::BACKUP_EXISTS);
        assert!(o.output.ends_with("TCSCALE_STATUS=backup-exists\n"));
        assert!(o.output.contains("exists already"));
        assert_eq!(fs, before);
        // A directory of that name is taken too (`[ -e "$B" ]`).
        let mut fs = files(&[(PATH, CONFIG), ("/etc/qcloud/sdk.config.bak.1/x", "")]);
        let o = run_on(&write_header(PATH, &sha, NEW, &extra), &mut fs, &[], false);
        assert_eq!(o.exit_code, exit::BACKUP_EXISTS);
        // A longer name that merely starts the same is not.
        let mut fs = files(&[(PATH, CONFIG), ("/etc/qcloud/sdk.config.bak.10", "")]);
        let o = run_on(&write_header(PATH, &sha, NEW, &extra), &mut fs, &[], false);
        assert_eq!(o.exit_code, exit::OK);
    }

    #[test]
    fn a_failed_restart_exits_14_after_the_write() {
        let mut fs = files(&[(PATH, CONFIG)]);
        let header = write_header(
            PATH,
            &sha256(CONFIG.as_bytes()),
            NEW,
            r#","backup_path":"/b","restart":{"runtime":"java","name":"tomcat9"}"#,
        );
        let o = run_on(&header, &mut fs, &[], true);
        assert_eq!(o.exit_code, exit::RESTART_FAILED);
        assert!(o.output.contains("TCSCALE_STATUS=written\n"));
        assert!(o.output.ends_with("TCSCALE_RESTART=failed\n"));
        assert_eq!(o.restarts, ["systemctl restart tomcat9"]);
        assert_eq!(fs, files(&[(PATH, NEW), ("/b", CONFIG)]));
    }

    #[test]
    fn a_node_config_that_does_not_parse_is_put_back_and_nothing_restarts() {
        let mut fs = files(&[(PATH, CONFIG)]);
        let header = write_header(
            PATH,
            &sha256(CONFIG.as_bytes()),
            "{\"a\": 1,}",
            r#","backup_path":"/b","restart":{"runtime":"node-js","name":"weapp"}"#,
        );
        let o = run_on(&header, &mut fs, &[], false);
        assert_eq!(o.exit_code, exit::VERIFY_FAILED);
        assert!(o.output.ends_with("TCSCALE_STATUS=verify-failed\n"));
        assert!(o.restarts.is_empty());
        assert_eq!(fs, files(&[(PATH, CONFIG), ("/b", CONFIG)]));
        // Without a Node.js restart the bytes are written as they are.
        let mut fs = files(&[(PATH, CONFIG)]);
        let header = write_header(
            PATH,
            &sha256(CONFIG.as_bytes()),
            "not json",
            r#","backup_path":"/b""#,
        );
        assert_eq!(run_on(&header, &mut fs, &[], false).exit_code, exit::OK);
        assert_eq!(fs[PATH], "not json");
    }

    #[test]
    fn content_that_does_not_decode_fails_after_the_backup() {
        let sha = sha256(CONFIG.as_bytes());
        for content in ["%%% not base64", "/w=="] {
            let mut fs = files(&[(PATH, CONFIG)]);
            let header = format!(
                r#"{{"op":"cas-write","path":"{PATH}","expected_sha256":"{sha}","content_b64":"{content}","backup_path":"/b"}}"#
            );
            let o = run_on(&header, &mut fs, &[], false);
            assert_eq!(o.exit_code, exit::WRITE_FAILED, "{content}");
            assert!(o.output.ends_with("TCSCALE_STATUS=failed\n"));
            assert_eq!(fs, files(&[(PATH, CONFIG), ("/b", CONFIG)]));
        }
    }

    #[test]
    fn a_restart_for_the_other_shell_is_a_usage_error_before_anything() {
        let mut fs = files(&[(PATH, CONFIG)]);
        let header = write_header(PATH, "00", NEW, r#","restart":{"runtime":"dot-net"}"#);
        let o = run_on(&header, &mut fs, &[], false);
        assert_eq!(o.exit_code, exit::USAGE);
        assert_eq!(
            o.output,
            "TCSCALE_OP=cas-write\ntcscale: a .NET service cannot be restarted from bash\nTCSCALE_STATUS=usage\n"
        );
        let mut fs = files(&[(WIN_PATH, CONFIG)]);
        let header = write_header(WIN_PATH, "00", NEW, r#","restart":{"runtime":"node-js"}"#);
        let o = run_on(&header, &mut fs, &[], false);
        assert_eq!(o.exit_code, exit::USAGE);
        assert!(o
            .output
            .contains("a Node.js service cannot be restarted from PowerShell"));
        assert_eq!(fs, files(&[(WIN_PATH, CONFIG)]));
    }

    #[test]
    fn windows_writes_and_restarts() {
        let mut fs = files(&[(WIN_PATH, CONFIG)]);
        let header = write_header(
            WIN_PATH,
            &sha256(CONFIG.as_bytes()),
            NEW,
            r#","restart":{"runtime":"dot-net","name":"it's"}"#,
        );
        let o = run_on(&header, &mut fs, &[], false);
        assert_eq!(o.exit_code, exit::OK, "{}", o.output);
        assert_eq!(
            o.restarts,
            ["Import-Module WebAdministration; Restart-WebItem 'IIS:\\Sites\\it''s'"]
        );
        let backup = format!("{WIN_PATH}.bak.20260601120000.123456");
        assert_eq!(fs, files(&[(WIN_PATH, NEW), (&backup, CONFIG)]));
        // A backup name taken by a directory, Windows-style.
        let mut fs = files(&[(WIN_PATH, CONFIG), (r"C:\b\x", "")]);
        let header = write_header(
            WIN_PATH,
            &sha256(CONFIG.as_bytes()),
            NEW,
            r#","backup_path":"C:\\b""#,
        );
        assert_eq!(
            run_on(&header, &mut fs, &[], false).exit_code,
            exit::BACKUP_EXISTS
        );
    }

    #[test]
    fn a_restart_alone() {
        let mut fs = BTreeMap::new();
        for (runtime, name, command) in [
            ("java", "null", "systemctl restart tomcat"),
            ("dot-net", "null", "iisreset"),
            (
                "node-js",
                "\"weapp\"",
                "cd /data/release/node-weapp-demo && (pm2 restart weapp || pm2 start process.json)",
            ),
        ] {
            let header =
                format!(r#"{{"op":"restart","restart":{{"runtime":"{runtime}","name":{name}}}}}"#);
            let o = run_on(&header, &mut fs, &[], false);
            assert_eq!(o.exit_code, exit::OK);
            assert_eq!(
                o.output,
                format!("TCSCALE_OP=restart\ntcscale: {command}\nTCSCALE_RESTART=ok\n")
            );
            assert_eq!(o.restarts, [command]);
            let o = run_on(&header, &mut fs, &[], true);
            assert_eq!(o.exit_code, exit::RESTART_FAILED);
            assert!(o.output.ends_with("TCSCALE_RESTART=failed\n"));
        }
        assert!(fs.is_empty());
    }

    #[test]
    fn shells_follow_the_path() {
        assert_eq!(Shell::for_path(WIN_PATH), Shell::PowerShell);
        assert_eq!(Shell::for_path("d:/x"), Shell::PowerShell);
        assert_eq!(Shell::for_path(r"\\share\x"), Shell::PowerShell);
        assert_eq!(Shell::for_path(PATH), Shell::Bash);
        assert_eq!(Shell::for_path(""), Shell::Bash);
    }
}
