//! One business server's sdk.config edit: read (TAT) → compute (pure,
//! `scaleout::sdk_config`) → compare-and-swap write with backup and restart
//! (TAT) → verify from the script's own report. A file changed between read
//! and write is read again (a few times), never overwritten blindly.
//! Cleanup's inverse, [`restore_one`], goes the same way with the backup's
//! content, and only while the file is still exactly tcscale's edit.

use crate::cloud::models::cvm;
use crate::i18n::{t, tf, Text};
use crate::scaleout::remote_op::{
    self, parse_read_output, parse_write_output, RemoteError, RemoteOp, Restart, Runtime,
    NODE_APP_DIR,
};
use crate::scaleout::{scripts, sdk_config};

use std::collections::{BTreeMap, BTreeSet};

use super::sdk_config_step::{run_command, run_command_on, SdkVerdict};
use super::{Engine, StepError};

fn failed(id: &str, what: &str, e: impl std::fmt::Display) -> StepError {
    failed_because(id, what, Text::raw(e.to_string()))
}

/// [`failed`] with a reason worded when shown.
fn failed_because(id: &str, what: &str, reason: Text) -> StepError {
    StepError::Failed {
        what: format!("{what} {id}"),
        request_id: None,
        reason,
    }
}

/// Whether the instance's TAT agent is online (offline: no command can run).
pub async fn agent_online(eng: &Engine, id: &str) -> Result<bool, StepError> {
    Ok(agents_online(eng, &[id.to_string()]).await?.contains(id))
}

/// The instances among `ids` whose TAT agent is online.
pub async fn agents_online(eng: &Engine, ids: &[String]) -> Result<BTreeSet<String>, StepError> {
    Ok(crate::scaleout::account::agents_online(eng, ids)
        .await?
        .into_iter()
        .filter(|id| ids.contains(id))
        .collect())
}

pub type ReadOutcome = Result<remote_op::ReadResult, RemoteError>;

async fn read(eng: &Engine, id: &str, path: &str) -> Result<ReadOutcome, StepError> {
    let mut all = read_many(eng, &[id.to_string()], path).await?;
    Ok(all.remove(id).unwrap_or(Err(RemoteError::Missing)))
}

/// Reads `path` on every one of `ids` with one TAT invocation (per 100).
/// A task that did not run to its end (TIMEOUT, DELIVER_FAILED…) stops
/// the step with the server named: nothing has been written yet.
async fn read_many(
    eng: &Engine,
    ids: &[String],
    path: &str,
) -> Result<BTreeMap<String, ReadOutcome>, StepError> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let op = RemoteOp::ReadFile {
        path: path.to_string(),
    };
    let script = scripts::script_for(&op);
    let results = run_command_on(
        eng,
        ids,
        &script.text,
        script.command_type(),
        "tcscale-read",
    )
    .await?;
    let mut out = BTreeMap::new();
    for (id, r) in results {
        if !matches!(r.status.as_str(), "SUCCESS" | "FAILED") {
            return Err(failed(&id, "TAT read", r.describe()));
        }
        out.insert(id, parse_read_output(r.exit_code, &r.output));
    }
    Ok(out)
}

/// The servers' runtimes: Windows means .NET (from the OS); otherwise a
/// Node.js app directory means Node.js, else Java (one probe read for all).
async fn runtimes(
    eng: &Engine,
    servers: &[&cvm::Instance],
) -> Result<BTreeMap<String, Runtime>, StepError> {
    let mut out = BTreeMap::new();
    let mut probe = Vec::new();
    for server in servers {
        let id = server.instance_id.clone().unwrap_or_default();
        match Runtime::detect(server.os_name.as_deref().unwrap_or(""), &[]) {
            Some(r) => {
                out.insert(id, r);
            }
            None => probe.push(id),
        }
    }
    let path = format!("{NODE_APP_DIR}/process.json");
    for (id, found) in read_many(eng, &probe, &path).await? {
        let runtime = match found {
            Ok(_) => Runtime::NodeJs,
            Err(RemoteError::Missing) => Runtime::Java,
            Err(e) => return Err(failed(&id, "TAT read", e)),
        };
        out.insert(id, runtime);
    }
    Ok(out)
}

