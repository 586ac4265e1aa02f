//! `tcscale apply PLAN.toml [--yes]`: the wizard's flow without a terminal.
//! Without `--yes` it prints the plan and every API call it will make, and
//! exits 0 having changed nothing; with `--yes` it performs the plan, one
//! line per step and per live event, and ends with the ids created.
//!
//! Both first check the plan against the account (`plan_check`: every id,
//! the instance type, quotas, the price) and refuse it, naming the field,
//! before anything is created.
//!
//! Exit codes: 0 done (or previewed); 1 a step failed (the run is journaled;
//! the commands to retry, skip the step where safe, or clean up are printed);
//! 2 nothing was done (bad plan, refused by the check, no credentials, bad option).

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use tokio::sync::mpsc;

use super::session::{self, block_on_logged, chain_client};
use super::GlobalOpts;
use crate::cloud::models::cvm;
use crate::cloud::Client;
use crate::i18n::{t, tf, Lang};
use crate::scaleout::consistency::Placement;
use crate::scaleout::discover::{discover, Architecture, Role};
use crate::scaleout::eligibility::eligibility;
use crate::scaleout::plan::{self, Plan};
use crate::scaleout::runner::flow::RunOutcome;
use crate::scaleout::runner::plan_check::{self, PlanCheck};
use crate::scaleout::runner::record::{runs_dir, RunRecord};
use crate::scaleout::runner::{
    failed_step, recovery_options, run_plan, Engine, PollPolicy, Progress, Recovery, Step,
    StepError,
};
use crate::scaleout::steps::{planned_calls, Snapshot};
use crate::sim::sandbox::Sandbox;

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The plan file (see assets/plans/*.toml).
    pub plan: PathBuf,
    /// Perform the plan (without it: print the plan and the API calls, change nothing).
    #[arg(long)]
    pub yes: bool,
    /// How much faster than the real cloud the endpoint runs (the simulator's
    /// --speed): polls are spaced accordingly. Leave at 1 for the real cloud.
    #[arg(long, default_value_t = 1.0, hide = true, value_parser = super::usage::parse_poll_speed)]
    pub poll_speed: f64,
}

/// Where the calls go and with which keys, plus the simulator when `--sandbox`.
pub struct Session {
    pub client: Client,
    pub region: String,
    pub lang: Lang,
    pub poll: PollPolicy,
    /// Keeps the in-process simulator alive for the session.
    pub sandbox: Option<Sandbox>,
}

impl Session {
    /// The sandbox world the session talks to; none on a real account.
    pub fn world(&self) -> Option<String> {
        self.sandbox.as_ref().map(|s| s.world_id().to_string())
    }

    /// An engine of this session for `record`. A journaled run's calls are
    /// audited in its own file (`<audit dir>/<run id>.jsonl`).
    pub fn engine(&self, record: RunRecord, progress: mpsc::UnboundedSender<Progress>) -> Engine {
        let client = if record.path.is_some() {
            self.client.for_run(record.id())
        } else {
            self.client.clone()
        };
        Engine::new(client, progress, self.poll, self.lang, record).in_world(self.world())
    }
}

/// How fast the sandbox runs: the whole guide in about a minute.
pub const SANDBOX_SPEED: f64 = 10.0;

pub fn ui_lang(global: &GlobalOpts) -> Lang {
    global.ui_lang()
}

/// Credentials from the chain (flags, env, tccli profile, config) or the sandbox.
pub async fn open_session(global: &GlobalOpts, poll_speed: f64) -> Result<Session, String> {
    let lang = ui_lang(global);
    let mut poll = PollPolicy::with_speed(poll_speed);
    if global.sandbox {
        let sb = Sandbox::start(SANDBOX_SPEED, true).await?;
        if let Some(line) = sb.notice(lang) {
            eprintln!("{line}");
        }
        let region = global
            .region
            .clone()
            .unwrap_or_else(|| crate::cloud::credentials::DEFAULT_REGION.to_string());
        poll = PollPolicy::with_speed(SANDBOX_SPEED.max(poll_speed));
        let client = session::client(sb.credential(), &region, Some(sb.endpoint()), lang)?;
        return Ok(Session {
            client,
            region,
            lang,
            poll,
            sandbox: Some(sb),
        });
    }
    let (client, region) = chain_client(global, lang)?;
    Ok(Session {
        client,
        region,
        lang,
        poll,
        sandbox: None,
    })
}

/// Reads and validates a plan file: every problem, each naming the field,
/// the allowed values and the line, in the user's language.
pub fn load_plan(path: &Path, lang: Lang) -> Result<Plan, Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![tf(
            lang,
            "engine.apply.cannot_read",
            &[("path", &path.display()), ("error", &e)],
        )]
    })?;
    plan::parse(&text).map_err(|errors| {
        errors
            .iter()
            .map(|e| {
                tf(
                    lang,
                    "engine.apply.plan_error",
                    &[("path", &path.display()), ("message", &e.message(lang))],
                )
            })
            .collect()
    })
}

/// Starts a new run of `plan`, journaled in `journal_dir`: refused (the
/// other run named, in the user's language) while another process works on
/// the same plan, source server or CLB. Sends nothing; `apply` calls it
/// before the plan check, so a refused apply sends nothing at all.
pub fn start_run(
    session: &Session,
    plan: &Plan,
    journal_dir: Option<&Path>,
) -> Result<RunRecord, String> {
    let mut record = RunRecord::for_plan(&session.region, plan.clone(), journal_dir)
        .in_world(session.world().as_deref());
    record.claim().map_err(|e| e.explain(session.lang))?;
    Ok(record)
}

/// Runs a started run to the end; returns its id and the outcome.
pub async fn run_started(
    session: &Session,
    record: RunRecord,
    progress: mpsc::UnboundedSender<Progress>,
) -> (String, Result<RunOutcome, StepError>) {
    let id = record.id().to_string();
    let Some(plan) = record.journal.plan.clone() else {
        return (id, Err(StepError::Blocked("the run has no plan".into())));
    };
    let eng = session.engine(record, progress);
    if let Err(e) = eng.journal(|_| ()) {
        return (id, Err(e));
    }
    eng.log(
        "engine.apply.started",
        &[
            ("id", &id),
            (
                "path",
                &eng.recorded(|r| r.path.clone())
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            ),
        ],
    );
    let result = run_plan(&eng, &plan).await;
    (id, result)
}

/// [`start_run`] then [`run_started`]: the library entry point of `apply`
/// (tests call it directly). A refused start returns an empty id.
pub async fn apply_plan(
    session: &Session,
    plan: &Plan,
    journal_dir: Option<&Path>,
    progress: mpsc::UnboundedSender<Progress>,
) -> (String, Result<RunOutcome, StepError>) {
    match start_run(session, plan, journal_dir) {
        Ok(record) => run_started(session, record, progress).await,
        Err(why) => (String::new(), Err(StepError::Blocked(why.into()))),
    }
}

/// The plan's source server in the discovered world, by id or by name.
fn find_source<'a>(arch: &'a Architecture, p: &plan::Phase) -> Option<&'a cvm::Instance> {
    match p.source_ref() {
        plan::SourceRef::Id(id) => arch.instance(&id),
        plan::SourceRef::Name(n) => arch
            .instances
            .iter()
            .find(|i| i.instance_name.as_deref() == Some(n.as_str())),
    }
}

/// An engine for reading the account before a run: no journal, no progress.
fn reader(session: &Session) -> Engine {
    let (tx, _rx) = mpsc::unbounded_channel();
    session.engine(RunRecord::interactive(&session.region, None), tx)
}

/// The plan against the account (`scaleout::runner::plan_check`): what the
/// preview shows and what `--yes` requires before its first creating call.
pub async fn check_plan(session: &Session, plan: &Plan) -> Result<PlanCheck, StepError> {
    plan_check::check_plan(&reader(session), plan).await
}

/// The check's problems as `load_plan` words a plan's: path, line, field, reason.
pub fn problem_lines(path: &Path, text: &str, check: &PlanCheck, lang: Lang) -> Vec<String> {
    let mut out = vec![t(lang, "check.refused")];
    for p in &check.problems {
        let e = plan::PlanError {
            line: plan::line_of_field(text, &p.field),
            error: plan::PlanProblem::Field(p.clone()),
        };
        out.push(tf(
            lang,
            "engine.apply.plan_error",
            &[("path", &path.display()), ("message", &e.message(lang))],
        ));
    }
    out
}

/// What the world looks like to the plan preview: counts from Describe calls.
pub async fn preview_snapshot(session: &Session, plan: &Plan) -> Result<Snapshot, StepError> {
    let eng = reader(session);
    let arch = discover(&eng).await?;
    let business = match plan
        .session
        .as_ref()
        .and_then(|p| p.business_servers.as_ref())
    {
        Some(ids) => ids.len(),
        None => arch.with_role(Role::Business).len(),
    };
    let public_listeners = plan
        .business
        .as_ref()
        .and_then(|p| {
            let id = find_source(&arch, p)?.instance_id.clone()?;
            arch.public_clb_of(&id).map(|c| {
                c.listeners
                    .iter()
                    .filter(|l| l.targets.iter().any(|t| t.instance_id == id))
                    .count()
            })
        })
        .unwrap_or(0);
    // The session servers the bind step will register: eligible, and placed
    // like the source (zone, project, VPC), the source included.
    let now = chrono::Utc::now();
    let source = plan.session.as_ref().and_then(|p| find_source(&arch, p));
    // The run's own rule (`Placement::differs_from`), so the preview's
    // count is the number the bind step registers.
    let at = |i: &cvm::Instance| Placement::of_instance(i, &session.region);
    let session_servers: Vec<&cvm::Instance> = arch
        .with_role(Role::Session)
        .into_iter()
        .filter(|i| {
            source.is_some_and(|s| at(s).differs_from(&at(i)).is_none())
                && eligibility(i, now).is_empty()
        })
        .collect();
    let mut groups: Vec<String> = session_servers
        .iter()
        .flat_map(|i| i.security_group_ids.clone().unwrap_or_default())
        .collect();
    groups.sort();
    groups.dedup();
    Ok(Snapshot {
        business_servers: business,
        existing_session_servers: session_servers.len(),
        public_listeners,
        security_groups_missing_rule: groups.len(),
    })
}

pub use crate::front::progress::{print_progress, progress_line, step_title};
use crate::scaleout::run::Verdict;
pub use crate::scaleout::run::EXIT_PARTIAL;

/// The closing lines: every id created, then (the last lines) whatever the
/// journal's verdict leaves to the user — the same list the wizard's
/// Summary and its Runs screen show for this run.
pub fn outcome_lines(outcome: &RunOutcome, verdict: &Verdict, lang: Lang) -> Vec<String> {
    let mut out = vec![tf(lang, "engine.apply.done", &[("id", &outcome.run_id)])];
    for (name, phase) in [
        ("session", &outcome.session),
        ("business", &outcome.business),
    ] {
        let Some(p) = phase else { continue };
        out.push(format!(
            "  {name}: image {} · instances {} · CLB {} (VIP {}) · listeners {} · bound {}",
            p.image_id,
            p.instance_ids.join(" "),
            p.load_balancer_id,
            p.vip,
            p.listener_ids.join(" "),
            p.bound.join(" ")
        ));
    }
    out.extend(verdict.left_lines(lang));
    out
}

/// What the wizard's Overview says about the account (keys, image quota,
/// TAT agents, servers that may not be bound), for the preview; nothing
/// when the account cannot be read (the plan check says why).
pub async fn account_lines(session: &Session, lang: Lang) -> Vec<String> {
    use crate::scaleout::overview_checks::{account_checks, Severity};
    let eng = reader(session);
    let Ok(arch) = discover(&eng).await else {
        return vec![];
    };
    let ids = |role| -> Vec<String> {
        arch.with_role(role)
            .iter()
            .filter_map(|i| i.instance_id.clone())
            .collect()
    };
    let now = chrono::Utc::now();
    let ineligible = arch
        .instances
        .iter()
        .filter(|i| !eligibility(i, now).is_empty())
        .count();
    let facts = account_checks(&eng, &ids(Role::Business), &ids(Role::Session), ineligible).await;
    let mut out = vec![t(lang, "engine.preview.account")];
    for c in &facts.checks {
        let mark = match c.severity() {
            Severity::Ok => "✓",
            Severity::Warn => "!",
            Severity::Fail => "✗",
        };
        out.push(format!("  {mark} {}", c.text(lang)));
    }
    out
}

/// The preview: every API call that changes something, from
/// `scaleout::steps::planned_calls` (the same list the wizard's confirm
/// screen shows), numbered and grouped by phase.
pub fn preview_lines(plan: &Plan, snapshot: Option<&Snapshot>, lang: Lang) -> Vec<String> {
    let mut out = vec![t(lang, "engine.preview.title")];
    if snapshot.is_none() {
        out.push(t(lang, "engine.preview.offline"));
    }
    let calls = planned_calls(
        plan,
        snapshot.cloned().as_ref().unwrap_or(&Snapshot::default()),
        lang,
    );
    let mut phase = String::new();
    for (n, c) in calls.iter().enumerate() {
        if c.phase != phase {
            phase = c.phase.clone();
            out.push(format!("[{phase}]"));
        }
        out.push(format!(
            "  {:>2}. {}.{} — {} ({})",
            n + 1,
            c.service,
            c.action,
            c.summary,
            c.step.title(lang)
        ));
    }
    out.push(t(lang, "engine.preview.confirm"));
    out
}

pub fn run(global: &GlobalOpts, args: ApplyArgs) -> i32 {
    let lang = ui_lang(global);
    let plan = match load_plan(&args.plan, lang) {
        Ok(p) => p,
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            return 2;
        }
    };
    let mut global = global.clone();
    if global.region.is_none() {
        global.region = plan.region.clone();
    }
    let text = std::fs::read_to_string(&args.plan).unwrap_or_default();
    // The check's verdict, printed; false when the plan must not run.
    let report = |check: &Result<PlanCheck, StepError>| -> bool {
        match check {
            Ok(c) => {
                println!("{}", t(lang, "check.title"));
                for line in c.lines(lang) {
                    println!("{line}");
                }
                if c.ok() {
                    println!("  {}", t(lang, "check.passed"));
                    return true;
                }
                for line in problem_lines(&args.plan, &text, c, lang) {
                    eprintln!("{line}");
                }
                false
            }
            Err(e) => {
                eprintln!(
                    "{}",
                    tf(lang, "check.unchecked", &[("reason", &e.explain(lang))])
                );
                false
            }
        }
    };
    block_on_logged(async {
        let session = open_session(&global, args.poll_speed).await;
        if !args.yes {
            // Counts from the live account when there is one; the plan alone otherwise.
            let Ok(s) = &session else {
                for line in preview_lines(&plan, None, lang) {
                    println!("{line}");
                }
                return 0;
            };
            for line in account_lines(s, lang).await {
                println!("{line}");
            }
            let snapshot = preview_snapshot(s, &plan).await.ok();
            for line in preview_lines(&plan, snapshot.as_ref(), lang) {
                println!("{line}");
            }
            return if report(&check_plan(s, &plan).await) {
                0
            } else {
                2
            };
        }
        let session = match session {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        };
        // The run is started (journal written, lock taken) before anything
        // is sent, under the data dir's start lock: of two applies started
        // at the same instant, the second is refused here, having sent nothing.
        let dir = runs_dir();
        let record = match start_run(&session, &plan, Some(&dir)) {
            Ok(r) => r,
            Err(why) => {
                eprintln!("{why}");
                return 2;
            }
        };
        // From here on every call, the plan check's included, is the run's.
        let session = Session {
            client: session.client.for_run(record.id()),
            ..session
        };
        // Every check before the first creating call: a refused plan leaves no run behind.
        if !report(&check_plan(&session, &plan).await) {
            record.discard();
            return 2;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let printer = tokio::spawn(print_progress(rx, lang));
        let (id, result) = run_started(&session, record, tx).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), printer).await;
        let journal = crate::scaleout::journal::JournalStore::new(&dir)
            .load(&id)
            .ok();
        finish(&id, result, journal.as_ref(), lang)
    })
}

/// The commands that continue after a failed step: retry, skip (where safe), clean up.
pub fn recovery_lines(id: &str, step: Option<Step>, lang: Lang) -> Vec<String> {
    let options = step.map_or_else(
        || vec![Recovery::Retry, Recovery::CleanUp],
        recovery_options,
    );
    let mut out = vec![t(lang, "engine.recovery.title")];
    for o in options {
        let (key, command) = match o {
            Recovery::Retry => (
                "engine.recovery.retry",
                format!("tcscale resume {id} --yes"),
            ),
            Recovery::Skip => (
                "engine.recovery.skip",
                format!("tcscale resume {id} --skip-failed --yes"),
            ),
            Recovery::CleanUp => (
                "engine.recovery.cleanup",
                format!("tcscale cleanup {id} --yes"),
            ),
        };
        out.push(format!("  {command:<48} {}", t(lang, key)));
    }
    out
}

/// Prints the outcome or the failure with what to do next; the exit code,
/// which the run's journal decides (`scaleout::run::verdict`) when there is one.
pub fn finish(
    id: &str,
    result: Result<RunOutcome, StepError>,
    journal: Option<&crate::scaleout::journal::Journal>,
    lang: Lang,
) -> i32 {
    let failed = journal.and_then(failed_step).map(|(_, step, _)| step);
    match result {
        Ok(outcome) => {
            let verdict = journal.map_or(Verdict::Done, crate::scaleout::run::verdict);
            for line in outcome_lines(&outcome, &verdict, lang) {
                println!("{line}");
            }
            verdict.exit_code()
        }
        Err(e) => {
            eprintln!("{}", e.explain(lang));
            for line in recovery_lines(id, failed, lang) {
                eprintln!("{line}");
            }
            1
        }
    }
}
