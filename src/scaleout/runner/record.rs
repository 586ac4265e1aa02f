//! What a run has done so far: each step's state and output, every
//! ClientToken (written before its call is sent) and every resource created.
//! Saved atomically (temp file + rename, mode 0600) after every change, so a
//! killed process leaves a record that `resume` and `cleanup` can trust.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The steps of the guide, as the engine performs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepName {
    Discover,
    Image,
    Launch,
    LoadBalancer,
    Listener,
    Bind,
    SecurityGroup,
    SdkConfig,
    Health,
}

impl StepName {
    pub fn key(self) -> &'static str {
        match self {
            StepName::Discover => "discover",
            StepName::Image => "image",
            StepName::Launch => "launch",
            StepName::LoadBalancer => "load-balancer",
            StepName::Listener => "listener",
            StepName::Bind => "bind",
            StepName::SecurityGroup => "security-group",
            StepName::SdkConfig => "sdk-config",
            StepName::Health => "health",
        }
    }
}

/// Which half of the guide a step belongs to ("both" runs session, then business).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Session,
    Business,
}

impl Phase {
    pub fn key(self) -> &'static str {
        match self {
            Phase::Session => "session",
            Phase::Business => "business",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    Started,
    Done,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepState {
    pub status: StepStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The step's typed output, as JSON (what resume continues from).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub output: serde_json::Value,
}

/// A resource this run created (what `cleanup` deletes, newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub kind: ResourceKind,
    pub id: String,
    /// The CLB of a listener, the security group of a rule, the instance of an sdk.config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// What identifies it beyond the id (the rule's text, the backup path…).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    Image,
    Instance,
    LoadBalancer,
    Listener,
    SecurityGroupRule,
    SdkConfigChange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    Running,
    Done,
    Failed,
    CleanedUp,
}

/// The journal of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: String,
    pub created_at: String,
    pub updated_at: String,
    pub region: String,
    /// The plan file's text, so `resume` runs exactly the same plan.
    pub plan: String,
    pub status: RunStatus,
    /// `<phase>.<step>` → state.
    pub steps: BTreeMap<String, StepState>,
    /// `<phase>.<step>` → ClientToken, stored before the call that uses it.
    pub tokens: BTreeMap<String, String>,
    pub created: Vec<Created>,
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

impl RunRecord {
    /// A new record; `dir` is where journals live (None: in memory only, for tests).
    pub fn new(region: &str, plan: &str, dir: Option<&Path>) -> RunRecord {
        let now = chrono::Utc::now();
        let id = format!(
            "{}-{}",
            now.format("%Y%m%d-%H%M%S"),
            &uuid::Uuid::new_v4().simple().to_string()[..6]
        );
        RunRecord {
            path: dir.map(|d| d.join(format!("{id}.json"))),
            id,
            created_at: now.to_rfc3339(),
            updated_at: now.to_rfc3339(),
            region: region.to_string(),
            plan: plan.to_string(),
            status: RunStatus::Running,
            steps: BTreeMap::new(),
            tokens: BTreeMap::new(),
            created: Vec::new(),
        }
    }

    pub fn step_key(phase: Phase, step: StepName) -> String {
        format!("{}.{}", phase.key(), step.key())
    }

    pub fn step(&self, phase: Phase, step: StepName) -> Option<&StepState> {
        self.steps.get(&Self::step_key(phase, step))
    }

    pub fn is_done(&self, phase: Phase, step: StepName) -> bool {
        self.step(phase, step)
            .is_some_and(|s| s.status == StepStatus::Done)
    }

    pub fn set_step(
        &mut self,
        phase: Phase,
        step: StepName,
        status: StepStatus,
        output: serde_json::Value,
        error: Option<String>,
    ) {
        self.steps.insert(
            Self::step_key(phase, step),
            StepState {
                status,
                error,
                output,
            },
        );
    }

    /// The ClientToken of a logical creation: made once, then always the same,
    /// so a retry or a resume can never create twice. At most 64 ASCII characters.
    pub fn token(&mut self, phase: Phase, step: StepName) -> String {
        let key = Self::step_key(phase, step);
        let id = &self.id;
        self.tokens
            .entry(key.clone())
            .or_insert_with(|| {
                let mut t = format!("tcscale-{id}-{key}");
                t.truncate(64);
                t
            })
            .clone()
    }

    /// Records a created resource once (re-attaching does not duplicate it).
    pub fn add_created(&mut self, c: Created) {
        if !self
            .created
            .iter()
            .any(|x| x.kind == c.kind && x.id == c.id && x.parent == c.parent)
        {
            self.created.push(c);
        }
    }

    pub fn created_of(&self, kind: ResourceKind) -> Vec<&Created> {
        self.created.iter().filter(|c| c.kind == kind).collect()
    }

    /// Writes the journal atomically, readable by the user only.
    pub fn save(&mut self) -> Result<(), String> {
        self.updated_at = chrono::Utc::now().to_rfc3339();
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        write_atomic(&path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    pub fn load(path: &Path) -> Result<RunRecord, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut rec: RunRecord = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a tcscale journal: {e}", path.display()))?;
        rec.path = Some(path.to_path_buf());
        Ok(rec)
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("journal")
    ));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

/// Where journals live: `$TCSCALE_DATA_DIR/runs`, else the platform data dir.
pub fn runs_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("TCSCALE_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("runs");
    }
    directories::ProjectDirs::from("com", "tcscale", "tcscale")
        .map(|p| p.data_dir().join("runs"))
        .unwrap_or_else(|| PathBuf::from(".tcscale/runs"))
}

/// Every journal in `dir`, oldest first; unreadable files are reported, not skipped silently.
pub fn list_runs(dir: &Path) -> Vec<Result<RunRecord, String>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|p| RunRecord::load(p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stable_and_short() {
        let mut r = RunRecord::new("ap-guangzhou", "", None);
        let a = r.token(Phase::Session, StepName::Launch);
        let b = r.token(Phase::Session, StepName::Launch);
        let c = r.token(Phase::Business, StepName::Launch);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.len() <= 64 && a.is_ascii());
    }

    #[test]
    fn saves_atomically_and_loads_back_private() {
        let dir = std::env::temp_dir().join(format!("tcscale-rec-{}", uuid::Uuid::new_v4()));
        let mut r = RunRecord::new("ap-guangzhou", "role = \"session\"\n", Some(&dir));
        r.token(Phase::Session, StepName::Launch);
        r.add_created(Created {
            kind: ResourceKind::Image,
            id: "img-1".into(),
            parent: None,
            detail: String::new(),
        });
        r.add_created(Created {
            kind: ResourceKind::Image,
            id: "img-1".into(),
            parent: None,
            detail: String::new(),
        });
        r.save().unwrap();
        let path = r.path.clone().unwrap();
        let back = RunRecord::load(&path).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.created.len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(list_runs(&dir).len(), 1);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