/// The business servers' sdk.config files as read, before any edit is
/// computed: they need no VIP, so a run reads them while its load balancer
/// and copies are still being made. Per server (in the order given): the
/// runtime and the file, or `None` when the TAT agent is offline.
#[derive(Debug, Clone, Default)]
pub struct Reads {
    files: BTreeMap<String, (Runtime, ReadOutcome)>,
    offline: BTreeSet<String>,
}

impl Reads {
    /// The server's runtime and its file as read; `None` when its TAT
    /// agent is offline (or it was not among the servers read).
    pub fn of(&self, id: &str) -> Option<(Runtime, &ReadOutcome)> {
        self.files.get(id).map(|(r, f)| (*r, f))
    }
}

/// Reads every server's sdk.config at once, writing nothing: one
/// agent-status call, one runtime probe and one read per sdk.config path
/// for all of them (TAT runs a script on up to 100 instances in one
/// invocation; the paths are read in parallel).
pub async fn read_all(eng: &Engine, servers: &[cvm::Instance]) -> Result<Reads, StepError> {
    let ids: Vec<String> = servers
        .iter()
        .map(|s| s.instance_id.clone().unwrap_or_default())
        .collect();
    let online = agents_online(eng, &ids).await?;
    let reachable: Vec<&cvm::Instance> = servers
        .iter()
        .filter(|s| s.instance_id.as_ref().is_some_and(|id| online.contains(id)))
        .collect();
    let runtimes = runtimes(eng, &reachable).await?;
    let mut by_path: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (id, r) in &runtimes {
        by_path
            .entry(r.default_config_path())
            .or_default()
            .push(id.clone());
    }
    let reads = by_path.iter().map(|(path, ids)| read_many(eng, ids, path));
    let mut reads_done = BTreeMap::new();
    for part in futures::future::try_join_all(reads).await? {
        reads_done.extend(part);
    }
    let mut out = Reads::default();
    for id in ids {
        match (runtimes.get(&id), reads_done.remove(&id)) {
            (Some(runtime), Some(file)) => {
                out.files.insert(id, (*runtime, file));
            }
            _ => {
                out.offline.insert(id);
            }
        }
    }
    Ok(out)
}

/// What each server needs (in the order of `servers`), from `reads` where
/// they have it, else read now. Any server whose file cannot be read or
/// edited stops the step here, before a single file is written.
pub async fn look_all(
    eng: &Engine,
    servers: &[cvm::Instance],
    vip: &str,
    reads: Option<Reads>,
) -> Result<Vec<(String, Look)>, StepError> {
    let mut reads = reads.unwrap_or_default();
    let unread: Vec<cvm::Instance> = servers
        .iter()
        .filter(|s| {
            s.instance_id
                .as_ref()
                .is_some_and(|id| !reads.files.contains_key(id) && !reads.offline.contains(id))
        })
        .cloned()
        .collect();
    if !unread.is_empty() {
        let more = read_all(eng, &unread).await?;
        reads.files.extend(more.files);
        reads.offline.extend(more.offline);
    }
    let mut out = Vec::new();
    for server in servers {
        let id = server.instance_id.clone().unwrap_or_default();
        let Some((runtime, current)) = reads.files.remove(&id) else {
            eng.log("engine.sdk.agent_offline", &[("id", &id)]);
            // Journaled with the step's output (`SdkOutput.skipped`): worded now.
            let reason = tf(eng.lang, "engine.sdk.agent_offline", &[("id", &id)]);
            out.push((id, Look::Skip(reason)));
            continue;
        };
        let current = current.map_err(|e| failed(&id, "sdk.config", e))?;
        let look = judge(
            eng,
            &id,
            runtime,
            runtime.default_config_path(),
            vip,
            current,
        )
        .await?;
        out.push((id, look));
    }
    Ok(out)
}

