//! The engine's progress as the user reads it: one line per event, in the
//! user's language (`apply`'s and `resume`'s output, the Runs screen's log).

use tokio::sync::mpsc;

use crate::cloud::status::ClbTask;
use crate::i18n::{t, tf, Lang};
use crate::scaleout::runner::{Progress, Step};

/// Prints progress as lines; returns when the sender side is dropped.
pub async fn print_progress(mut rx: mpsc::UnboundedReceiver<Progress>, lang: Lang) {
    let mut last_countdown: Option<u64> = None;
    while let Some(p) = rx.recv().await {
        if let Some(line) = progress_line(&p, lang, &mut last_countdown) {
            println!("{line}");
        }
    }
}

pub fn step_title(step: Step, lang: Lang) -> String {
    step.title(lang)
}

/// One line for one event (None: nothing worth a line, e.g. a countdown tick).
pub fn progress_line(p: &Progress, lang: Lang, countdown: &mut Option<u64>) -> Option<String> {
    if !matches!(p, Progress::Reconnecting { .. }) {
        *countdown = None;
    }
    Some(match p {
        Progress::StepStarted { step } => format!("▶ {}", step_title(*step, lang)),
        Progress::StepDone { step, summary } => {
            format!("✓ {} {}", step_title(*step, lang), summary.in_lang(lang))
        }
        Progress::StepFailed { step, error } => format!("✗ {}: {error}", step_title(*step, lang)),
        Progress::ImageState { id, state, elapsed } => format!(
            "  {}",
            tf(
                lang,
                "engine.line.image",
                &[("id", id), ("state", state), ("secs", &elapsed.as_secs())]
            )
        ),
        Progress::InstanceState { id, state } => format!("  {id} {state}"),
        Progress::Task {
            clb,
            task_id,
            status,
        } => {
            let s = match status {
                ClbTask::Succeeded => t(lang, "engine.line.task_done"),
                ClbTask::Failed => t(lang, "engine.line.task_failed"),
                ClbTask::Running => t(lang, "engine.line.task_running"),
            };
            format!(
                "  {}",
                tf(
                    lang,
                    "engine.line.task",
                    &[("clb", clb), ("task", task_id), ("status", &s)]
                )
            )
        }
        Progress::TargetBound { instance } => {
            format!("  {}", tf(lang, "engine.line.bound", &[("id", instance)]))
        }
        Progress::TargetHealth { instance, status } => format!(
            "  {}",
            tf(
                lang,
                "engine.line.health",
                &[("id", instance), ("status", status)]
            )
        ),
        Progress::TatOutput {
            instance,
            status,
            output,
        } => {
            let first = output.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            format!("  {instance} TAT {status} {first}")
        }
        Progress::Retrying { reason, wait } => format!(
            "  {}",
            tf(
                lang,
                "engine.line.retrying",
                &[
                    ("reason", reason),
                    ("secs", &format!("{:.1}", wait.as_secs_f64()))
                ]
            )
        ),
        // Its Log line follows (the wave's servers named there).
        Progress::SdkWave { .. } => return None,
        Progress::Reconnecting { seconds_left } => {
            // One line per countdown, not one per second.
            if countdown.is_some() {
                *countdown = Some(*seconds_left);
                return None;
            }
            *countdown = Some(*seconds_left);
            format!(
                "  {}",
                tf(lang, "engine.line.reconnecting", &[("secs", seconds_left)])
            )
        }
        Progress::Cleanup { resource, stage } => {
            use crate::scaleout::journal::ResourceKind;
            use crate::scaleout::runner::cleanup::{action_text, CleanupStage};
            let what = format!("{} {}", resource.kind.name(), resource.id);
            match stage {
                // The rule's verdict follows at once: one line is enough.
                CleanupStage::Started if resource.kind == ResourceKind::SecurityGroupRule => {
                    return None
                }
                CleanupStage::Started if resource.kind == ResourceKind::SdkConfigChange => {
                    format!("  {what} {}", t(lang, "engine.cleanup.restoring"))
                }
                CleanupStage::Started => format!("  {what} {}", t(lang, "engine.cleanup.deleting")),
                // The same line `tcscale cleanup` is read by: `  kind id: verdict`.
                CleanupStage::Done(a) => format!("  {what}: {}", action_text(a, lang)),
            }
        }
        Progress::Log(m) => format!("  {}", m.in_lang(lang)),
        // The launch line that follows says it all.
        Progress::DryRunPassed => return None,
    })
}
