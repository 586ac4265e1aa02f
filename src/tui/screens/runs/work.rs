//! The Runs screen's async work: a resume or a cleanup of a journaled run
//! through the engine, with the session's client, its progress forwarded
//! as [`RunsEvent::Progress`] while it works.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::i18n::{tf, Lang};
use crate::scaleout::journal::JournalStore;
use crate::scaleout::runner::cleanup::{cleanup, run_vip, CleanupAction};
use crate::scaleout::runner::record::RunRecord;
use crate::scaleout::runner::record::RunStatus;
use crate::scaleout::runner::{resume, skip_failed, Engine};

use super::{HeldBack, RunsEvent, RunsJob};

/// The engine for run `id`: the session's own record when it is the
/// wizard's current run (so the wizard sees what cleanup did), else the
/// journal loaded from `dir`. Refused when the run belongs to another region.
fn engine_for(
    session: &Engine,
    id: &str,
    dir: &std::path::Path,
    lang: Lang,
    progress: mpsc::UnboundedSender<crate::scaleout::runner::Progress>,
) -> Result<Engine, String> {
    if session.recorded(|r| r.id() == id) {
        return Ok(Engine {
            progress,
            lang,
            ..session.clone()
        });
    }
    let record = RunRecord::load(&JournalStore::new(dir), id, lang)?;
    let (run, here) = (record.journal.region.clone(), session.client.region());
    if !run.is_empty() && run != here {
        return Err(tf(
            lang,
            "runs.region_mismatch",
            &[("id", &id), ("run_region", &run), ("session_region", &here)],
        ));
    }
    // Its calls are audited in its own file, not the wizard's current run's.
    let eng = session.for_record(record, progress);
    Ok(Engine {
        lang,
        client: eng.client.for_run(id),
        ..eng
    })
}

/// Performs `job`; every event goes to `send`, the last one says how it ended.
pub async fn run_job(
    session: Engine,
    job: RunsJob,
    send: impl Fn(RunsEvent) + Send + Sync + 'static,
) {
    let send = Arc::new(send);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let forward = {
        let send = send.clone();
        tokio::spawn(async move {
            while let Some(p) = rx.recv().await {
                send(RunsEvent::Progress(p));
            }
        })
    };
    let last = match job {
        RunsJob::Resume {
            id,
            dir,
            skip,
            lang,
        } => {
            let result = async {
                let eng = engine_for(&session, &id, &dir, lang, tx)?;
                if skip {
                    let step = skip_failed(&eng).map_err(|e| e.explain(lang))?;
                    eng.log("engine.recovery.skipped", &[("step", &step.title(lang))]);
                }
                resume(&eng).await.map_err(|e| e.explain(lang))?;
                // The run's verdict, as `tcscale resume` decides its exit code.
                Ok(eng.recorded(|r| crate::scaleout::run::verdict(&r.journal)))
            }
            .await;
            RunsEvent::Resumed { id, result }
        }
        RunsJob::Cleanup {
            id,
            dir,
            lang,
            force,
        } => {
            let result = async {
                let eng = engine_for(&session, &id, &dir, lang, tx)?;
                let done = cleanup(&eng, force).await.map_err(|e| e.explain(lang))?;
                // Cleanup marks the run cleaned up unless it held everything back.
                let (cleaned, vip) = eng.recorded(|r| {
                    (
                        r.journal.status() == RunStatus::CleanedUp,
                        run_vip(&r.journal).unwrap_or_default(),
                    )
                });
                Ok((done, (!cleaned).then_some(vip)))
            }
            .await;
            match result {
                Ok((results, Some(vip))) => {
                    let unrestored = results
                        .iter()
                        .filter(|(_, a)| {
                            matches!(
                                a,
                                CleanupAction::NotRestored {
                                    points_at_vip: true,
                                    ..
                                }
                            )
                        })
                        .map(|(r, _)| r.clone())
                        .collect();
                    RunsEvent::HeldBack {
                        id,
                        results,
                        held: HeldBack { vip, unrestored },
                    }
                }
                Ok((results, None)) => RunsEvent::CleanedUp {
                    id,
                    result: Ok(results),
                },
                Err(e) => RunsEvent::CleanedUp { id, result: Err(e) },
            }
        }
    };
    // Every progress line before the verdict (the engine and its sender are gone).
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), forward).await;
    send(last);
}