/// What one server needs, found before anything is written anywhere.
#[derive(Debug, Clone)]
pub enum Look {
    /// Not touched (agent offline), with the reason reported.
    Skip(String),
    /// Nothing to write: already at the VIP, or a write of this run (whose
    /// answer never reached the journal) is found done.
    Done(SdkVerdict),
    /// The file as read and its edit, ready for a compare-and-swap write.
    Write(Prepared),
}

#[derive(Debug, Clone)]
pub struct Prepared {
    pub id: String,
    runtime: Runtime,
    path: String,
    /// The sha256 of the file as read (the write's compare-and-swap).
    sha256: String,
    /// The edited content.
    new: String,
}

async fn look_at(
    eng: &Engine,
    id: &str,
    runtime: Runtime,
    path: &str,
    vip: &str,
) -> Result<Look, StepError> {
    let current = match read(eng, id, path).await? {
        Ok(r) => r,
        Err(e) => return Err(failed(id, "sdk.config", e)),
    };
    judge(eng, id, runtime, path, vip, current).await
}

/// What the file as read needs: nothing (at the VIP, or an earlier write
/// of this run found), or its edit.
async fn judge(
    eng: &Engine,
    id: &str,
    runtime: Runtime,
    path: &str,
    vip: &str,
    current: remote_op::ReadResult,
) -> Result<Look, StepError> {
    let url = sdk_config::auth_server_url(vip);
    // A write of this run whose answer never reached the journal may still
    // be running on the server (its process was killed just after sending
    // it): judged only once it has ended, on the file as it then is.
    let unsettled = eng
        .recorded(|r| r.write_intents(id))
        .iter()
        .any(|i| remote_op::backed_up_path(&i.detail) == Some(path));
    let current = if unsettled {
        super::sdk_config_step::wait_idle(eng, id).await?;
        read(eng, id, path)
            .await?
            .map_err(|e| failed(id, "sdk.config", e))?
    } else {
        current
    };
    let at_vip =
        sdk_config::read_auth_server_url(&current.content).as_deref() == Some(url.as_str());
    // A write of this run whose answer never reached the journal.
    if let Some(done) = settle_write_intents(eng, id, path, at_vip).await? {
        return Ok(Look::Done(done));
    }
    if at_vip {
        eng.log("engine.sdk.already", &[("id", &id), ("url", &url)]);
        return Ok(Look::Done(SdkVerdict::AlreadySet));
    }
    let new = sdk_config::set_auth_server_url(&current.content, vip)
        .map_err(|e| failed_because(id, "sdk.config", Text::per_lang(|l| e.message(l))))?;
    // The Node.js demo exits when JSON.parse fails: never write such a file.
    if runtime == Runtime::NodeJs {
        sdk_config::node_readable(&new)
            .map_err(|e| failed_because(id, "sdk.config", Text::per_lang(|l| e.message(l))))?;
    }
    Ok(Look::Write(Prepared {
        id: id.to_string(),
        runtime,
        path: path.to_string(),
        sha256: current.sha256,
        new,
    }))
}

