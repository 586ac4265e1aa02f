//! One step, journaled: the one way both front ends run a step. `apply`'s
//! flow ([`super::flow`]) and the wizard ([`crate::tui::work`]) call
//! [`perform`], so a step is started, finished with its output, or failed
//! with why, in the journal the same way whoever drives it; a journal
//! that cannot be written stops the step (it would lose track of what was
//! made).

use std::future::Future;

use serde::Serialize;

use super::record::Phase;
use super::{Engine, Progress, StepError};
use crate::scaleout::steps::Step;

/// Runs `work` as step `name` of `phase`: journaled as started (with the
/// plan's other steps listed pending), then done with its output, or
/// failed with the error as the user reads it. Reported as it goes.
pub async fn perform<T, Fut>(
    eng: &Engine,
    phase: Phase,
    name: Step,
    work: Fut,
) -> Result<T, StepError>
where
    T: Serialize,
    Fut: Future<Output = Result<T, StepError>>,
{
    let key = phase.key();
    eng.report(Progress::StepStarted { step: name });
    eng.journal(|r| r.begin(key, name))?
        .map_err(StepError::Journal)?;
    match work.await {
        Ok(out) => {
            let value = serde_json::to_value(&out).unwrap_or(serde_json::Value::Null);
            eng.journal(|r| {
                r.set_output(key, name, value.clone())
                    .and_then(|()| r.done(key, name))
            })?
            .map_err(StepError::Journal)?;
            eng.report(Progress::StepDone {
                step: name,
                summary: crate::i18n::Text::raw(summarize(&value)),
            });
            Ok(out)
        }
        Err(e) => {
            let explained = e.explain(eng.lang);
            // The step's own error is the one to tell; a journal that also
            // fails to take it changes nothing about what to do.
            let _ = eng.journal(|r| r.failed(key, name, &explained));
            eng.report(Progress::StepFailed {
                step: name,
                error: explained,
            });
            Err(e)
        }
    }
}

/// A one-line summary of a step's output: the ids it produced. Ids under a
/// `skipped` field are left out: they were not acted on, and listing them
/// beside the bound ones would read as if they had been.
fn summarize(v: &serde_json::Value) -> String {
    fn ids(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s)
                if ["ins-", "img-", "lb-", "lbl-", "sg-"]
                    .iter()
                    .any(|p| s.starts_with(p))
                    && !out.contains(s) =>
            {
                out.push(s.clone())
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| ids(x, out)),
            serde_json::Value::Object(o) => o
                .iter()
                .filter(|(k, _)| k.as_str() != "skipped")
                .for_each(|(_, x)| ids(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    ids(v, &mut out);
    out.join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn skipped_ids_are_not_listed_as_produced() {
        let v = serde_json::json!({
            "bound": ["ins-a"], "already": ["ins-b"],
            "skipped": [["ins-c", "expired"]]
        });
        let mut ids: Vec<String> = super::summarize(&v)
            .split(' ')
            .map(str::to_string)
            .collect();
        ids.sort();
        assert_eq!(ids, ["ins-a", "ins-b"]);
    }
}
