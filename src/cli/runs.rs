//! `tcscale runs`, `tcscale resume ID`, `tcscale cleanup ID [--yes]`: the
//! run journals without the TUI. Resume re-attaches to what exists (by id
//! and ClientToken) and continues; cleanup shows what the run created and,
//! with `--yes`, deletes it.

use std::time::Duration;

use clap::Args;
use tokio::sync::mpsc;

use super::apply::{finish, open_session, print_progress, resume_record, runtime, ui_lang};
use super::GlobalOpts;
use crate::i18n::{t, tf, Lang};
use crate::scaleout::runner::cleanup::{cleanup, cleanup_order, CleanupAction};
use crate::scaleout::runner::record::{list_runs, runs_dir, RunRecord, RunStatus};
use crate::scaleout::runner::{Engine, StepError};

#[derive(Debug, Args)]
pub struct RunsArgs {}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The run id (see `tcscale runs`).
    pub id: String,
    #[arg(long, default_value_t = 1.0, hide = true)]
    pub poll_speed: f64,
}

#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// The run id (see `tcscale runs`).
    pub id: String,
    /// Delete (without it: list what would be deleted).
    #[arg(long)]
    pub yes: bool,
    #[arg(long, default_value_t = 1.0, hide = true)]
    pub poll_speed: f64,
}

fn status_text(s: RunStatus, lang: Lang) -> String {
    let key = match s {
        RunStatus::Running => "engine.runs.running",
        RunStatus::Done => "engine.runs.done",
        RunStatus::Failed => "engine.runs.failed",
        RunStatus::CleanedUp => "engine.runs.cleaned_up",
    };
    t(lang, key)
}

pub fn run_list(global: &GlobalOpts, _args: RunsArgs) -> i32 {
    let lang = ui_lang(global);
    let runs = list_runs(&runs_dir());
    if runs.is_empty() {
        println!("{}", t(lang, "engine.runs.none"));
        return 0;
    }
    for r in runs {
        match r {
            Ok(r) => println!(
                "{}  {}  {}  {}",
                r.id,
                status_text(r.status, lang),
                r.region,
                tf(lang, "engine.runs.created", &[("n", &r.created.len())])
            ),
            Err(e) => eprintln!("{e}"),
        }
    }
    0
}

fn load(id: &str, lang: Lang) -> Result<RunRecord, String> {
    // Ids are file names: refuse anything that could leave the runs directory.
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(tf(lang, "engine.runs.not_found", &[("id", &id)]));
    }
    let path = runs_dir().join(format!("{id}.json"));
    if !path.exists() {
        return Err(tf(lang, "engine.runs.not_found", &[("id", &id)]));
    }
    RunRecord::load(&path)
}

pub fn run_resume(global: &GlobalOpts, args: ResumeArgs) -> i32 {
    let lang = ui_lang(global);
    let record = match load(&args.id, lang) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let spec = match crate::scaleout::runner::plan_spec::spec_from_text(&record.plan, lang) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    rt.block_on(async {
        let mut global = global.clone();
        if global.region.is_none() {
            global.region = Some(record.region.clone());
        }
        let session = match open_session(&global, args.poll_speed).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        };
        let id = record.id.clone();
        println!("{}", tf(lang, "engine.runs.resuming", &[("id", &id)]));
        let (tx, rx) = mpsc::unbounded_channel();
        let printer = tokio::spawn(print_progress(rx, lang));
        let result = resume_record(&session, record, &spec, tx).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), printer).await;
        finish(&id, result, lang)
    })
}

pub fn run_cleanup(global: &GlobalOpts, args: CleanupArgs) -> i32 {
    let lang = ui_lang(global);
    let record = match load(&args.id, lang) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let order = cleanup_order(&record.created);
    if order.is_empty() {
        println!("{}", t(lang, "engine.cleanup.nothing"));
        return 0;
    }
    println!("{}", tf(lang, "engine.cleanup.list", &[("id", &record.id)]));
    for c in &order {
        println!("  {:?} {}", c.kind, c.id);
    }
    if !args.yes {
        println!("{}", t(lang, "engine.cleanup.confirm"));
        return 0;
    }
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    rt.block_on(async {
        let mut global = global.clone();
        if global.region.is_none() {
            global.region = Some(record.region.clone());
        }
        let session = match open_session(&global, args.poll_speed).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let printer = tokio::spawn(print_progress(rx, lang));
        let eng = Engine::new(session.client.clone(), tx, session.poll, lang, record);
        let result: Result<_, StepError> = cleanup(&eng).await;
        drop(eng);
        let _ = tokio::time::timeout(Duration::from_secs(2), printer).await;
        match result {
            Ok(items) => {
                for (c, action) in items {
                    let what = match action {
                        CleanupAction::Deleted => t(lang, "engine.cleanup.deleted"),
                        CleanupAction::AlreadyGone => t(lang, "engine.cleanup.gone"),
                        CleanupAction::Manual(m) => m,
                    };
                    println!("  {:?} {}: {what}", c.kind, c.id);
                }
                0
            }
            Err(e) => {
                eprintln!("{}", e.explain(lang));
                1
            }
        }
    })
}