/// Writes a prepared edit (compare-and-swap, backup, restart). A file
/// changed since it was read is read again (a few times), never
/// overwritten blindly.
///
/// Every write is journaled as an intent first (its own backup name and the
/// original's sha256), so a process killed while the write runs leaves
/// cleanup and resume the backup to look for; the intent becomes the
/// journaled change once the write is answered (`sdk_config_step`).
pub async fn write(eng: &Engine, prepared: Prepared, vip: &str) -> Result<SdkVerdict, StepError> {
    let url = sdk_config::auth_server_url(vip);
    let run_id = eng.recorded(|r| r.id().to_string());
    let mut p = prepared;
    for _attempt in 0..3 {
        let id = p.id.clone();
        let backup = remote_op::run_backup_path(&p.path, &run_id, chrono::Utc::now());
        eng.journal(|r| r.add_write_intent(&id, &backup, &p.sha256))?;
        let op = RemoteOp::CasWrite {
            path: p.path.clone(),
            expected_sha256: p.sha256.clone(),
            content_b64: remote_op::b64(p.new.as_bytes()),
            backup_path: Some(backup.clone()),
            restart: Some(Restart {
                runtime: p.runtime,
                name: None,
            }),
        };
        let script = scripts::script_for(&op);
        // An unfinished task leaves the intent: the write may yet happen.
        let r = run_command(eng, &id, &script.text, script.command_type(), WRITE_COMMAND).await?;
        if !matches!(r.status.as_str(), "SUCCESS" | "FAILED") {
            return Err(failed(&id, "TAT write", r.describe()));
        }
        match parse_write_output(r.exit_code, &r.output) {
            Ok(w) => {
                eng.log(
                    "engine.sdk.updated",
                    &[("id", &id), ("url", &url), ("backup", &w.backup_path)],
                );
                return Ok(SdkVerdict::Updated {
                    path: p.path,
                    backup: w.backup_path,
                });
            }
            // The file changed since the read (someone's edit, or this very
            // script, sent again after an outage, had already run): read it
            // again; the intent is settled against what is there.
            Err(RemoteError::Conflict { .. } | RemoteError::BackupExists) => {
                match look_at(eng, &id, p.runtime, &p.path, vip).await? {
                    Look::Write(again) => p = again,
                    Look::Done(v) => return Ok(v),
                    Look::Skip(reason) => return Err(failed(&id, "sdk.config", reason)),
                }
            }
            Err(e) => {
                // Refused before anything changed: the intent made nothing.
                if matches!(e, RemoteError::Missing | RemoteError::ReadOnly) {
                    drop_write_intent(eng, &id, &backup)?;
                }
                return Err(failed(&id, "sdk.config", e));
            }
        }
    }
    Err(failed_because(
        &p.id,
        "sdk.config",
        Text::new("engine.sdk.keeps_changing", &[]),
    ))
}

/// How often a restore whose TAT task failed is tried again before it is given up.
const RESTORE_RETRIES: u32 = 2;

/// The TAT command name of sdk.config writes (`TCSCALE_TEST_KILL_AFTER_CALL=RunCommand:tcscale-write`).
pub const WRITE_COMMAND: &str = "tcscale-write";

fn drop_write_intent(eng: &Engine, id: &str, backup: &str) -> Result<(), StepError> {
    eng.journal(|r| {
        for i in r.write_intents(id) {
            if i.detail == backup {
                r.drop_intent(&i);
            }
        }
    })
}

/// Earlier write intents of this run on `id`'s `path` (a process killed
/// while its write ran). With the file at the VIP and the intent's backup
/// on the server holding the original (its journaled sha256), the write
/// happened: it becomes the journaled change, returned as `Updated`, so
/// cleanup restores it. Otherwise the intent made nothing that stuck and is dropped.
async fn settle_write_intents(
    eng: &Engine,
    id: &str,
    path: &str,
    at_vip: bool,
) -> Result<Option<SdkVerdict>, StepError> {
    let intents: Vec<_> = eng
        .recorded(|r| r.write_intents(id))
        .into_iter()
        .filter(|i| remote_op::backed_up_path(&i.detail) == Some(path))
        .collect();
    let mut found = None;
    for intent in intents {
        let ours = at_vip
            && found.is_none()
            && match read(eng, id, &intent.detail).await? {
                Ok(b) => intent.sha256.as_deref().is_none_or(|s| s == b.sha256),
                Err(RemoteError::Missing) => false,
                Err(e) => return Err(failed(id, "TAT read", e)),
            };
        if ours {
            eng.log(
                "engine.sdk.write_found",
                &[("id", &id), ("backup", &intent.detail)],
            );
            found = Some(SdkVerdict::Updated {
                path: path.to_string(),
                backup: intent.detail.clone(),
            });
        } else {
            eng.journal(|r| r.drop_intent(&intent))?;
        }
    }
    Ok(found)
}

