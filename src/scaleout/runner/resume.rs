//! Continuing a journaled run: the one way `tcscale resume` and the TUI's
//! Runs screen pick a run up again. Failed steps go back to pending (they
//! re-attach to what they created, by id and ClientToken), skipped ones are
//! passed over, done ones are read back from the journal.

use super::flow::{prepare_retry, run_plan, RunOutcome};
use super::{Engine, StepError};
use crate::i18n::{t, tf, Lang, Text};
use crate::scaleout::journal::{Journal, StepState};
use crate::scaleout::steps::{planned_calls, Snapshot};

/// What a resume of `journal` will do, step by step, for the user to
/// confirm first (`tcscale resume` without `--yes`, `r` on the Runs
/// screen): done steps are checked before they are skipped, a failed one
/// is tried again (re-attaching by ClientToken), the rest is done with the
/// calls the plan lists.
pub fn preview(journal: &Journal, lang: Lang) -> Vec<String> {
    let mut out = vec![tf(
        lang,
        "engine.resume.preview",
        &[("id", &journal.run_id)],
    )];
    let calls = journal
        .plan
        .as_ref()
        .map(|p| planned_calls(p, &Snapshot::default(), lang))
        .unwrap_or_default();
    let mut phases: Vec<&str> = Vec::new();
    for s in &journal.steps {
        if !phases.contains(&s.phase.as_str()) {
            phases.push(&s.phase);
        }
    }
    for phase in phases {
        let label = match phase {
            "session" => t(lang, "runs.flow.session"),
            "business" => t(lang, "runs.flow.business"),
            other => other.to_string(),
        };
        let steps = journal.steps.iter().filter(|s| s.phase == phase);
        // The done steps of a phase on one line: a Both run fits a screen.
        let done: Vec<String> = steps
            .clone()
            .filter(|s| s.state == StepState::Done)
            .map(|s| match s.ids.is_empty() {
                true => s.step.title(lang),
                false => format!("{} ({})", s.step.title(lang), s.ids.join(", ")),
            })
            .collect();
        if !done.is_empty() {
            out.push(format!(
                "[{label}] {}",
                tf(
                    lang,
                    "engine.resume.will_check",
                    &[("steps", &done.join(", "))]
                )
            ));
        }
        for s in steps.filter(|s| s.state != StepState::Done) {
            let title = s.step.title(lang);
            let mut actions: Vec<String> = Vec::new();
            for c in calls
                .iter()
                .filter(|c| c.phase == s.phase && c.step == s.step)
            {
                let a = format!("{}.{}", c.service, c.action);
                if !actions.contains(&a) {
                    actions.push(a);
                }
            }
            let calls = actions.join(", ");
            let line = match &s.state {
                StepState::Skipped => tf(lang, "engine.resume.will_pass", &[("step", &title)]),
                StepState::Failed { reason } => tf(
                    lang,
                    "engine.resume.will_retry",
                    &[("step", &title), ("reason", reason), ("calls", &calls)],
                ),
                // Stopped while it ran: what it started is found before anything is sent.
                StepState::Running => tf(
                    lang,
                    "engine.resume.will_reattach",
                    &[("step", &title), ("calls", &calls)],
                ),
                StepState::Pending | StepState::Done => tf(
                    lang,
                    "engine.resume.will_do",
                    &[("step", &title), ("calls", &calls)],
                ),
            };
            out.push(format!(
                "[{label}] {}",
                line.trim_end_matches([':', '：', ' '])
            ));
        }
    }
    out.push(t(lang, "engine.resume.nothing_twice"));
    out
}

