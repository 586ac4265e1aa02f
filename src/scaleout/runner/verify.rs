//! Before a resume takes a journaled step as done, the resources it made
//! must still be there in the state the later steps rely on: a journal is
//! a record of the past, and the cloud (or a restarted sandbox) may have
//! lost them since. A step whose resources are gone is redone, and so is
//! every done step after one that was redone, since its input changed.

use crate::cloud::models::cvm;
use crate::i18n::Text;
use crate::scaleout::journal::{Journal, StepState};
use crate::scaleout::steps::Step;

use super::image::image_state;
use super::launch::describe_instances;
use super::load_balancer::{describe_lb, find_listener_by_id};
use super::{Engine, StepError};

/// Why the journaled step `step` of `phase` cannot be taken as done, or
/// `None` when everything it produced is still there as expected.
pub async fn why_redo(
    eng: &Engine,
    journal: &Journal,
    phase: &str,
    step: Step,
) -> Result<Option<Text>, StepError> {
    if let Some(earlier) = redone_before(journal, phase, step) {
        return Ok(Some(
            Text::new("engine.resume.after_redo", &[]).with("step", earlier.title_text()),
        ));
    }
    let output = journal
        .step(phase, step)
        .map(|s| s.output.clone())
        .unwrap_or_default();
    let missing = || Text::new("engine.resume.missing", &[]);
    let gone_text = |id: &dyn std::fmt::Display, state: Text| {
        Text::new("engine.resume.gone", &[("id", id)]).with("state", state)
    };
    let gone = |id: &dyn std::fmt::Display, state: Text| Some(gone_text(id, state));
    match step {
        Step::Image => {
            let Some(id) = str_field(&output, "image_id") else {
                return Ok(None);
            };
            Ok(match image_state(eng, &id).await? {
                Some(s) if s == "NORMAL" => None,
                Some(s) => gone(&id, Text::raw(s)),
                None => gone(&id, missing()),
            })
        }
        Step::Launch => {
            let ids = str_list(&output, "instance_ids");
            let found = describe_instances(eng, &ids).await?;
            Ok(not_running(&ids, &found).map(|(id, state)| {
                let state = state.map(Text::raw).unwrap_or_else(missing);
                gone_text(&id, state)
            }))
        }
        Step::LoadBalancer => {
            let Some(id) = str_field(&output, "load_balancer_id") else {
                return Ok(None);
            };
            Ok(match describe_lb(eng, &id).await? {
                Some(_) => None,
                None => gone(&id, missing()),
            })
        }
        Step::Listener => {
            let lb = journal
                .step(phase, Step::LoadBalancer)
                .and_then(|s| str_field(&s.output, "load_balancer_id"));
            let (Some(lb), Some(id)) = (lb, str_field(&output, "listener_id")) else {
                return Ok(None);
            };
            Ok((!find_listener_by_id(eng, &lb, &id).await?)
                .then(|| gone(&id, missing()))
                .flatten())
        }
        // Bind, security group, sdk.config and the health summary act on
        // what the steps above made: they are redone with them (see
        // `redone_before`), and each is idempotent against the live state.
        _ => Ok(None),
    }
}

/// The earliest done step before `step` (in the journal's order) that
/// finished after `step` did: it was redone since, so `step`'s output was
/// computed from resources that no longer are the run's.
pub fn redone_before(journal: &Journal, phase: &str, step: Step) -> Option<Step> {
    let pos = journal
        .steps
        .iter()
        .position(|s| s.phase == phase && s.step == step)?;
    let this = journal.steps[pos].finished?;
    journal.steps[..pos]
        .iter()
        .filter(|s| matches!(s.state, StepState::Done))
        .find(|s| s.finished.is_some_and(|f| f > this))
        .map(|s| s.step)
}

/// The first of `ids` not RUNNING: its id and state (`None`: not listed).
fn not_running(ids: &[String], found: &[cvm::Instance]) -> Option<(String, Option<String>)> {
    ids.iter().find_map(|id| {
        let state = found
            .iter()
            .find(|i| i.instance_id.as_deref() == Some(id.as_str()))
            .map(|i| i.instance_state.clone().unwrap_or_default());
        match state.as_deref() {
            Some("RUNNING") => None,
            _ => Some((id.clone(), state)),
        }
    })
}

fn str_field(v: &serde_json::Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(|x| x.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn str_list(v: &serde_json::Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(|x| x.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};

    fn journal(steps: &[(Step, i64)]) -> Journal {
        let mut j: Journal = serde_json::from_value(serde_json::json!({
            "run_id": "r", "region": "ap-guangzhou",
            "created": Utc::now(), "updated": Utc::now(), "steps": []
        }))
        .unwrap();
        let t0 = Utc::now();
        for (step, secs) in steps {
            let mut s: crate::scaleout::journal::StepRecord =
                serde_json::from_value(serde_json::json!({
                    "phase": "session", "step": step, "state": "done"
                }))
                .unwrap();
            s.finished = Some(t0 + Duration::seconds(*secs));
            j.steps.push(s);
        }
        j
    }

    #[test]
    fn a_step_done_before_an_earlier_one_was_redone_is_stale() {
        // Launch was redone (finished at 50) after Bind had finished (at 30).
        let j = journal(&[(Step::Image, 10), (Step::Launch, 50), (Step::Bind, 30)]);
        assert_eq!(redone_before(&j, "session", Step::Bind), Some(Step::Launch));
        assert_eq!(redone_before(&j, "session", Step::Launch), None);
    }

    #[test]
    fn steps_done_in_order_are_not_stale() {
        let j = journal(&[(Step::Image, 10), (Step::Launch, 20), (Step::Bind, 30)]);
        for s in [Step::Image, Step::Launch, Step::Bind] {
            assert_eq!(redone_before(&j, "session", s), None, "{s:?}");
        }
    }

    #[test]
    fn an_instance_not_listed_or_not_running_is_named() {
        let inst = |id: &str, state: &str| cvm::Instance {
            instance_id: Some(id.into()),
            instance_state: Some(state.into()),
            ..Default::default()
        };
        let ids = vec!["ins-a".to_string(), "ins-b".to_string()];
        assert_eq!(
            not_running(&ids, &[inst("ins-a", "RUNNING"), inst("ins-b", "RUNNING")]),
            None
        );
        assert_eq!(
            not_running(&ids, &[inst("ins-a", "RUNNING")]),
            Some(("ins-b".into(), None))
        );
        assert_eq!(
            not_running(&ids, &[inst("ins-a", "STOPPED"), inst("ins-b", "RUNNING")]),
            Some(("ins-a".into(), Some("STOPPED".into())))
        );
    }
}
