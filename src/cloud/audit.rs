//! The API audit log: one JSON line per attempt of every call, so a user can
//! see afterwards exactly what tcscale did in their account. It records what
//! was called and what came back, never credentials or request bodies.
//!
//! The calls of a scale-out run (apply, resume, cleanup, the wizard's run)
//! go to `<data dir>/audit/<run id>.jsonl`, named like the run's journal;
//! a command without a run (`api`, `browse`) writes
//! `<data dir>/audit/<process id>.jsonl`. Every file is mode 0600.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Serialize};

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// RFC 3339, UTC, when the attempt started.
    pub time: String,
    pub service: String,
    pub action: String,
    pub region: String,
    pub request_id: Option<String>,
    pub duration_ms: u64,
    /// 1 for the first attempt of a call, 2 for its first retry…
    pub attempt: u32,
    /// The API error code (or `Network`, `Decode.HTTP502`…); `None` on success.
    pub error_code: Option<String>,
}

/// tcscale's directories (`ProjectDirs::from("com", "tcscale", "tcscale")`).
pub fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("com", "tcscale", "tcscale")
}

/// This process's id (not a scale-out run's): start time and a random
/// suffix, sortable by time. Names the tracing log, and the audit log of
/// calls made outside any run.
pub fn run_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let uuid = uuid::Uuid::new_v4().simple().to_string();
        format!(
            "{}-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
            &uuid[..8]
        )
    })
}

/// `<data dir>/audit/<process id>.jsonl`, shared by every client of this
/// process that works on no run.
pub fn default_audit_path() -> Option<PathBuf> {
    project_dirs().map(|d| {
        d.data_dir()
            .join("audit")
            .join(format!("{}.jsonl", run_id()))
    })
}

/// The audit file of run `run_id` beside `audit_path` (another file of the
/// same audit dir): `<audit dir>/<run id>.jsonl`. Characters that do not
/// belong in a file name become `_`, as in the run's journal name.
pub fn run_audit_path(audit_path: &Path, run_id: &str) -> PathBuf {
    let safe: String = run_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    audit_path
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join(format!("{safe}.jsonl"))
}

/// Creates a directory (and parents) readable by the owner only.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Opens a file for appending, creating it with mode 0600.
pub fn open_private_append(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Which run the calls belong to now (`None`: no run, the process's file).
/// Asked at every record: the wizard's run changes during a session.
pub type RunOf = std::sync::Arc<dyn Fn() -> Option<String> + Send + Sync>;

/// The audit log of one client (and its clones). The file is opened on the
/// first record; a log that cannot be written is reported once to the log
/// file and never fails a call.
pub struct AuditLog {
    /// The file when no run is worked on (and the directory of run files);
    /// `None` records nothing.
    path: Option<PathBuf>,
    run: Option<RunOf>,
    /// The open file and its path (a new run opens its own).
    file: Mutex<Option<(PathBuf, File)>>,
    failed: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("path", &self.path)
            .field("follows_a_run", &self.run.is_some())
            .finish()
    }
}

impl AuditLog {
    /// `None` records nothing.
    pub fn new(path: Option<PathBuf>) -> Self {
        AuditLog {
            path,
            run: None,
            file: Mutex::new(None),
            failed: Default::default(),
        }
    }

    /// A log whose records go to the file of the run `run` names when it
    /// names one ([`run_audit_path`] beside `path`), else to `path`.
    pub fn following(path: Option<PathBuf>, run: RunOf) -> Self {
        AuditLog {
            run: Some(run),
            ..AuditLog::new(path)
        }
    }

    /// The process's file (or the directory's, for a log that follows a run).
    pub fn base_path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The file the next record goes to.
    pub fn path(&self) -> Option<PathBuf> {
        let base = self.path.as_deref()?;
        match self.run.as_ref().and_then(|run| run()) {
            Some(id) if !id.is_empty() => Some(run_audit_path(base, &id)),
            _ => Some(base.to_path_buf()),
        }
    }

    pub fn record(&self, record: &AuditRecord) {
        let Some(path) = self.path() else { return };
        if let Err(e) = self.append(&path, record) {
            if !self.failed.swap(true, std::sync::atomic::Ordering::Relaxed) {
                tracing::warn!("cannot write the audit log {}: {e}", path.display());
            }
        }
    }

    fn append(&self, path: &Path, record: &AuditRecord) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(record)?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if file.as_ref().is_none_or(|(open, _)| open != path) {
            *file = Some((path.to_path_buf(), open_private_append(path)?));
        }
        // one write per line: O_APPEND keeps lines whole across processes
        file.as_mut().expect("opened above").1.write_all(&line)
    }
}

/// `<data dir>/logs/<run-id>.log`.
pub fn default_log_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().join("logs").join(format!("{}.log", run_id())))
}

/// Sends `tracing` output to a file only: the terminal belongs to the TUI
/// (and stdout to `tcscale api`'s JSON). `RUST_LOG` sets the filter
/// (default `info`). Calling it twice keeps the first subscriber.
pub fn init_logging(path: &Path) -> std::io::Result<()> {
    let file = open_private_append(path)?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(attempt: u32) -> AuditRecord {
        AuditRecord {
            time: "2026-01-01T00:00:00Z".into(),
            service: "cvm".into(),
            action: "DescribeInstances".into(),
            region: "ap-guangzhou".into(),
            request_id: Some("rid".into()),
            duration_ms: 12,
            attempt,
            error_code: None,
        }
    }

    #[test]
    fn appends_one_json_line_per_record_in_a_private_file() {
        let dir = std::env::temp_dir().join(format!("tcscale-audit-{}", uuid::Uuid::new_v4()));
        let path = dir.join("audit").join("run.jsonl");
        let log = AuditLog::new(Some(path.clone()));
        log.record(&record(1));
        log.record(&record(2));
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<AuditRecord> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines, vec![record(1), record(2)]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_log_following_a_run_writes_the_run_file_beside_the_process_file() {
        let dir = std::env::temp_dir().join(format!("tcscale-audit-{}", uuid::Uuid::new_v4()));
        let process = dir.join("audit").join("20260101T000000Z-0000abcd.jsonl");
        let run = std::sync::Arc::new(Mutex::new(None::<String>));
        let follow = run.clone();
        let log = AuditLog::following(
            Some(process.clone()),
            std::sync::Arc::new(move || follow.lock().unwrap().clone()),
        );
        assert_eq!(log.path().as_deref(), Some(process.as_path()));
        log.record(&record(1));
        *run.lock().unwrap() = Some("20260101-000001-1234abcd".into());
        let run_file = dir.join("audit").join("20260101-000001-1234abcd.jsonl");
        assert_eq!(log.path().as_deref(), Some(run_file.as_path()));
        log.record(&record(1));
        log.record(&record(2));
        *run.lock().unwrap() = Some("../x/y".into());
        assert_eq!(log.path(), Some(dir.join("audit").join("___x_y.jsonl")));
        let lines = |p: &Path| std::fs::read_to_string(p).unwrap().lines().count();
        assert_eq!((lines(&process), lines(&run_file)), (1, 2));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&run_file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(
            AuditLog::following(None, std::sync::Arc::new(|| Some("r".into())))
                .path()
                .is_none()
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn run_ids_are_stable_within_a_run() {
        assert_eq!(run_id(), run_id());
        assert!(run_id().len() > 16);
    }
}
