//! The engine's handle on the run journal ([`crate::scaleout::journal`]):
//! the journal itself plus where it is saved, and the few operations the
//! steps need in the engine's terms (a typed phase, a ClientToken derived
//! from the run id). There is one journal format: `scaleout::journal`'s.

use std::path::{Path, PathBuf};

use chrono::Utc;

use crate::i18n::Lang;
use crate::scaleout::journal::{
    ClaimError, Journal, JournalError, JournalStore, LockHolder, Resource, RunLock, StepState,
};
pub use crate::scaleout::journal::{ResourceKind, RunStatus};
use crate::scaleout::plan::Plan;
pub use crate::scaleout::steps::Step;

/// Which half of the guide a step belongs to ("both" runs session, then business).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

/// The journal of the run in progress, saved after every change.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub journal: Journal,
    store: Option<JournalStore>,
    /// The journal file (None: in memory only, for tests and benchmarks).
    pub path: Option<PathBuf>,
    /// This process's hold on the run (taken at load, or at the first save
    /// of a new run): no other tcscale process resumes or cleans it up meanwhile.
    lock: Option<std::sync::Arc<RunLock>>,
}

impl RunRecord {
    fn with(journal: Journal, dir: Option<&Path>) -> RunRecord {
        let store = dir.map(JournalStore::new);
        let path = store.as_ref().map(|s| s.path_of(&journal.run_id));
        RunRecord {
            journal,
            store,
            path,
            lock: None,
        }
    }

    /// A new run of a plan file; `dir` is where journals live.
    pub fn for_plan(region: &str, plan: Plan, dir: Option<&Path>) -> RunRecord {
        let now = Utc::now();
        let mut j = Journal::new(&Journal::new_run_id(now), plan, now);
        j.region = region.to_string();
        RunRecord::with(j, dir)
    }

    /// A new wizard run: steps are journaled as the user reaches them.
    pub fn interactive(region: &str, dir: Option<&Path>) -> RunRecord {
        let now = Utc::now();
        RunRecord::with(Journal::open(&Journal::new_run_id(now), region, now), dir)
    }

    /// The next wizard run of this session, journaled beside this one (the
    /// wizard starts over after its own run was cleaned up).
    pub fn next_interactive(&self) -> RunRecord {
        let now = Utc::now();
        let mut j = Journal::open(&Journal::new_run_id(now), &self.journal.region, now);
        j.sandbox = self.journal.sandbox.clone();
        RunRecord::with(j, self.store.as_ref().map(|s| s.dir.as_path()))
    }

    /// A new run made in the sandbox world `world` (none: a real account).
    pub fn in_world(mut self, world: Option<&str>) -> RunRecord {
        self.journal.sandbox = world.map(str::to_string);
        self
    }

    /// A journaled run, to resume or clean up: refused (with who holds it,
    /// in `lang`) while another process works on it.
    pub fn load(store: &JournalStore, run_id: &str, lang: Lang) -> Result<RunRecord, String> {
        let lock = store.lock(run_id).map_err(|e| e.explain(lang))?;
        let j = store.load(run_id).map_err(|e| e.explain(lang))?;
        let mut r = RunRecord::with(j, Some(&store.dir));
        r.lock = Some(lock);
        Ok(r)
    }

    pub fn id(&self) -> &str {
        &self.journal.run_id
    }