/// Cleanup's look at an sdk.config write intent: whether its backup is on
/// the server (`Some(false)`: the write never started, nothing to restore;
/// `None`: cannot tell — agent offline, server gone, TAT failing — so the
/// change is kept for cleanup to restore or hold back).
pub async fn write_intent_backup(
    eng: &Engine,
    id: &str,
    backup: &str,
) -> Result<Option<bool>, StepError> {
    if !agent_online(eng, id).await? {
        return Ok(None);
    }
    Ok(match read(eng, id, backup).await {
        Ok(Ok(_)) => Some(true),
        Ok(Err(RemoteError::Missing)) => Some(false),
        Ok(Err(_)) | Err(StepError::Failed { .. }) => None,
        Err(e) => return Err(e),
    })
}

/// What cleanup finds in an sdk.config tcscale changed, against the backup
/// the change made of the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreDecision {
    /// The file is exactly tcscale's edit of the backup: put the backup back.
    Restore,
    /// The file already equals the backup (an earlier cleanup, or by hand).
    AlreadyRestored,
    /// The file is not tcscale's edit: someone changed it since. `url` is
    /// its `authServerUrl` now (for the explanation).
    ChangedSince { url: Option<String> },
    /// The run's VIP is not known, so tcscale cannot tell its edit from someone else's.
    VipUnknown,
}

/// Whether `current` is what tcscale wrote. The forward edit is a pure
/// function of the original and the VIP (`sdk_config::set_auth_server_url`),
/// so it is recomputed from the backup and compared byte for byte. Byte
/// equality, not "same JSON apart from authServerUrl": a restore replaces
/// the whole file, so any other difference — a key, a comment, even
/// whitespace — is someone's later work that restoring would silently
/// throw away. Such a file is left to the user.
pub fn restore_decision(current: &str, backup: &str, vip: Option<&str>) -> RestoreDecision {
    if current == backup {
        return RestoreDecision::AlreadyRestored;
    }
    let Some(vip) = vip.filter(|v| !v.is_empty()) else {
        return RestoreDecision::VipUnknown;
    };
    match sdk_config::set_auth_server_url(backup, vip) {
        Ok(ours) if ours == current => RestoreDecision::Restore,
        _ => RestoreDecision::ChangedSince {
            url: sdk_config::read_auth_server_url(current),
        },
    }
}

/// How restoring one sdk.config ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreOutcome {
    /// The backup is back in place and the service restarted; the file as
    /// tcscale had written it was kept in `saved_edit`.
    Restored {
        saved_edit: String,
    },
    AlreadyRestored,
    /// Not restored: why, and what the user can do (translated); whether
    /// the file may still point at the run's VIP (then deleting the CLB
    /// would break that server's login).
    Left {
        why: String,
        points_at_vip: bool,
    },
}

/// The copy a user types to restore by hand.
fn manual_copy(path: &str, backup: &str) -> String {
    match remote_op::Shell::for_path(path) {
        remote_op::Shell::Bash => {
            let q = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
            format!("cp -p {} {}", q(backup), q(path))
        }
        remote_op::Shell::PowerShell => {
            let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
            format!("Copy-Item -Force {} {}", q(backup), q(path))
        }
    }
}

