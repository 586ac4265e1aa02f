//! The real scripts tcscale sends through TAT (`RunCommand`): bash on Linux,
//! PowerShell on Windows. Each starts with the declared-operation header
//! ([`RemoteOp::header`]) and prints the same `TCSCALE_*=` key lines and exit
//! codes as [`crate::scaleout::remote_op::apply`], the simulator's version.
//!
//! Every path is prefixed with `$TCSCALE_ROOT` (unset on real servers, so
//! `/etc/qcloud/sdk.config` is used as is); tests set it to a temporary
//! directory and run the scripts for real.

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::scaleout::remote_op::{
    b64, exit, sha256_hex, RemoteOp, Restart, Runtime, Shell, NODE_APP_DIR,
};

/// A script ready for `RunCommand`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    pub op: RemoteOp,
    pub shell: Shell,
    pub text: String,
}

impl Script {
    /// TAT's `CommandType`: `SHELL` or `POWERSHELL`.
    pub fn command_type(&self) -> &'static str {
        self.shell.command_type()
    }

    /// TAT's `Content`: the script, base64-encoded.
    pub fn content_b64(&self) -> String {
        b64(self.text.as_bytes())
    }
}

/// Reads `path`: prints sha256, size and base64 content.
pub fn read_file(path: &str) -> Script {
    script_for(&RemoteOp::ReadFile {
        path: path.to_string(),
    })
}

/// Writes `new_content` to `path` if its sha256 is still `expected_sha256`,
/// backing the old file up to `backup_path` and restarting `restart` after.
pub fn cas_write(
    path: &str,
    expected_sha256: &str,
    new_content: &str,
    backup_path: &str,
    restart: Option<Restart>,
) -> Script {
    script_for(&RemoteOp::CasWrite {
        path: path.to_string(),
        expected_sha256: expected_sha256.to_ascii_lowercase(),
        content_b64: b64(new_content.as_bytes()),
        backup_path: Some(backup_path.to_string()),
        restart,
    })
}

/// Restarts the runtime's service.
pub fn restart(restart: Restart) -> Script {
    script_for(&RemoteOp::Restart { restart })
}

/// The shell an operation runs in: from its path, or from the runtime.
pub fn shell_of(op: &RemoteOp) -> Shell {
    match op {
        RemoteOp::ReadFile { path } | RemoteOp::CasWrite { path, .. } => Shell::for_path(path),
        RemoteOp::Restart { restart } => restart.runtime.shell(),
    }
}

/// The real script of `op`.
pub fn script_for(op: &RemoteOp) -> Script {
    let shell = shell_of(op);
    let body = match shell {
        Shell::Bash => bash_body(op),
        Shell::PowerShell => powershell_body(op),
    };
    let text = format!("{}\n{body}", op.header());
    Script {
        op: op.clone(),
        shell,
        text,
    }
}