    /// Starts this new run: checks for an active run it would collide
    /// with (the same plan, the same source server or CLB) and writes the
    /// journal and takes its lock, atomically across processes
    /// ([`JournalStore::claim`]). Before any call is sent, so a refused run
    /// sends nothing. A no-op in memory or once claimed.
    pub fn claim(&mut self) -> Result<(), ClaimError> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        if self.lock.is_none() {
            self.lock = Some(store.claim(&self.journal)?);
        }
        Ok(())
    }

    /// What this run created that another run of the data dir records too:
    /// id → that run (see [`JournalStore::shared_with_other_runs`]).
    pub fn shared_with_other_runs(&self) -> std::collections::BTreeMap<String, String> {
        self.store
            .as_ref()
            .map(|s| s.shared_with_other_runs(&self.journal))
            .unwrap_or_default()
    }

    /// Forgets a claimed run that never sent a call (its plan was refused).
    pub fn discard(mut self) {
        if let Some(store) = &self.store {
            store.discard(&self.journal.run_id);
        }
        self.lock = None;
    }

    /// Other runs that another tcscale process works on now and that name
    /// `resource` (a CLB, an instance): two runs changing one CLB at once
    /// collide (one task at a time, each binding its own servers), so the
    /// user is warned.
    pub fn active_elsewhere(&self, resource: &str) -> Vec<(String, LockHolder)> {
        let Some(store) = &self.store else {
            return Vec::new();
        };
        store
            .list_runs()
            .0
            .into_iter()
            .filter(|j| j.run_id != self.journal.run_id && j.is_unfinished())
            .filter(|j| {
                serde_json::to_string(j).is_ok_and(|text| text.contains(&format!("\"{resource}\"")))
            })
            .filter_map(|j| store.holder(&j.run_id).map(|h| (j.run_id, h)))
            .collect()
    }

    pub fn status(&self) -> RunStatus {
        self.journal.status()
    }

    /// The step's state, if the journal has the step.
    pub fn state(&self, phase: &str, step: Step) -> Option<&StepState> {
        self.journal.step(phase, step).map(|s| &s.state)
    }

    pub fn is_done(&self, phase: &str, step: Step) -> bool {
        matches!(self.state(phase, step), Some(StepState::Done))
    }

    /// The step's recorded result (null when none).
    pub fn output(&self, phase: &str, step: Step) -> serde_json::Value {
        self.journal
            .step(phase, step)
            .map(|s| s.output.clone())
            .unwrap_or_default()
    }

    /// Applies one journal transition to `step`, adding the step first if
    /// the journal lacks it (a wizard run, a step outside the plan).
    fn transition(
        &mut self,
        phase: &str,
        step: Step,
        f: impl FnOnce(&mut Journal, chrono::DateTime<Utc>) -> Result<(), JournalError>,
    ) -> Result<(), String> {
        self.journal.ensure_step(phase, step);
        f(&mut self.journal, Utc::now()).map_err(|e| e.to_string())
    }

    pub fn start(&mut self, phase: &str, step: Step) -> Result<(), String> {
        self.transition(phase, step, |j, now| j.mark_running(phase, step, now))
    }

    /// A step starts: with a plan, every step of its phases is listed first
    /// (pending), so a run stopped between two steps, or between the two
    /// halves of "both", is still unfinished.
    pub fn begin(&mut self, phase: &str, step: Step) -> Result<(), String> {
        self.list_planned_steps();
        self.start(phase, step)
    }

    /// The journal's steps follow its plan: every planned step listed (pending
    /// until done), and a Summary listed while the plan had one half only
    /// moved to the end of the last half once it has both.
    pub fn list_planned_steps(&mut self) {
        let Some(p) = self.journal.plan.clone() else {
            return;
        };
        for (key, present) in [
            ("session", p.role.has_session() && p.session.is_some()),
            ("business", p.role.has_business() && p.business.is_some()),
        ] {
            if !present {
                continue;
            }
            let planned = crate::scaleout::steps::steps_of(key == "session", &p);
            for s in &planned {
                self.journal.ensure_step(key, *s);
            }
            self.journal.steps.retain(|s| {
                !(s.phase == key
                    && s.step == Step::Summary
                    && s.state == StepState::Pending
                    && !planned.contains(&Step::Summary))
            });
        }
    }

    /// The wizard's plan for `phase`, filled in as the user goes (created
    /// on first use): what a resume of the run continues with. The role
    /// follows the phases noted, so "both" is one run with one plan.
    pub fn note_plan(&mut self, phase: Phase, f: impl FnOnce(&mut crate::scaleout::plan::Phase)) {
        use crate::scaleout::plan::Role;
        let region = self.journal.region.clone();
        let p = self.journal.plan.get_or_insert_with(|| Plan {
            role: Role::Session,
            region: (!region.is_empty()).then_some(region),
            // Only a ^O on the launch form accepts mismatches (note_override).
            override_consistency: false,
            session: None,
            business: None,
            autoscaling: None,
        });
        let slot = match phase {
            Phase::Session => &mut p.session,
            Phase::Business => &mut p.business,
        };
        f(slot.get_or_insert_with(Default::default));
        p.role = match (p.session.is_some(), p.business.is_some()) {
            (true, true) => Role::Both,
            (false, true) => Role::Business,
            _ => Role::Session,
        };
    }

    /// The user accepted the consistency mismatches (^O on the launch form).
    pub fn note_override(&mut self) {
        if let Some(p) = self.journal.plan.as_mut() {
            p.override_consistency = true;
        }
    }

    /// The phase is over in the wizard: what it did not do is skipped, so
    /// the run is no longer unfinished on its account.
    pub fn end_phase(&mut self, phase: Phase) -> Result<(), String> {
        let pending: Vec<Step> = self
            .journal
            .steps
            .iter()
            .filter(|s| s.phase == phase.key())
            .filter(|s| matches!(s.state, StepState::Pending | StepState::Running))
            .map(|s| s.step)
            .collect();
        for s in pending {
            self.skipped(phase.key(), s)?;
        }
        Ok(())
    }

    pub fn set_output(
        &mut self,
        phase: &str,
        step: Step,
        output: serde_json::Value,
    ) -> Result<(), String> {
        self.transition(phase, step, |j, now| j.set_output(phase, step, output, now))
    }

    pub fn done(&mut self, phase: &str, step: Step) -> Result<(), String> {
        self.transition(phase, step, |j, now| j.mark_done(phase, step, now))
    }

    pub fn failed(&mut self, phase: &str, step: Step, reason: &str) -> Result<(), String> {
        self.transition(phase, step, |j, now| {
            j.mark_failed(phase, step, reason, now)
        })
    }

    pub fn skipped(&mut self, phase: &str, step: Step) -> Result<(), String> {
        self.transition(phase, step, |j, now| j.mark_skipped(phase, step, now))
    }

    /// The ClientToken of a logical creation: made once, journaled before the
    /// call that uses it, then always the same, so a retry or a resume can
    /// never create twice. At most 64 ASCII characters.
    pub fn token(&mut self, phase: Phase, step: Step) -> Result<String, String> {
        let key = phase.key();
        self.journal.ensure_step(key, step);
        let mut fresh = format!(
            "tcscale-{}-{key}-{}",
            self.journal.run_id,
            serde_json::to_value(step)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        );
        // 60, not the API's 64: a retried attempt appends `-aN`.
        fresh.truncate(60);
        self.journal
            .record_token_before_call(key, step, &fresh, Utc::now())
            .map_err(|e| e.to_string())
    }

    /// Retires the step's ClientToken after its creation failed for good
    /// (LAUNCH_FAILED): the API would answer the old token with the failed
    /// resources forever, so the next attempt sends `<base>-a<N+1>`,
    /// journaled (by the caller's save) before the call like the first.
    pub fn next_attempt_token(&mut self, phase: Phase, step: Step) -> Result<String, String> {
        let current = self.token(phase, step)?;
        let (base, n) = token_attempt(&current);
        let next = format!("{base}-a{}", n + 1);
        if let Some(s) = self
            .journal
            .steps
            .iter_mut()
            .find(|s| s.phase == phase.key() && s.step == step)
        {
            s.client_token = Some(next.clone());
        }
        Ok(next)
    }

    /// Journaled before a creation that takes no ClientToken (CreateImage,
    /// CreateListener): what it is about to make, with the key it can be
    /// found by (an image's name, a listener's `TCP:80`). If the process dies
    /// before the answer is journaled, resume and cleanup find the resource
    /// by that key; [`RunRecord::add_created`] of the same kind, parent and
    /// key turns the intent into the resource.
    pub fn add_intent(&mut self, kind: ResourceKind, parent: Option<&str>, key: &str) {
        if self.intent(kind, parent, key).is_none() {
            let region = self.journal.region.clone();
            self.journal.created_resources.push(Resource {
                kind,
                id: String::new(),
                region,
                parent: parent.map(str::to_string),
                detail: key.to_string(),
                sha256: None,
            });
        }
    }

    /// Journaled before an sdk.config write on `instance`: the backup it
    /// makes and the original's sha256. A process killed during the write
    /// leaves this intent; resume and cleanup look for the backup on the
    /// server (present: the write may have happened, so it is restored).
    pub fn add_write_intent(&mut self, instance: &str, backup: &str, sha256: &str) {
        self.add_intent(ResourceKind::SdkConfigChange, Some(instance), backup);
        if let Some(r) = self.journal.created_resources.iter_mut().find(|r| {
            r.kind == ResourceKind::SdkConfigChange
                && r.id.is_empty()
                && r.parent.as_deref() == Some(instance)
                && r.detail == backup
        }) {
            r.sha256 = Some(sha256.to_string());
        }
    }

    /// The sdk.config write intents of `instance` not yet answered for.
    pub fn write_intents(&self, instance: &str) -> Vec<Resource> {
        self.journal
            .created_resources
            .iter()
            .filter(|r| {
                r.kind == ResourceKind::SdkConfigChange
                    && r.id.is_empty()
                    && r.parent.as_deref() == Some(instance)
            })
            .cloned()
            .collect()
    }

    /// Drops an intent that made nothing (the write was refused, or never ran).
    pub fn drop_intent(&mut self, intent: &Resource) {
        self.journal
            .created_resources
            .retain(|r| !(r.id.is_empty() && r == intent));
    }

    /// The intent not yet answered for (kind, parent, key), if any.
    pub fn intent(&self, kind: ResourceKind, parent: Option<&str>, key: &str) -> Option<&Resource> {
        self.journal.created_resources.iter().find(|r| {
            r.kind == kind && r.id.is_empty() && r.parent.as_deref() == parent && r.detail == key
        })
    }

    /// The intent (kind, parent, key) was carried out: it becomes the
    /// resource `id` with `detail`. False when there was no such intent.
    pub fn fulfil_intent(
        &mut self,
        kind: ResourceKind,
        parent: Option<&str>,
        key: &str,
        id: &str,
        detail: &str,
    ) -> bool {
        match self.journal.created_resources.iter_mut().find(|r| {
            r.kind == kind && r.id.is_empty() && r.parent.as_deref() == parent && r.detail == key
        }) {
            Some(r) => {
                r.id = id.to_string();
                r.detail = detail.to_string();
                true
            }
            None => false,
        }
    }

    /// Records a created resource once (re-attaching does not duplicate it);
    /// an intent for it (same kind, parent and detail) becomes it.
    pub fn add_created(
        &mut self,
        kind: ResourceKind,
        id: &str,
        parent: Option<&str>,
        detail: &str,
    ) {
        if let Some(pending) = self.journal.created_resources.iter_mut().find(|r| {
            r.kind == kind && r.id.is_empty() && r.parent.as_deref() == parent && r.detail == detail
        }) {
            pending.id = id.to_string();
            // Answered twice (a re-attach after a crash): keep one entry.
            let mut seen = false;
            self.journal.created_resources.retain(|r| {
                let same = r.kind == kind && r.id == id && r.parent.as_deref() == parent;
                let keep = !same || !seen;
                seen |= same;
                keep
            });
            return;
        }
        let region = self.journal.region.clone();
        self.journal.record_resource(
            Resource {
                kind,
                id: id.to_string(),
                region,
                parent: parent.map(str::to_string),
                detail: detail.to_string(),
                sha256: None,
            },
            Utc::now(),
        );
    }

    pub fn created_of(&self, kind: ResourceKind) -> Vec<&Resource> {
        self.journal.created_of(kind).collect()
    }

    pub fn created(&self) -> &[Resource] {
        &self.journal.created_resources
    }

    /// Writes the journal atomically (mode 0600); a no-op in memory.
    pub fn save(&mut self) -> Result<(), String> {
        match &self.store {
            Some(store) => {
                if self.lock.is_none() {
                    // The first save of a new run starts it (a wizard run).
                    self.lock = Some(store.claim(&self.journal).map_err(|e| e.to_string())?);
                    return Ok(());
                }
                store
                    .save(&self.journal)
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            None => Ok(()),
        }
    }
}