/// Continues the engine's run (its record is the journaled run) to the end
/// of its plan. A run without a plan (an old wizard run) is refused with
/// why and what to do instead.
pub async fn resume(eng: &Engine) -> Result<RunOutcome, StepError> {
    let plan = eng
        .recorded(|r| r.journal.plan.clone())
        .ok_or_else(|| StepError::Blocked(Text::new("engine.runs.wizard_run", &[])))?;
    eng.check_world()?;
    // A plan a plan file could not hold (a wizard run stopped before a choice
    // was noted) is not run: it would do something nobody chose.
    let problems = crate::scaleout::plan::validate_plan(&plan);
    if !problems.is_empty() {
        let id = eng.recorded(|r| r.id().to_string());
        let why = Text::join(
            problems
                .iter()
                .map(|p| Text::per_lang(|lang| p.message(lang))),
            "; ",
        );
        return Err(StepError::Blocked(
            Text::new("engine.runs.plan_invalid", &[("id", &id)]).with("why", why),
        ));
    }
    // Its resources are deleted: continuing would build half a run anew.
    if let Some(when) = eng.recorded(|r| {
        (r.status() == super::record::RunStatus::CleanedUp).then_some(r.journal.updated)
    }) {
        let id = eng.recorded(|r| r.id().to_string());
        return Err(StepError::Blocked(Text::new(
            "engine.runs.resume_cleaned",
            &[("id", &id), ("when", &when.format("%Y-%m-%d %H:%M UTC"))],
        )));
    }
    prepare_retry(eng)?;
    // A wizard run's plan may have grown after its steps were listed.
    eng.journal(|r| r.list_planned_steps())?;
    run_plan(eng, &plan).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_says_what_is_checked_retried_and_done() {
        let plan = crate::scaleout::plan::parse(include_str!(
            "../../../assets/plans/session-servers.toml"
        ))
        .unwrap();
        let mut j = Journal::new("r-1", plan, chrono::Utc::now());
        use crate::scaleout::steps::Step;
        let now = chrono::Utc::now();
        j.mark_running("session", Step::Image, now).unwrap();
        j.record_ids("session", Step::Image, &["img-kept0001".into()], now)
            .unwrap();
        j.mark_done("session", Step::Image, now).unwrap();
        j.mark_running("session", Step::Launch, now).unwrap();
        j.mark_failed("session", Step::Launch, "quota", now)
            .unwrap();
        j.mark_running("session", Step::LoadBalancer, now).unwrap();
        let lines = preview(&j, Lang::En);
        let text = lines.join("\n");
        let lb = lines
            .iter()
            .find(|l| l.contains("Load balancer"))
            .expect(&text);
        assert!(
            lb.contains("interrupted") && lb.contains("clb.CreateLoadBalancer"),
            "{text}"
        );
        assert!(lines[0].contains("r-1"), "{text}");
        let image = lines
            .iter()
            .find(|l| l.contains("img-kept0001"))
            .expect(&text);
        assert!(image.contains("check"), "{text}");
        // The failed step names why, and the calls it will send again.
        let launch = lines.iter().find(|l| l.contains("quota")).expect(&text);
        assert!(launch.contains("cvm.RunInstances"), "{text}");
        // The done step's calls are not listed: it sends none.
        assert!(!text.contains("cvm.CreateImage"), "{text}");
        assert!(
            lines.iter().any(|l| l.contains("clb.CreateLoadBalancer")),
            "{text}"
        );
        let zh = preview(&j, Lang::Zh).join("\n");
        assert!(zh.contains("img-kept0001") && zh != text, "{zh}");
    }
    use crate::i18n::Lang;
    use crate::scaleout::runner::record::RunRecord;
    use crate::scaleout::runner::PollPolicy;

    /// An engine for `record` whose every call would fail with a network
    /// error (nothing listens there): a refusal is Blocked, not Cloud.
    fn offline(record: RunRecord) -> Engine {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let cfg = crate::cloud::ClientConfig::new(
            crate::cloud::Credential::new("id", "key", None),
            "ap-guangzhou",
        )
        .with_endpoint(Some("http://127.0.0.1:9".into()))
        .with_audit_path(None);
        Engine::new(
            crate::cloud::Client::new(cfg).unwrap(),
            tx,
            PollPolicy::with_speed(100.0),
            Lang::En,
            record,
        )
    }

    #[tokio::test]
    async fn a_plan_with_a_choice_never_made_is_refused_before_any_call() {
        let mut plan = crate::scaleout::plan::parse(include_str!(
            "../../../assets/plans/session-servers.toml"
        ))
        .unwrap();
        // A wizard run stopped before its launch was noted.
        plan.session.as_mut().unwrap().count = 0;
        let eng = offline(RunRecord::for_plan("ap-guangzhou", plan, None));
        match resume(&eng).await {
            Err(StepError::Blocked(why)) => {
                let why = why.in_lang(crate::i18n::Lang::En);
                assert!(why.contains("incomplete") && why.contains("count"), "{why}")
            }
            other => panic!("refused: {other:?}"),
        }
    }

    /// An error is worded when shown, not when made: one made by an
    /// engine of an English session reads in Chinese after `L`, and the
    /// other way round, nested words (a step's title) included.
    #[tokio::test]
    async fn a_blocked_error_is_worded_in_the_language_it_is_shown_in() {
        let eng = offline(RunRecord::interactive("ap-guangzhou", None));
        let e = resume(&eng).await.unwrap_err();
        assert!(matches!(e, StepError::Blocked(_)), "{e:?}");
        let en = e.explain(Lang::En);
        let zh = e.explain(Lang::Zh);
        assert!(
            en.starts_with("cannot continue: this run was started in the wizard"),
            "{en}"
        );
        assert!(zh.starts_with("无法继续：该运行由向导启动"), "{zh}");

        let e = StepError::Blocked(
            Text::new("engine.recovery.cannot_skip", &[])
                .with("step", crate::scaleout::steps::Step::Bind.title_text()),
        );
        let zh = e.explain(Lang::Zh);
        assert!(zh.contains("步骤“绑定后端服务”不能跳过"), "{zh}");
        let en = e.explain(Lang::En);
        assert!(en.contains("the step Bind cannot be skipped"), "{en}");
    }

    #[tokio::test]
    async fn a_run_without_a_plan_is_refused_before_any_call() {
        let eng = offline(RunRecord::interactive("ap-guangzhou", None));
        match resume(&eng).await {
            Err(StepError::Blocked(why)) => {
                let why = why.in_lang(crate::i18n::Lang::En);
                assert!(why.contains("wizard"), "{why}")
            }
            other => panic!("refused: {other:?}"),
        }
    }
}
