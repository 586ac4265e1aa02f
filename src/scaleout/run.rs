//! How a run ended, decided from its journal alone: one pure function that
//! `apply`, `resume`, the wizard's Summary and its Runs screen all read, so
//! they say the same outcome (and `apply`/`resume` exit with the same code)
//! for the same run. Nothing here calls the cloud or knows a front end; the
//! words are chosen where they are shown ([`Left::text`], in the user's
//! language).

use crate::i18n::{t, tf, Lang};
use crate::scaleout::journal::{Journal, StepState};
use crate::scaleout::steps::Step;

/// Something the run left for the user to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Left {
    /// A step skipped after it failed (`--skip-failed`, or `s` in the wizard).
    StepSkipped { phase: String, step: Step },
    /// A business server whose sdk.config still has the old authServerUrl
    /// (its TAT agent is offline, or the sdk.config step was skipped).
    OldAuthUrl {
        phase: String,
        instance: String,
        /// Why, as the step recorded it.
        why: String,
        vip: String,
    },
}

impl Left {
    /// The half of the guide (`session` / `business`) it belongs to.
    pub fn phase(&self) -> &str {
        match self {
            Left::StepSkipped { phase, .. } | Left::OldAuthUrl { phase, .. } => phase,
        }
    }

    pub fn text(&self, lang: Lang) -> String {
        match self {
            Left::StepSkipped { step, .. } => tf(
                lang,
                "engine.apply.step_skipped",
                &[("step", &step.title(lang))],
            ),
            Left::OldAuthUrl {
                instance, why, vip, ..
            } => tf(
                lang,
                "engine.apply.left_as_is",
                &[("id", instance), ("why", why), ("vip", vip)],
            ),
        }
    }
}

/// Where a run stands, as its journal says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every step done, nothing left.
    Done,
    /// Every step ended, but something is left for the user.
    PartlyDone(Vec<Left>),
    /// A step failed (resume retries it, or cleanup undoes the run).
    Failed {
        phase: String,
        step: Step,
        reason: String,
    },
    /// Stopped between steps (killed, or the user left): `step` is next.
    Unfinished { phase: String, step: Step },
    /// Cleanup deleted what it made.
    CleanedUp,
}

/// `apply` and `resume` ended with something left to the user.
pub const EXIT_PARTIAL: i32 = 4;

impl Verdict {
    /// The exit code of `apply --yes` and `resume --yes` for this verdict.
    pub fn exit_code(&self) -> i32 {
        match self {
            Verdict::Done | Verdict::CleanedUp => 0,
            Verdict::PartlyDone(_) => EXIT_PARTIAL,
            Verdict::Failed { .. } | Verdict::Unfinished { .. } => 1,
        }
    }

    /// The run's status in a word or two: the Runs screen's and `tcscale
    /// runs`' status column.
    pub fn status_text(&self, lang: Lang) -> String {
        t(
            lang,
            match self {
                Verdict::Done => "engine.runs.done",
                Verdict::PartlyDone(_) => "engine.runs.partly_done",
                Verdict::Failed { .. } => "engine.runs.failed",
                Verdict::Unfinished { .. } => "engine.runs.running",
                Verdict::CleanedUp => "engine.runs.cleaned_up",
            },
        )
    }

    /// Every status text, for sizing a column.
    pub fn all_status_texts(lang: Lang) -> Vec<String> {
        let step = Step::Image;
        [
            Verdict::Done,
            Verdict::PartlyDone(Vec::new()),
            Verdict::Failed {
                phase: String::new(),
                step,
                reason: String::new(),
            },
            Verdict::Unfinished {
                phase: String::new(),
                step,
            },
            Verdict::CleanedUp,
        ]
        .iter()
        .map(|v| v.status_text(lang))
        .collect()
    }

    /// What is left for the user (empty unless partly done).
    pub fn left(&self) -> &[Left] {
        match self {
            Verdict::PartlyDone(left) => left,
            _ => &[],
        }
    }

    /// The closing lines of a partly done run: a heading, then one line
    /// per thing left (`  ! …`), as `apply`'s and `resume`'s last lines.
    pub fn left_lines(&self, lang: Lang) -> Vec<String> {
        let left = self.left();
        if left.is_empty() {
            return Vec::new();
        }
        let mut out = vec![t(lang, "engine.apply.partly_done")];
        out.extend(left.iter().map(|l| format!("  ! {}", l.text(lang))));
        out
    }
}

/// The run's verdict: failed if any step failed; unfinished while a step is
/// left to do; else done, or partly done with everything left to the user
/// (skipped steps, and every business server the sdk.config step did not
/// switch, in every phase of the run).
pub fn verdict(j: &Journal) -> Verdict {
    if j.cleaned_up {
        return Verdict::CleanedUp;
    }
    if let Some(s) = j
        .steps
        .iter()
        .find(|s| matches!(s.state, StepState::Failed { .. }))
    {
        let StepState::Failed { reason } = &s.state else {
            unreachable!("matched above")
        };
        return Verdict::Failed {
            phase: s.phase.clone(),
            step: s.step,
            reason: reason.clone(),
        };
    }
    if !j.closed {
        if let Some(s) = j
            .steps
            .iter()
            .find(|s| matches!(s.state, StepState::Pending | StepState::Running))
        {
            return Verdict::Unfinished {
                phase: s.phase.clone(),
                step: s.step,
            };
        }
    }
    let left = left_so_far(j);
    if left.is_empty() {
        Verdict::Done
    } else {
        Verdict::PartlyDone(left)
    }
}