/// Puts the backup of one sdk.config back, if the file is still what
/// tcscale wrote (see [`restore_decision`]): compare-and-swap write of the
/// backup's content (which itself backs up what it replaces), then the
/// same restart as the forward edit. Problems on the server are reported
/// as [`RestoreOutcome::Left`] so the rest of the cleanup goes on; API
/// errors are returned.
pub async fn restore_one(
    eng: &Engine,
    server: &cvm::Instance,
    path: &str,
    backup: &str,
    backup_sha256: Option<&str>,
    vip: Option<&str>,
) -> Result<RestoreOutcome, StepError> {
    let id = server.instance_id.clone().unwrap_or_default();
    let copy = manual_copy(path, backup);
    let left = |key: &str, points_at_vip: bool, extra: &[(&str, &dyn std::fmt::Display)]| {
        let mut args: Vec<(&str, &dyn std::fmt::Display)> = vec![
            ("instance", &id),
            ("path", &path),
            ("backup", &backup),
            ("copy", &copy),
        ];
        args.extend_from_slice(extra);
        Ok(RestoreOutcome::Left {
            why: tf(eng.lang, key, &args),
            points_at_vip,
        })
    };
    if !agent_online(eng, &id).await? {
        return left("engine.cleanup.sdk_offline", true, &[]);
    }
    // A TAT task that failed or did not finish may be a passing problem
    // (agent restarting, network): tried again with a growing pause before
    // the file is given up on and every deletion held back.
    let mut attempt = 0u32;
    let outcome = loop {
        let outcome = try_restore(eng, server, &id, path, backup, backup_sha256, vip).await;
        let transient = matches!(
            outcome,
            Ok(Restored::Problem(Problem::Failed(_))) | Err(StepError::Failed { .. })
        );
        if !transient || attempt >= RESTORE_RETRIES {
            break outcome;
        }
        attempt += 1;
        let wait = eng
            .poll
            .scaled(std::time::Duration::from_secs(2u64 << attempt));
        eng.log(
            "engine.cleanup.sdk_retry",
            &[("id", &id), ("n", &attempt), ("secs", &wait.as_secs_f64())],
        );
        tokio::time::sleep(wait).await;
    };
    match outcome {
        Ok(Restored::Done(saved_edit)) => {
            eng.log(
                "engine.cleanup.sdk_restored_log",
                &[("id", &id), ("path", &path), ("backup", &backup)],
            );
            Ok(RestoreOutcome::Restored { saved_edit })
        }
        Ok(Restored::Already) => Ok(RestoreOutcome::AlreadyRestored),
        Ok(Restored::Problem(p)) => {
            let at_vip = still_at_vip(&p, vip);
            match p {
                Problem::VipUnknown => left("engine.cleanup.sdk_vip_unknown", at_vip, &[]),
                Problem::ChangedSince { url } => {
                    let url = url.unwrap_or_else(|| "-".into());
                    left("engine.cleanup.sdk_changed", at_vip, &[("url", &url)])
                }
                Problem::FileMissing => left("engine.cleanup.sdk_file_missing", at_vip, &[]),
                Problem::BackupMissing => left("engine.cleanup.sdk_backup_missing", at_vip, &[]),
                Problem::BackupChanged => left("engine.cleanup.sdk_backup_changed", at_vip, &[]),
                Problem::RestartFailed(restart) => left(
                    "engine.cleanup.sdk_restart_failed",
                    at_vip,
                    &[("restart", &restart)],
                ),
                Problem::Failed(reason) => {
                    left("engine.cleanup.sdk_failed", at_vip, &[("reason", &reason)])
                }
            }
        }
        // A TAT task that did not finish (timeout, delivery failure): left, not fatal.
        Err(StepError::Failed { reason, .. }) => left(
            "engine.cleanup.sdk_failed",
            true,
            &[("reason", &reason.in_lang(eng.lang))],
        ),
        Err(e) => Err(e),
    }
}

/// Whether a file left unrestored may still point at the run's VIP (its
/// server's login then breaks once the CLB goes): not when it is missing,
/// nor when the original is back and only the restart failed, nor when
/// someone's later edit no longer names the VIP; in every other case it may.
fn still_at_vip(p: &Problem, vip: Option<&str>) -> bool {
    match p {
        Problem::FileMissing | Problem::RestartFailed(_) => false,
        Problem::ChangedSince { url: Some(url) } => vip.is_none_or(|v| url.contains(v)),
        Problem::ChangedSince { url: None }
        | Problem::VipUnknown
        | Problem::BackupMissing
        | Problem::BackupChanged
        | Problem::Failed(_) => true,
    }
}

enum Restored {
    Done(String),
    Already,
    Problem(Problem),
}

