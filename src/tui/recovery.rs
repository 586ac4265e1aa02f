//! After a step fails: the engine's recovery options (retry, skip where no
//! later step needs the result, clean up) as the wizard's failure notice, with
//! the keys that do each (`C` opens the run's cleanup dialog on the Runs
//! screen; `tcscale cleanup ID` stays as the shell's way).

use std::path::Path;

use crate::i18n::{t, tf, Lang};
use crate::scaleout::runner::flow::{recovery_options, Recovery};
use crate::scaleout::steps::Step;

/// The run id of a journal file (`…/<run id>.json`), for the cleanup command.
pub fn run_id(journal_path: Option<&str>) -> Option<String> {
    let stem = Path::new(journal_path?).file_stem()?.to_str()?;
    Some(stem.to_string())
}

/// One line: which step failed and what may be done now, in the engine's order.
/// `cleanup_key` is the key that opens the run's cleanup dialog from where
/// the user is (`C`, or `Ctrl-X` while a text field has the keyboard).
pub fn notice(lang: Lang, step: Step, run_id: Option<&str>, cleanup_key: &str) -> String {
    let options: Vec<String> = recovery_options(step)
        .into_iter()
        .map(|o| match o {
            Recovery::Retry => t(lang, "wizard.recovery.retry"),
            // The sdk.config screen's way of going on is doing the edit by hand.
            Recovery::Skip if step == Step::SdkConfig => t(lang, "wizard.recovery.skip_manual"),
            Recovery::Skip => t(lang, "wizard.recovery.skip"),
            Recovery::CleanUp => match run_id {
                Some(id) => tf(
                    lang,
                    "runs.recovery.cleanup_key",
                    &[("id", &id), ("key", &cleanup_key)],
                ),
                None => t(lang, "wizard.recovery.cleanup"),
            },
        })
        .collect();
    tf(
        lang,
        "wizard.recovery.notice",
        &[
            ("step", &step.title(lang)),
            ("options", &options.join(" · ")),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_id_is_the_journal_file_stem() {
        assert_eq!(
            run_id(Some(
                "/home/u/.local/share/tcscale/runs/run-20261125-ab12.json"
            ))
            .as_deref(),
            Some("run-20261125-ab12")
        );
        assert_eq!(run_id(None), None);
    }

    #[test]
    fn skip_is_offered_only_where_the_engine_allows_it() {
        for lang in [Lang::En, Lang::Zh] {
            let launch = notice(lang, Step::Launch, Some("r1"), "C");
            assert!(
                !launch.contains(&t(lang, "wizard.recovery.skip")),
                "{launch}"
            );
            assert!(
                launch.contains(&t(lang, "wizard.recovery.retry")),
                "{launch}"
            );
            assert!(launch.contains("tcscale cleanup r1"), "{launch}");
            assert!(launch.contains("C "), "the key that cleans up: {launch}");
            let sg = notice(lang, Step::SecurityGroup, None, "C");
            assert!(sg.contains(&t(lang, "wizard.recovery.skip")), "{sg}");
        }
    }

    #[test]
    fn notices_in_both_languages() {
        let mut out = String::new();
        for lang in [Lang::En, Lang::Zh] {
            for step in [Step::Bind, Step::SecurityGroup, Step::SdkConfig] {
                out.push_str(&notice(lang, step, Some("run-1"), "C"));
                out.push('\n');
            }
            out.push_str(&notice(lang, Step::Image, Some("run-2"), "Ctrl-X"));
            out.push('\n');
            out.push_str(&notice(lang, Step::Image, None, "C"));
            out.push('\n');
        }
        insta::assert_snapshot!(out);
    }
}