/// A token's base and attempt number: `t-a3` → (`t`, 3); `t` → (`t`, 1).
/// Every attempt of one step shares the base.
pub fn token_attempt(token: &str) -> (&str, u32) {
    match token.rsplit_once("-a") {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            (base, n.parse().unwrap_or(1))
        }
        _ => (token, 1),
    }
}

/// Why a run made in world `made_in` (none: a real account) cannot be
/// worked on in world `here`: the key of the message, or `None` when it can.
/// A run that did nothing yet belongs nowhere in particular.
pub fn world_mismatch(
    made_in: Option<&str>,
    made_anything: bool,
    here: Option<&str>,
) -> Option<&'static str> {
    match (made_in, here) {
        (Some(a), Some(b)) if a != b => Some("engine.runs.world_reset"),
        (Some(_), None) => Some("engine.runs.world_sandbox"),
        (None, Some(_)) if made_anything => Some("engine.runs.world_real"),
        _ => None,
    }
}

/// Where journals live: `$TCSCALE_DATA_DIR/runs`, else the platform data dir.
pub fn runs_dir() -> PathBuf {
    JournalStore::default_location()
        .map(|s| s.dir)
        .unwrap_or_else(|| PathBuf::from(".tcscale/runs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_half_noted_later_moves_the_summary_to_the_end() {
        let mut r = RunRecord::interactive("ap-guangzhou", None);
        r.note_plan(Phase::Session, |p| p.source = "ins-a".into());
        r.begin("session", Step::Image).unwrap();
        assert!(r.journal.step("session", Step::Summary).is_some());
        r.note_plan(Phase::Business, |p| p.source = "ins-b".into());
        r.begin("session", Step::Launch).unwrap();
        assert!(
            r.journal.step("session", Step::Summary).is_none(),
            "once, at the end"
        );
        assert!(r.journal.step("business", Step::Summary).is_some());
    }

    #[test]
    fn a_run_is_worked_on_only_in_the_world_it_was_made_in() {
        assert_eq!(world_mismatch(Some("w1"), true, Some("w1")), None);
        assert_eq!(world_mismatch(None, true, None), None);
        assert_eq!(
            world_mismatch(Some("w1"), true, Some("w2")),
            Some("engine.runs.world_reset")
        );
        assert_eq!(
            world_mismatch(Some("w1"), false, None),
            Some("engine.runs.world_sandbox")
        );
        assert_eq!(
            world_mismatch(None, true, Some("w1")),
            Some("engine.runs.world_real")
        );
        // An old journal that never got anywhere may be picked up anywhere.
        assert_eq!(world_mismatch(None, false, Some("w1")), None);
    }

    #[test]
    fn tokens_are_journaled_stable_and_short() {
        let mut r = RunRecord::interactive("ap-guangzhou", None);
        let a = r.token(Phase::Session, Step::Launch).unwrap();
        let b = r.token(Phase::Session, Step::Launch).unwrap();
        let c = r.token(Phase::Business, Step::Launch).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.len() <= 64 && a.is_ascii());
        assert_eq!(
            r.journal
                .step("session", Step::Launch)
                .unwrap()
                .client_token,
            Some(a)
        );
    }

    #[test]
    fn the_next_wizard_run_is_a_new_journal_beside_the_old() {
        let dir = std::env::temp_dir().join(format!("tcscale-next-{}", uuid::Uuid::new_v4()));
        let mut old = RunRecord::interactive("ap-shanghai", Some(&dir));
        old.add_created(ResourceKind::Image, "img-1", None, "x");
        let next = old.next_interactive();
        assert_ne!(next.id(), old.id());
        assert_eq!(next.journal.region, "ap-shanghai");
        assert!(next.created().is_empty());
        assert_eq!(next.path.as_ref().unwrap().parent(), Some(dir.as_path()));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn an_intent_becomes_the_resource_once_answered() {
        let mut r = RunRecord::interactive("ap-guangzhou", None);
        r.add_intent(ResourceKind::Image, None, "mina_auth-scaleout");
        r.add_intent(ResourceKind::Image, None, "mina_auth-scaleout");
        r.add_intent(ResourceKind::Image, None, "weapp-scaleout");
        r.add_intent(ResourceKind::Listener, Some("lb-1"), "TCP:80");
        assert_eq!(r.created().len(), 3, "one intent per key");
        assert!(r
            .intent(ResourceKind::Listener, Some("lb-1"), "TCP:80")
            .is_some());
        assert!(r
            .intent(ResourceKind::Listener, Some("lb-2"), "TCP:80")
            .is_none());
        r.add_created(ResourceKind::Image, "img-1", None, "mina_auth-scaleout");
        r.add_created(ResourceKind::Listener, "lbl-1", Some("lb-1"), "TCP:80");
        // A re-attach after a crash records the same id again: still one entry.
        r.add_created(ResourceKind::Image, "img-1", None, "mina_auth-scaleout");
        let ids: Vec<(&str, &str)> = r
            .created()
            .iter()
            .map(|c| (c.id.as_str(), c.detail.as_str()))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("img-1", "mina_auth-scaleout"),
                ("", "weapp-scaleout"),
                ("lbl-1", "TCP:80")
            ]
        );
        assert!(r
            .intent(ResourceKind::Image, None, "mina_auth-scaleout")
            .is_none());
    }

    #[test]
    fn a_failed_attempt_gets_a_new_token_with_the_same_base() {
        let mut r = RunRecord::interactive("ap-guangzhou", None);
        let first = r.token(Phase::Session, Step::Launch).unwrap();
        let second = r.next_attempt_token(Phase::Session, Step::Launch).unwrap();
        let third = r.next_attempt_token(Phase::Session, Step::Launch).unwrap();
        assert_ne!(first, second);
        assert_eq!(second, format!("{first}-a2"));
        assert_eq!(third, format!("{first}-a3"));
        // The new token is the step's token from now on (retries reuse it).
        assert_eq!(r.token(Phase::Session, Step::Launch).unwrap(), third);
        for t in [&first, &second, &third] {
            assert_eq!(token_attempt(t).0, first);
            assert!(t.len() <= 64, "{t}");
        }
        assert_eq!(token_attempt("tok-a12"), ("tok", 12));
        assert_eq!(token_attempt("tok-abc"), ("tok-abc", 1));
    }

    #[test]
    fn saves_the_one_journal_format_privately() {
        let dir = std::env::temp_dir().join(format!("tcscale-rec-{}", uuid::Uuid::new_v4()));
        let plan = crate::scaleout::plan::parse(include_str!(
            "../../../assets/plans/session-servers.toml"
        ))
        .unwrap();
        let mut r = RunRecord::for_plan("ap-guangzhou", plan, Some(&dir));
        r.token(Phase::Session, Step::Launch).unwrap();
        r.add_created(ResourceKind::Image, "img-1", None, "");
        r.add_created(ResourceKind::Image, "img-1", None, "");
        r.save().unwrap();
        let store = JournalStore::new(&dir);
        let back = RunRecord::load(&store, r.id(), Lang::En).unwrap();
        assert_eq!(back.journal, r.journal);
        assert_eq!(back.created().len(), 1);
        assert_eq!(back.path, r.path);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(r.path.as_ref().unwrap())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(store.list_runs().0.len(), 1);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