enum Problem {
    VipUnknown,
    ChangedSince {
        url: Option<String>,
    },
    FileMissing,
    BackupMissing,
    /// The backup no longer holds the original the journal recorded (sha256).
    BackupChanged,
    /// Restored, but the restart (this command) failed.
    RestartFailed(String),
    Failed(String),
}

async fn try_restore(
    eng: &Engine,
    server: &cvm::Instance,
    id: &str,
    path: &str,
    backup: &str,
    backup_sha256: Option<&str>,
    vip: Option<&str>,
) -> Result<Restored, StepError> {
    for _attempt in 0..3 {
        let current = match read(eng, id, path).await? {
            Ok(r) => r,
            Err(RemoteError::Missing) => return Ok(Restored::Problem(Problem::FileMissing)),
            Err(e) => return Ok(Restored::Problem(Problem::Failed(e.to_string()))),
        };
        let original = match read(eng, id, backup).await? {
            Ok(r) => r,
            Err(RemoteError::Missing) => return Ok(Restored::Problem(Problem::BackupMissing)),
            Err(e) => return Ok(Restored::Problem(Problem::Failed(e.to_string()))),
        };
        if backup_sha256.is_some_and(|s| !s.eq_ignore_ascii_case(&original.sha256)) {
            return Ok(Restored::Problem(Problem::BackupChanged));
        }
        match restore_decision(&current.content, &original.content, vip) {
            RestoreDecision::Restore => {}
            RestoreDecision::AlreadyRestored => return Ok(Restored::Already),
            RestoreDecision::VipUnknown => return Ok(Restored::Problem(Problem::VipUnknown)),
            RestoreDecision::ChangedSince { url } => {
                return Ok(Restored::Problem(Problem::ChangedSince { url }))
            }
        }
        let runtime = runtimes(eng, &[server])
            .await?
            .remove(id)
            .unwrap_or(Runtime::Java);
        let restart = Restart {
            runtime,
            name: None,
        };
        // Unique like the forward edit's backup (run id, sub-second time),
        // and marked apart from it: no backup is ever overwritten.
        let run_id = eng.recorded(|r| r.id().to_string());
        let saved_edit = format!(
            "{}.before-restore",
            remote_op::run_backup_path(path, &run_id, chrono::Utc::now())
        );
        let op = RemoteOp::CasWrite {
            path: path.to_string(),
            expected_sha256: current.sha256.clone(),
            content_b64: remote_op::b64(original.content.as_bytes()),
            backup_path: Some(saved_edit),
            restart: Some(restart.clone()),
        };
        let script = scripts::script_for(&op);
        let r = run_command(
            eng,
            id,
            &script.text,
            script.command_type(),
            "tcscale-restore",
        )
        .await?;
        if !matches!(r.status.as_str(), "SUCCESS" | "FAILED") {
            return Ok(Restored::Problem(Problem::Failed(format!(
                "{} {}",
                r.status, r.output
            ))));
        }
        return Ok(match parse_write_output(r.exit_code, &r.output) {
            Ok(w) => Restored::Done(w.backup_path),
            // Someone wrote between the read and the swap: look again.
            Err(RemoteError::Conflict { .. }) => continue,
            Err(RemoteError::RestartFailed) => {
                Restored::Problem(Problem::RestartFailed(restart.command()))
            }
            Err(e) => Restored::Problem(Problem::Failed(e.to_string())),
        });
    }
    Ok(Restored::Problem(Problem::Failed(t(
        eng.lang,
        "engine.sdk.keeps_changing",
    ))))
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_file_left_unrestored_may_still_point_at_the_vip_unless_shown_otherwise() {
        let vip = Some("10.0.1.13");
        assert!(!still_at_vip(&Problem::FileMissing, vip));
        assert!(!still_at_vip(
            &Problem::RestartFailed("pm2 restart all".into()),
            vip
        ));
        let elsewhere = Problem::ChangedSince {
            url: Some("http://10.0.1.9/mina_auth/".into()),
        };
        assert!(!still_at_vip(&elsewhere, vip));
        let still = Problem::ChangedSince {
            url: Some("http://10.0.1.13/mina_auth/".into()),
        };
        assert!(still_at_vip(&still, vip));
        assert!(still_at_vip(&Problem::ChangedSince { url: None }, vip));
        assert!(still_at_vip(&Problem::VipUnknown, None));
        assert!(still_at_vip(&Problem::BackupMissing, vip));
        assert!(still_at_vip(&Problem::Failed("TIMEOUT".into()), vip));
    }

    use super::*;

    const NODE: &str = include_str!("../../../assets/samples/sdk.config.node");
    const DOTNET: &str = include_str!("../../../assets/samples/sdk.config.dotnet");
    const VIP: &str = "10.0.1.20";

    fn ours(original: &str) -> String {
        sdk_config::set_auth_server_url(original, VIP).unwrap()
    }

    #[test]
    fn tcscales_own_edit_is_restored() {
        for original in [NODE, DOTNET] {
            let current = ours(original);
            assert_ne!(current, original);
            assert_eq!(
                restore_decision(&current, original, Some(VIP)),
                RestoreDecision::Restore
            );
        }
    }

    #[test]
    fn a_file_equal_to_its_backup_is_already_restored() {
        assert_eq!(
            restore_decision(NODE, NODE, Some(VIP)),
            RestoreDecision::AlreadyRestored
        );
        // Even when the VIP is not known: nothing would be written.
        assert_eq!(
            restore_decision(NODE, NODE, None),
            RestoreDecision::AlreadyRestored
        );
    }

    #[test]
    fn any_later_change_is_left_alone() {
        let current = ours(NODE);
        // Pointed somewhere else since.
        let elsewhere = sdk_config::set_auth_server_url(NODE, "10.0.9.9").unwrap();
        assert_eq!(
            restore_decision(&elsewhere, NODE, Some(VIP)),
            RestoreDecision::ChangedSince {
                url: Some("http://10.0.9.9/mina_auth/".into())
            }
        );
        // Still at the VIP, but another key, a comment or only whitespace
        // changed: a restore would throw that away.
        let other_key = current.replacen('{', "{\n  \"extra\": 1,", 1);
        let comment = format!("// edited by ops\n{current}");
        let whitespace = format!("{current}\n");
        for changed in [other_key, comment, whitespace] {
            assert!(
                matches!(
                    restore_decision(&changed, NODE, Some(VIP)),
                    RestoreDecision::ChangedSince { url: Some(u) } if u == "http://10.0.1.20/mina_auth/"
                ),
                "{changed}"
            );
        }
        // Not even JSON any more.
        assert_eq!(
            restore_decision("garbage", NODE, Some(VIP)),
            RestoreDecision::ChangedSince { url: None }
        );
        // The same file under another VIP is not this run's edit.
        assert!(matches!(
            restore_decision(&current, NODE, Some("10.0.1.21")),
            RestoreDecision::ChangedSince { .. }
        ));
    }

    #[test]
    fn without_the_vip_nothing_is_restored() {
        assert_eq!(
            restore_decision(&ours(NODE), NODE, None),
            RestoreDecision::VipUnknown
        );
        assert_eq!(
            restore_decision(&ours(NODE), NODE, Some("")),
            RestoreDecision::VipUnknown
        );
    }

    #[test]
    fn manual_copy_quotes_for_the_servers_shell() {
        assert_eq!(
            manual_copy(
                "/etc/qcloud/sdk.config",
                "/etc/qcloud/sdk.config.bak.20260601120000"
            ),
            "cp -p '/etc/qcloud/sdk.config.bak.20260601120000' '/etc/qcloud/sdk.config'"
        );
        assert_eq!(
            manual_copy(r"C:\qcloud\sdk.config", r"C:\qcloud\it's.bak"),
            r"Copy-Item -Force 'C:\qcloud\it''s.bak' 'C:\qcloud\sdk.config'"
        );
    }
}
