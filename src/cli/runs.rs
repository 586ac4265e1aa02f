//! `tcscale runs`, `tcscale resume ID`, `tcscale cleanup ID [--yes]`: the
//! run journals without the TUI. Resume re-attaches to what exists (by id
//! and ClientToken) and continues; cleanup shows what the run created and,
//! with `--yes`, restores the sdk.config files it changed and deletes the rest.

use std::time::Duration;

use clap::Args;
use tokio::sync::mpsc;

use super::apply::{finish, open_session, print_progress, ui_lang};
use super::session::block_on_logged;
use super::GlobalOpts;
use crate::i18n::{t, tf, Lang};
use crate::scaleout::journal::JournalStore;
use crate::scaleout::journal::Resource;
use crate::scaleout::runner::cleanup::{
    action_text, cleanup, cleanup_plan, group_of, preview_text, CleanupAction, CleanupGroup,
};
use crate::scaleout::runner::record::{runs_dir, RunRecord};
use crate::scaleout::runner::{resume, skip_failed, StepError};

#[derive(Debug, Args)]
pub struct RunsArgs {}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The run id (see `tcscale runs`).
    pub id: String,
    /// Go on without the step that failed (only where no later step needs it).
    #[arg(long)]
    pub skip_failed: bool,
    /// Do it (without it: list what the resume would check, retry and do, change nothing).
    #[arg(long)]
    pub yes: bool,
    #[arg(long, default_value_t = 1.0, hide = true, value_parser = super::usage::parse_poll_speed)]
    pub poll_speed: f64,
}

#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// The run id (see `tcscale runs`).
    pub id: String,
    /// Do it: restore changed sdk.config files, delete the rest (without it: list what would be done).
    #[arg(long)]
    pub yes: bool,
    /// Delete even when an sdk.config could not be restored and still
    /// points at the run's VIP (its server's login breaks).
    #[arg(long)]
    pub force: bool,
    #[arg(long, default_value_t = 1.0, hide = true, value_parser = super::usage::parse_poll_speed)]
    pub poll_speed: f64,
}

fn store() -> JournalStore {
    JournalStore::new(runs_dir())
}

pub fn run_list(global: &GlobalOpts, _args: RunsArgs) -> i32 {
    let lang = ui_lang(global);
    let (runs, errors) = store().list_runs();
    let unreadable = super::usage::unreadable_runs(&runs_dir(), &errors, lang);
    if runs.is_empty() && unreadable.is_empty() {
        println!("{}", t(lang, "engine.runs.none"));
        return 0;
    }
    // A journal that cannot be read is a run nobody can resume or clean up: listed, and exit 1.
    for line in &unreadable {
        println!("{line}");
    }
    for r in runs {
        println!(
            "{}  {}  {}  {}",
            r.run_id,
            crate::scaleout::run::verdict(&r).status_text(lang),
            r.region,
            tf(
                lang,
                "engine.runs.created",
                &[("n", &r.created_resources.len())]
            )
        );
    }
    i32::from(!unreadable.is_empty())
}

/// The journaled run `id`; `None` once the reason it cannot be read has been printed.
fn load(id: &str, lang: Lang) -> Option<RunRecord> {
    let store = store();
    let record = if id.is_empty() || !store.path_of(id).exists() {
        Err(tf(lang, "engine.runs.not_found", &[("id", &id)]))
    } else {
        RunRecord::load(&store, id, lang)
    };
    record.map_err(|e| eprintln!("{e}")).ok()
}

/// The session of a journaled run: its region unless --region says otherwise.
/// `None` once the reason it cannot open has been printed.
async fn session_for(
    global: &GlobalOpts,
    record: &RunRecord,
    poll_speed: f64,
) -> Option<super::apply::Session> {
    let mut global = global.clone();
    if global.region.is_none() && !record.journal.region.is_empty() {
        global.region = Some(record.journal.region.clone());
    }
    open_session(&global, poll_speed)
        .await
        .map_err(|e| eprintln!("{e}"))
        .ok()
}

pub fn run_resume(global: &GlobalOpts, args: ResumeArgs) -> i32 {
    let lang = ui_lang(global);
    let Some(record) = load(&args.id, lang) else {
        return 2;
    };
    if !args.yes {
        for line in crate::scaleout::runner::resume::preview(&record.journal, lang) {
            println!("{line}");
        }
        println!(
            "{}",
            tf(lang, "engine.resume.confirm", &[("id", &record.id())])
        );
        return 0;
    }
    block_on_logged(async {
        let Some(session) = session_for(global, &record, args.poll_speed).await else {
            return 2;
        };
        let id = record.id().to_string();
        let (tx, rx) = mpsc::unbounded_channel();
        let eng = session.engine(record, tx);
        if args.skip_failed {
            match skip_failed(&eng) {
                Ok(step) => println!(
                    "{}",
                    tf(
                        lang,
                        "engine.recovery.skipped",
                        &[("step", &step.title(lang))]
                    )
                ),
                Err(e) => {
                    eprintln!("{}", e.explain(lang));
                    return 2;
                }
            }
        }
        println!("{}", tf(lang, "engine.runs.resuming", &[("id", &id)]));
        let printer = tokio::spawn(print_progress(rx, lang));
        let result = resume(&eng).await;
        drop(eng);
        let _ = tokio::time::timeout(Duration::from_secs(2), printer).await;
        let journal = JournalStore::new(runs_dir()).load(&id).ok();
        finish(&id, result, journal.as_ref(), lang)
    })
}