/// Single-quoted for bash.
fn sq(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Single-quoted for PowerShell.
fn pq(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn new_sha_of(content_b64: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .decode(content_b64.trim())
        .map(|b| sha256_hex(&b))
        .unwrap_or_default()
}

const BASH_PRELUDE: &str = r#"set -u
# TAT runs with a minimal PATH; pm2 is usually in /usr/local/bin.
export PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
say() { printf '%s\n' "$@"; }
"#;

fn bash_body(op: &RemoteOp) -> String {
    let mut s = String::from(BASH_PRELUDE);
    s.push_str(&format!(
        "say {}\n",
        sq(&format!("TCSCALE_OP={}", op.name()))
    ));
    match op {
        RemoteOp::ReadFile { path } => {
            s.push_str(&format!(
                r#"P={path}
F="${{TCSCALE_ROOT:-}}$P"
say "TCSCALE_PATH=$P"
if [ ! -f "$F" ]; then
  say "tcscale: $P does not exist" "TCSCALE_STATUS=missing"
  exit {missing}
fi
if ! SHA=$(sha256sum "$F" | cut -d' ' -f1) || ! B64=$(base64 -w0 "$F"); then
  say "tcscale: cannot read $P" "TCSCALE_STATUS=failed"
  exit {failed}
fi
say "TCSCALE_SHA256=$SHA" "TCSCALE_SIZE=$(wc -c < "$F" | tr -d ' ')" "TCSCALE_CONTENT_B64=$B64" "TCSCALE_STATUS=ok"
"#,
                path = sq(path),
                missing = exit::MISSING,
                failed = exit::WRITE_FAILED,
            ));
        }
        RemoteOp::CasWrite {
            path,
            expected_sha256,
            content_b64,
            backup_path,
            restart,
        } => {
            if let Some(r) = restart {
                if r.runtime.shell() != Shell::Bash {
                    s.push_str(&mismatch_bash(r));
                    return s;
                }
            }
            let backup = match backup_path {
                Some(b) => sq(b),
                None => r#""$P.bak.$(date -u +%Y%m%d%H%M%S.%6N)""#.to_string(),
            };
            s.push_str(&format!(
                r#"P={path}
BP={backup}
EXPECTED={expected}
NEW_SHA={new_sha}
CONTENT={content}
F="${{TCSCALE_ROOT:-}}$P"
B="${{TCSCALE_ROOT:-}}$BP"
D=$(dirname "$F")
say "TCSCALE_PATH=$P"
if [ ! -f "$F" ]; then
  say "tcscale: $P does not exist" "TCSCALE_STATUS=missing"
  exit {missing}
fi
ACTUAL=$(sha256sum "$F" | cut -d' ' -f1)
if [ "$ACTUAL" != "$EXPECTED" ]; then
  say "TCSCALE_SHA256=$ACTUAL" "tcscale: $P changed since it was read (sha256 $ACTUAL, expected $EXPECTED); not written" "TCSCALE_STATUS=conflict"
  exit {conflict}
fi
# root may write anything, so a file without any write permission bit is
# taken for what it means: someone locked it on purpose.
if [ ! -w "$F" ] || [ ! -w "$D" ] || [ -z "$(find "$F" -maxdepth 0 -perm /222 2>/dev/null)" ]; then
  say "tcscale: $P is read-only; not written" "TCSCALE_STATUS=read-only"
  exit {read_only}
fi
fail() {{ rm -f "${{TMP:-}}"; say "tcscale: $1; $P is unchanged" "TCSCALE_STATUS=failed"; exit {failed}; }}
# A backup may be the only copy of an original: never overwrite one.
if [ -e "$B" ] || [ -L "$B" ]; then
  say "tcscale: the backup $BP exists already; $P is unchanged" "TCSCALE_STATUS=backup-exists"
  exit {backup_exists}
fi
cp -p "$F" "$B" || fail "cannot back up to $BP"
[ "$(sha256sum "$B" | cut -d' ' -f1)" = "$EXPECTED" ] || fail "the backup $BP does not match the original"
TMP=$(mktemp "$D/.sdk.config.tcscale.XXXXXX") || fail "cannot create a temporary file in $D"
printf '%s' "$CONTENT" | base64 -d > "$TMP" || fail "cannot write the temporary file"
chmod --reference="$F" "$TMP" 2>/dev/null
chown --reference="$F" "$TMP" 2>/dev/null
if [ "$(sha256sum "$TMP" | cut -d' ' -f1)" != "$NEW_SHA" ]; then
  rm -f "$TMP"
  say "tcscale: the new content does not verify; $P is unchanged" "TCSCALE_STATUS=verify-failed"
  exit {verify}
fi
# Last look before the swap: a concurrent edit wins over ours.
if [ "$(sha256sum "$F" | cut -d' ' -f1)" != "$EXPECTED" ]; then
  rm -f "$TMP"
  say "TCSCALE_SHA256=$(sha256sum "$F" | cut -d' ' -f1)" "tcscale: $P changed while writing; not written" "TCSCALE_STATUS=conflict"
  exit {conflict}
fi
mv -f "$TMP" "$F" || fail "cannot rename the temporary file over $P"
WRITTEN=$(sha256sum "$F" | cut -d' ' -f1)
if [ "$WRITTEN" != "$NEW_SHA" ]; then
  say "TCSCALE_SHA256=$WRITTEN" "tcscale: $P does not hold the new content after the rename" "TCSCALE_STATUS=verify-failed"
  exit {verify}
fi
say "TCSCALE_BACKUP=$BP" "TCSCALE_SHA256=$WRITTEN" "TCSCALE_STATUS=written"
"#,
                path = sq(path),
                expected = sq(&expected_sha256.to_ascii_lowercase()),
                new_sha = sq(&new_sha_of(content_b64)),
                content = sq(content_b64.trim()),
                missing = exit::MISSING,
                conflict = exit::CONFLICT,
                read_only = exit::READ_ONLY,
                failed = exit::WRITE_FAILED,
                verify = exit::VERIFY_FAILED,
                backup_exists = exit::BACKUP_EXISTS,
            ));
            if let Some(r) = restart {
                if r.runtime == Runtime::NodeJs {
                    s.push_str(&node_json_check_bash());
                }
                s.push_str(&restart_bash(r));
            }
        }
        RemoteOp::Restart { restart } => s.push_str(&restart_bash(restart)),
    }
    s.push_str(&format!("exit {}\n", exit::OK));
    s
}

/// After the write, before the restart: the Node.js demo reads sdk.config
/// with `JSON.parse` and exits when it fails, so where `node` is installed
/// the written file is parsed with it; if it does not load, the backup goes
/// back and nothing is restarted. (tcscale checked the exact bytes before
/// sending them; this catches a runtime that disagrees. Without `node` on
/// the PATH the check is skipped: the sha256 above already proved the bytes.)
fn node_json_check_bash() -> String {
    format!(
        r#"if command -v node >/dev/null 2>&1 && ! node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$F" 2>/dev/null; then
  cp -p "$B" "$F"
  say "tcscale: $P does not load with Node.js JSON.parse; the old file is back, nothing restarted" "TCSCALE_STATUS=verify-failed"
  exit {verify}
fi
"#,
        verify = exit::VERIFY_FAILED,
    )
}

fn mismatch_bash(r: &Restart) -> String {
    format!(
        "say {} \"TCSCALE_STATUS=usage\"\nexit {}\n",
        sq(&format!(
            "tcscale: a {} service cannot be restarted from bash",
            r.runtime.label()
        )),
        exit::USAGE
    )
}

fn restart_bash(r: &Restart) -> String {
    let cmd = match r.runtime {
        Runtime::NodeJs => {
            let target = r.name.as_deref().unwrap_or("process.json");
            format!(
                r#"cd "${{TCSCALE_ROOT:-}}"{dir} && (pm2 restart {target} || pm2 start process.json)"#,
                dir = sq(NODE_APP_DIR),
                target = sq(target),
            )
        }
        Runtime::Java => format!(
            "systemctl restart {}",
            sq(r.name.as_deref().unwrap_or("tomcat"))
        ),
        Runtime::DotNet => return mismatch_bash(r),
    };
    format!(
        r#"say {shown}
if ( {cmd} ); then
  say "TCSCALE_RESTART=ok"
else
  say "TCSCALE_RESTART=failed"
  exit {code}
fi
"#,
        shown = sq(&format!("tcscale: {}", r.command())),
        code = exit::RESTART_FAILED,
    )
}

const PS_PRELUDE: &str = r#"$ErrorActionPreference = 'Stop'
function Root([string]$p) {
  # Tests run under $env:TCSCALE_ROOT; real servers use the path as is.
  if ($env:TCSCALE_ROOT) { return (Join-Path $env:TCSCALE_ROOT ($p -replace '^[A-Za-z]:', '')) }
  return $p
}
function Sha([string]$f) { return (Get-FileHash -LiteralPath $f -Algorithm SHA256).Hash.ToLower() }
"#;

fn powershell_body(op: &RemoteOp) -> String {
    let mut s = String::from(PS_PRELUDE);
    s.push_str(&format!(
        "Write-Output {}\n",
        pq(&format!("TCSCALE_OP={}", op.name()))
    ));
    match op {
        RemoteOp::ReadFile { path } => {
            s.push_str(&format!(
                r#"$P = {path}
$F = Root $P
Write-Output "TCSCALE_PATH=$P"
if (-not (Test-Path -LiteralPath $F -PathType Leaf)) {{
  Write-Output "tcscale: $P does not exist"; Write-Output 'TCSCALE_STATUS=missing'; exit {missing}
}}
try {{
  $bytes = [System.IO.File]::ReadAllBytes($F)
  Write-Output "TCSCALE_SHA256=$(Sha $F)"
  Write-Output "TCSCALE_SIZE=$($bytes.Length)"
  Write-Output "TCSCALE_CONTENT_B64=$([Convert]::ToBase64String($bytes))"
  Write-Output 'TCSCALE_STATUS=ok'
}} catch {{
  Write-Output "tcscale: cannot read ${{P}}: $($_.Exception.Message)"; Write-Output 'TCSCALE_STATUS=failed'; exit {failed}
}}
"#,
                path = pq(path),
                missing = exit::MISSING,
                failed = exit::WRITE_FAILED,
            ));
        }
        RemoteOp::CasWrite {
            path,
            expected_sha256,
            content_b64,
            backup_path,
            restart,
        } => {
            if let Some(r) = restart {
                if r.runtime.shell() != Shell::PowerShell {
                    s.push_str(&mismatch_ps(r));
                    return s;
                }
            }
            let backup = match backup_path {
                Some(b) => pq(b),
                None => {
                    r#"($P + '.bak.' + (Get-Date).ToUniversalTime().ToString('yyyyMMddHHmmss.ffffff'))"#
                        .to_string()
                }
            };
            s.push_str(&format!(
                r#"$P = {path}
$BP = {backup}
$Expected = {expected}
$NewSha = {new_sha}
$Content = {content}
$F = Root $P
$B = Root $BP
Write-Output "TCSCALE_PATH=$P"
if (-not (Test-Path -LiteralPath $F -PathType Leaf)) {{
  Write-Output "tcscale: $P does not exist"; Write-Output 'TCSCALE_STATUS=missing'; exit {missing}
}}
$Actual = Sha $F
if ($Actual -ne $Expected) {{
  Write-Output "TCSCALE_SHA256=$Actual"
  Write-Output "tcscale: $P changed since it was read (sha256 $Actual, expected $Expected); not written"
  Write-Output 'TCSCALE_STATUS=conflict'; exit {conflict}
}}
$Item = Get-Item -LiteralPath $F
if ($Item.IsReadOnly) {{
  Write-Output "tcscale: $P is read-only; not written"; Write-Output 'TCSCALE_STATUS=read-only'; exit {read_only}
}}
# A backup may be the only copy of an original: never overwrite one.
if (Test-Path -LiteralPath $B) {{
  Write-Output "tcscale: the backup $BP exists already; $P is unchanged"; Write-Output 'TCSCALE_STATUS=backup-exists'; exit {backup_exists}
}}
$Tmp = $null
try {{
  Copy-Item -LiteralPath $F -Destination $B
  if ((Sha $B) -ne $Expected) {{ throw "the backup $BP does not match the original" }}
  $Tmp = Join-Path $Item.DirectoryName ('.sdk.config.tcscale.' + [guid]::NewGuid().ToString('N'))
  [System.IO.File]::WriteAllBytes($Tmp, [Convert]::FromBase64String($Content))
}} catch {{
  if ($Tmp) {{ Remove-Item -LiteralPath $Tmp -Force -ErrorAction SilentlyContinue }}
  Write-Output "tcscale: $($_.Exception.Message); $P is unchanged"; Write-Output 'TCSCALE_STATUS=failed'; exit {failed}
}}
if ((Sha $Tmp) -ne $NewSha) {{
  Remove-Item -LiteralPath $Tmp -Force
  Write-Output "tcscale: the new content does not verify; $P is unchanged"; Write-Output 'TCSCALE_STATUS=verify-failed'; exit {verify}
}}
if ((Sha $F) -ne $Expected) {{
  Remove-Item -LiteralPath $Tmp -Force
  Write-Output "TCSCALE_SHA256=$(Sha $F)"; Write-Output "tcscale: $P changed while writing; not written"
  Write-Output 'TCSCALE_STATUS=conflict'; exit {conflict}
}}
try {{
  # Same directory, same volume: the replace is a rename.
  Move-Item -LiteralPath $Tmp -Destination $F -Force
}} catch {{
  Remove-Item -LiteralPath $Tmp -Force -ErrorAction SilentlyContinue
  Write-Output "tcscale: $($_.Exception.Message); $P is unchanged"; Write-Output 'TCSCALE_STATUS=failed'; exit {failed}
}}
$Written = Sha $F
if ($Written -ne $NewSha) {{
  Write-Output "TCSCALE_SHA256=$Written"; Write-Output "tcscale: $P does not hold the new content after the rename"
  Write-Output 'TCSCALE_STATUS=verify-failed'; exit {verify}
}}
Write-Output "TCSCALE_BACKUP=$BP"
Write-Output "TCSCALE_SHA256=$Written"
Write-Output 'TCSCALE_STATUS=written'
"#,
                path = pq(path),
                expected = pq(&expected_sha256.to_ascii_lowercase()),
                new_sha = pq(&new_sha_of(content_b64)),
                content = pq(content_b64.trim()),
                missing = exit::MISSING,
                conflict = exit::CONFLICT,
                read_only = exit::READ_ONLY,
                failed = exit::WRITE_FAILED,
                verify = exit::VERIFY_FAILED,
                backup_exists = exit::BACKUP_EXISTS,
            ));
            if let Some(r) = restart {
                s.push_str(&restart_ps(r));
            }
        }
        RemoteOp::Restart { restart } => s.push_str(&restart_ps(restart)),
    }
    s.push_str(&format!("exit {}\n", exit::OK));
    s
}

fn mismatch_ps(r: &Restart) -> String {
    format!(
        "Write-Output {}; Write-Output 'TCSCALE_STATUS=usage'; exit {}\n",
        pq(&format!(
            "tcscale: a {} service cannot be restarted from PowerShell",
            r.runtime.label()
        )),
        exit::USAGE
    )
}

fn restart_ps(r: &Restart) -> String {
    let cmd = match (r.runtime, r.name.as_deref()) {
        (Runtime::DotNet, Some(site)) => format!(
            "Import-Module WebAdministration; Restart-WebItem {}",
            pq(&format!("IIS:\\Sites\\{site}"))
        ),
        (Runtime::DotNet, None) => {
            "& iisreset; if ($LASTEXITCODE -ne 0) { throw \"iisreset exit code $LASTEXITCODE\" }"
                .to_string()
        }
        _ => return mismatch_ps(r),
    };
    format!(
        r#"Write-Output {shown}
try {{
  {cmd}
  Write-Output 'TCSCALE_RESTART=ok'
}} catch {{
  Write-Output "tcscale: $($_.Exception.Message)"; Write-Output 'TCSCALE_RESTART=failed'; exit {code}
}}
"#,
        shown = pq(&format!("tcscale: {}", r.command())),
        code = exit::RESTART_FAILED,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaleout::remote_op::{parse_header, LINUX_CONFIG_PATH, WINDOWS_CONFIG_PATH};

    #[test]
    fn every_script_declares_its_op_on_the_first_line() {
        let scripts = [
            read_file(LINUX_CONFIG_PATH),
            read_file(WINDOWS_CONFIG_PATH),
            cas_write(
                LINUX_CONFIG_PATH,
                "ABC",
                "{}",
                "/etc/qcloud/sdk.config.bak.1",
                Some(Restart {
                    runtime: Runtime::NodeJs,
                    name: Some("it's".into()),
                }),
            ),
            cas_write(
                WINDOWS_CONFIG_PATH,
                "abc",
                "{}",
                r"C:\qcloud\sdk.config.bak.1",
                Some(Restart {
                    runtime: Runtime::DotNet,
                    name: Some("Default Web Site".into()),
                }),
            ),
            restart(Restart {
                runtime: Runtime::Java,
                name: None,
            }),
        ];
        for s in &scripts {
            assert_eq!(parse_header(&s.text).as_ref(), Some(&s.op), "{}", s.text);
            assert!(s.text.contains("TCSCALE_OP="));
        }
        assert_eq!(scripts[0].command_type(), "SHELL");
        assert_eq!(scripts[1].command_type(), "POWERSHELL");
        // Lowercased expected sha, quoted names.
        assert!(scripts[2].text.contains("EXPECTED='abc'"));
        assert!(scripts[2].text.contains(r"'it'\''s'"));
        assert!(scripts[3]
            .text
            .contains("Restart-WebItem 'IIS:\\Sites\\Default Web Site'"));
        assert!(scripts[4].text.contains("systemctl restart 'tomcat'"));
    }

    #[test]
    fn a_path_cannot_break_out_of_its_quotes() {
        let s = read_file("/etc/qcloud/x'; rm -rf /; '");
        assert!(s.text.contains(r"P='/etc/qcloud/x'\''; rm -rf /; '\'''"));
        let p = read_file(r"C:\it's\sdk.config");
        assert!(p.text.contains(r"$P = 'C:\it''s\sdk.config'"));
    }

    #[test]
    fn runtime_and_shell_must_agree() {
        let s = cas_write(
            LINUX_CONFIG_PATH,
            "a",
            "{}",
            "/b",
            Some(Restart {
                runtime: Runtime::DotNet,
                name: None,
            }),
        );
        assert!(s.text.contains("TCSCALE_STATUS=usage"));
        assert!(!s.text.contains("mv -f"));
    }

    #[test]
    fn content_b64_is_the_whole_script() {
        let s = read_file(LINUX_CONFIG_PATH);
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(s.content_b64())
            .unwrap();
        assert_eq!(decoded, s.text.as_bytes());
    }
}