/// What the steps that ended so far leave for the user: skipped steps, and
/// every business server an sdk.config step did not switch (the wizard's
/// Summary lists an earlier half's while the run goes on).
pub fn left_so_far(j: &Journal) -> Vec<Left> {
    let mut left = Vec::new();
    for s in &j.steps {
        match (&s.state, s.step) {
            (StepState::Skipped, _) => left.push(Left::StepSkipped {
                phase: s.phase.clone(),
                step: s.step,
            }),
            (StepState::Done, Step::SdkConfig) => {
                let vip = s.output["vip"].as_str().unwrap_or_default().to_string();
                if let Some(skipped) = s.output["skipped"].as_object() {
                    for (instance, why) in skipped {
                        left.push(Left::OldAuthUrl {
                            phase: s.phase.clone(),
                            instance: instance.clone(),
                            why: why.as_str().unwrap_or_default().to_string(),
                            vip: vip.clone(),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    left
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaleout::plan;
    use chrono::Utc;

    fn journal() -> Journal {
        let p = plan::parse(include_str!("../../assets/plans/session-servers.toml")).unwrap();
        Journal::new("r1", p, Utc::now())
    }

    fn finish_all(j: &mut Journal) {
        let steps: Vec<(String, Step)> =
            j.steps.iter().map(|s| (s.phase.clone(), s.step)).collect();
        for (phase, step) in steps {
            j.mark_running(&phase, step, Utc::now()).unwrap();
            j.mark_done(&phase, step, Utc::now()).unwrap();
        }
    }

    #[test]
    fn a_new_run_is_unfinished_at_its_first_step() {
        let j = journal();
        assert_eq!(
            verdict(&j),
            Verdict::Unfinished {
                phase: "session".into(),
                step: Step::Image
            }
        );
        assert_eq!(verdict(&j).exit_code(), 1);
    }

    #[test]
    fn every_step_done_and_every_server_switched_is_done() {
        let mut j = journal();
        finish_all(&mut j);
        assert_eq!(verdict(&j), Verdict::Done);
        assert_eq!(verdict(&j).exit_code(), 0);
        assert!(verdict(&j).left_lines(Lang::En).is_empty());
    }

    #[test]
    fn a_server_the_sdk_config_step_left_makes_it_partly_done_in_both_languages() {
        let mut j = journal();
        finish_all(&mut j);
        j.set_output(
            "session",
            Step::SdkConfig,
            serde_json::json!({
                "per_instance": {},
                "skipped": {"ins-tatoff01": "the TAT agent is offline"},
                "vip": "10.0.1.20"
            }),
            Utc::now(),
        )
        .unwrap();
        let v = verdict(&j);
        assert_eq!(v.exit_code(), EXIT_PARTIAL);
        assert_eq!(
            v.left(),
            [Left::OldAuthUrl {
                phase: "session".into(),
                instance: "ins-tatoff01".into(),
                why: "the TAT agent is offline".into(),
                vip: "10.0.1.20".into()
            }]
        );
        let en = v.left_lines(Lang::En);
        assert!(en[0].starts_with("partly done (exit code 4)"), "{en:?}");
        assert!(
            en[1].starts_with("  ! ins-tatoff01") && en[1].contains("http://10.0.1.20/mina_auth/"),
            "{en:?}"
        );
        let zh = v.left_lines(Lang::Zh);
        assert!(
            zh[0].contains("部分完成") && zh[1].contains("ins-tatoff01"),
            "{zh:?}"
        );
    }

    #[test]
    fn a_skipped_step_is_left_for_the_user_and_a_failed_one_wins() {
        let mut j = journal();
        finish_all(&mut j);
        j.steps
            .iter_mut()
            .find(|s| s.step == Step::SecurityGroup)
            .unwrap()
            .state = StepState::Skipped;
        assert_eq!(
            verdict(&j).left(),
            [Left::StepSkipped {
                phase: "session".into(),
                step: Step::SecurityGroup
            }]
        );
        j.steps
            .iter_mut()
            .find(|s| s.step == Step::Bind)
            .unwrap()
            .state = StepState::Failed {
            reason: "boom".into(),
        };
        assert_eq!(
            verdict(&j),
            Verdict::Failed {
                phase: "session".into(),
                step: Step::Bind,
                reason: "boom".into()
            }
        );
        j.mark_cleaned_up(Utc::now());
        assert_eq!(verdict(&j), Verdict::CleanedUp);
    }
}