pub fn run_cleanup(global: &GlobalOpts, args: CleanupArgs) -> i32 {
    let lang = ui_lang(global);
    let Some(record) = load(&args.id, lang) else {
        return 2;
    };
    let order: Vec<_> = record
        .journal
        .cleanup_order()
        .into_iter()
        .cloned()
        .collect();
    if order.is_empty() {
        println!("{}", t(lang, "engine.cleanup.nothing"));
        return 0;
    }
    let shared = record.shared_with_other_runs();
    for line in preview_lines(&order, &shared, record.id(), lang) {
        println!("{line}");
    }
    if !args.yes {
        println!("{}", t(lang, "engine.cleanup.confirm"));
        return 0;
    }
    block_on_logged(async {
        let Some(session) = session_for(global, &record, args.poll_speed).await else {
            return 2;
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let printer = tokio::spawn(print_progress(rx, lang));
        let id = record.id().to_string();
        let eng = session.engine(record, tx);
        debug_assert_eq!(cleanup_plan(&eng), order);
        let result: Result<_, StepError> = cleanup(&eng, args.force).await;
        drop(eng);
        let _ = tokio::time::timeout(Duration::from_secs(2), printer).await;
        match result {
            Ok(items) => {
                // Each resource's line was printed as it ended; the tally and
                // what is left to do close the output.
                for line in summary_lines(&id, &items, lang) {
                    println!("{line}");
                }
                cleanup_exit_code(&items)
            }
            Err(e) => {
                eprintln!("{}", e.explain(lang));
                1
            }
        }
    })
}

/// Exit code of a finished cleanup: 0 when everything is undone, 3 while
/// anything is held back or left to the user (a file not restored, a
/// security-group rule to remove by hand), so scripts do not take a
/// partial cleanup for a whole one.
pub fn cleanup_exit_code(items: &[(Resource, CleanupAction)]) -> i32 {
    let left = items.iter().any(|(_, a)| {
        matches!(
            a,
            CleanupAction::Manual(_) | CleanupAction::NotRestored { .. }
        )
    });
    if left {
        3
    } else {
        0
    }
}

/// What `tcscale cleanup ID` will do, before `--yes`: the groups in
/// cleanup's order (restored, deleted, left to the user), and what it keeps
/// because another run (`shared`: id → run) uses it too.
pub fn preview_lines(
    order: &[Resource],
    shared: &std::collections::BTreeMap<String, String>,
    id: &str,
    lang: Lang,
) -> Vec<String> {
    let mut out = vec![tf(lang, "engine.cleanup.list", &[("id", &id)])];
    for (group, head) in [
        (CleanupGroup::Restored, "engine.cleanup.group.restore"),
        (CleanupGroup::Deleted, "engine.cleanup.group.delete"),
        (CleanupGroup::LeftToUser, "engine.cleanup.group.manual"),
    ] {
        let items: Vec<&Resource> = order
            .iter()
            .filter(|c| group_of(c.kind) == group && !shared.contains_key(&c.id))
            .collect();
        if items.is_empty() {
            continue;
        }
        out.push(t(lang, head));
        for c in items {
            out.push(format!("  {} {}", c.kind.name(), preview_text(c, lang)));
        }
    }
    let kept: Vec<&Resource> = order
        .iter()
        .filter(|c| shared.contains_key(&c.id))
        .collect();
    if !kept.is_empty() {
        out.push(t(lang, "engine.cleanup.group.shared"));
        for c in kept {
            let why = action_text(
                &CleanupAction::Shared {
                    run: shared[&c.id].clone(),
                },
                lang,
            );
            out.push(format!(
                "  {} {}: {why}",
                c.kind.name(),
                preview_text(c, lang)
            ));
        }
    }
    out
}

/// The closing tally, then each thing left to the user again (its line
/// scrolled by among the others).
fn summary_lines(id: &str, items: &[(Resource, CleanupAction)], lang: Lang) -> Vec<String> {
    let count = |f: fn(&CleanupAction) -> bool| items.iter().filter(|(_, a)| f(a)).count();
    let restored = count(|a| {
        matches!(
            a,
            CleanupAction::Restored { .. } | CleanupAction::AlreadyRestored { .. }
        )
    });
    let deleted = count(|a| matches!(a, CleanupAction::Deleted));
    let gone = count(|a| matches!(a, CleanupAction::AlreadyGone));
    let manual: Vec<String> = items
        .iter()
        .filter_map(|(c, a)| match a {
            CleanupAction::Manual(m) | CleanupAction::NotRestored { why: m, .. } => {
                Some(format!("  {} {}: {m}", c.kind.name(), c.id))
            }
            _ => None,
        })
        .collect();
    let mut out = vec![tf(
        lang,
        "engine.cleanup.summary",
        &[
            ("id", &id),
            ("restored", &restored),
            ("deleted", &deleted),
            ("gone", &gone),
            ("manual", &manual.len()),
        ],
    )];
    if !manual.is_empty() {
        out.push(t(lang, "engine.cleanup.left_header"));
        out.extend(manual);
    }
    out
}
