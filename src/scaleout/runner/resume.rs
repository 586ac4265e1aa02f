//! Continuing a journaled run: the one way `tcscale resume` and the TUI's
//! Runs screen pick a run up again. Failed steps go back to pending (they
//! re-attach to what they created, by id and ClientToken), skipped ones are
//! passed over, done ones are read back from the journal.

use super::flow::{prepare_retry, run_plan, RunOutcome};
use super::{Engine, StepError};
use crate::i18n::tf;

/// Continues the engine's run (its record is the journaled run) to the end
/// of its plan. A run without a plan (an old wizard run) is refused with
/// why and what to do instead.
pub async fn resume(eng: &Engine) -> Result<RunOutcome, StepError> {
    let plan = eng
        .recorded(|r| r.journal.plan.clone())
        .ok_or_else(|| StepError::Blocked(eng.text("engine.runs.wizard_run")))?;
    // Its resources are deleted: continuing would build half a run anew.
    if let Some(when) = eng.recorded(|r| {
        (r.status() == super::record::RunStatus::CleanedUp).then_some(r.journal.updated)
    }) {
        let id = eng.recorded(|r| r.id().to_string());
        return Err(StepError::Blocked(tf(
            eng.lang,
            "engine.runs.resume_cleaned",
            &[("id", &id), ("when", &when.format("%Y-%m-%d %H:%M UTC"))],
        )));
    }
    prepare_retry(eng)?;
    run_plan(eng, &plan).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::scaleout::runner::record::RunRecord;
    use crate::scaleout::runner::PollPolicy;

    #[tokio::test]
    async fn a_run_without_a_plan_is_refused_before_any_call() {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        // Nothing listens there: a call would fail with a network error, not Blocked.
        let cfg = crate::cloud::ClientConfig::new(
            crate::cloud::Credential::new("id", "key", None),
            "ap-guangzhou",
        )
        .with_endpoint(Some("http://127.0.0.1:9".into()))
        .with_audit_path(None);
        let client = crate::cloud::Client::new(cfg).unwrap();
        let eng = Engine::new(
            client,
            tx,
            PollPolicy::with_speed(100.0),
            Lang::En,
            RunRecord::interactive("ap-guangzhou", None),
        );
        match resume(&eng).await {
            Err(StepError::Blocked(why)) => assert!(why.contains("wizard"), "{why}"),
            other => panic!("refused: {other:?}"),
        }
    }
}
