//! The Runs screen's async work: a resume or a cleanup of a journaled run
//! through the engine, with the session's client, its progress forwarded
//! as [`RunsEvent::Progress`] while it works.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::i18n::{tf, Lang};
use crate::scaleout::journal::JournalStore;
use crate::scaleout::journal::{Resource, ResourceKind};
use crate::scaleout::runner::cleanup::{cleanup, run_vip, sdk_change_target, CleanupAction};
use crate::scaleout::runner::record::RunRecord;
use crate::scaleout::runner::record::RunStatus;
use crate::scaleout::runner::{resume, skip_failed, Engine};

use super::runs::{HeldBack, RunsEvent, RunsJob};

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
    let record = RunRecord::load(&JournalStore::new(dir), id)?;
    let (run, here) = (record.journal.region.clone(), session.client.region());
    if !run.is_empty() && run != here {
        return Err(tf(
            lang,
            "runs.region_mismatch",
            &[("id", &id), ("run_region", &run), ("session_region", &here)],
        ));
    }
    Ok(Engine::new(
        session.client.clone(),
        progress,
        session.poll,
        lang,
        record,
    ))
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
                resume(&eng).await.map(drop).map_err(|e| e.explain(lang))
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
                        .filter(|(r, a)| still_at_vip(r, a, &vip, lang))
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

/// Whether cleanup left `r`, an sdk.config, pointing at `vip` (so that
/// server's login breaks once the VIP goes). The engine's verdict is the
/// text of `engine.cleanup.sdk_*`; it says "left" but not whether the file
/// still names the VIP, so this mirrors the engine's rule on the text: a
/// missing file, a restored file whose restart failed, and someone's later
/// edit that no longer names the VIP do not; every other file left does.
fn still_at_vip(r: &Resource, a: &CleanupAction, vip: &str, lang: Lang) -> bool {
    let CleanupAction::Manual(text) = a else {
        return false;
    };
    if r.kind != ResourceKind::SdkConfigChange {
        return false;
    }
    let (instance, path) = sdk_change_target(r);
    let known: [(&str, &dyn std::fmt::Display); 3] = [
        ("instance", &instance),
        ("path", &path),
        ("backup", &r.detail),
    ];
    let holes = |key: &str| template_holes(&tf(lang, key, &known), text);
    if holes("engine.cleanup.sdk_file_missing").is_some()
        || holes("engine.cleanup.sdk_restart_failed").is_some()
    {
        return false;
    }
    match holes("engine.cleanup.sdk_changed").as_deref() {
        Some([url]) if !vip.is_empty() => url.contains(vip),
        _ => true,
    }
}

/// The values of a filled-in template's remaining `{name}` holes in
/// `text`, when `text` is that template (literal parts in order).
fn template_holes(template: &str, text: &str) -> Option<Vec<String>> {
    let mut literals = vec![String::new()];
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map(|c| open + c);
        let hole = close.filter(|&c| {
            c > open + 1
                && rest[open + 1..c]
                    .chars()
                    .all(|x| x.is_ascii_lowercase() || x == '_')
        });
        let last = literals.last_mut().expect("a literal");
        match hole {
            Some(c) => {
                last.push_str(&rest[..open]);
                literals.push(String::new());
                rest = &rest[c + 1..];
            }
            None => {
                last.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    literals.last_mut().expect("a literal").push_str(rest);
    let mut at = text.strip_prefix(literals[0].as_str())?;
    if literals.len() == 1 {
        return at.is_empty().then(Vec::new);
    }
    let mut values = Vec::new();
    for (i, lit) in literals.iter().enumerate().skip(1) {
        let end = if i == literals.len() - 1 {
            // The last literal ends the text.
            at.len()
                .checked_sub(lit.len())
                .filter(|&e| at[e..] == **lit)?
        } else if lit.is_empty() {
            0
        } else {
            at.find(lit.as_str())?
        };
        values.push(at[..end].to_string());
        at = &at[end + lit.len()..];
    }
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sdk() -> Resource {
        Resource {
            kind: ResourceKind::SdkConfigChange,
            id: "ins-1:/etc/qcloud/sdk.config".into(),
            region: "ap-guangzhou".into(),
            parent: Some("ins-1".into()),
            detail: "/etc/qcloud/sdk.config.bak.1".into(),
        }
    }

    fn verdict(key: &str, extra: &[(&str, &dyn std::fmt::Display)], lang: Lang) -> CleanupAction {
        let mut args: Vec<(&str, &dyn std::fmt::Display)> = vec![
            ("instance", &"ins-1"),
            ("path", &"/etc/qcloud/sdk.config"),
            ("backup", &"/etc/qcloud/sdk.config.bak.1"),
            ("copy", &"cp -p 'a' 'b'"),
        ];
        args.extend_from_slice(extra);
        CleanupAction::Manual(tf(lang, key, &args))
    }

    #[test]
    fn holes_of_a_template_are_read_back() {
        assert_eq!(
            template_holes("a {x} b {y}.", "a 1 b 2 3."),
            Some(vec!["1".into(), "2 3".into()])
        );
        assert_eq!(template_holes("a {x} b", "a 1 c"), None);
        assert_eq!(template_holes("{x}", "all"), Some(vec!["all".into()]));
        assert_eq!(template_holes("plain", "plain"), Some(vec![]));
        assert_eq!(template_holes("plain", "plainer"), None);
        assert_eq!(
            template_holes("{ not a hole }", "{ not a hole }"),
            Some(vec![])
        );
    }

    #[test]
    fn which_unrestored_files_still_point_at_the_vip() {
        let vip = "10.0.1.20";
        for lang in [Lang::En, Lang::Zh] {
            let at = |a: &CleanupAction| still_at_vip(&sdk(), a, vip, lang);
            assert!(at(&verdict("engine.cleanup.sdk_offline", &[], lang)));
            assert!(at(&verdict("engine.cleanup.sdk_backup_missing", &[], lang)));
            assert!(at(&verdict("engine.cleanup.sdk_vip_unknown", &[], lang)));
            assert!(at(&verdict(
                "engine.cleanup.sdk_failed",
                &[("reason", &"timeout")],
                lang
            )));
            let url = format!("http://{vip}/mina_auth/");
            assert!(at(&verdict(
                "engine.cleanup.sdk_changed",
                &[("url", &url)],
                lang
            )));
            assert!(!at(&verdict(
                "engine.cleanup.sdk_changed",
                &[("url", &"http://10.0.1.9/mina_auth/")],
                lang
            )));
            assert!(!at(&verdict("engine.cleanup.sdk_file_missing", &[], lang)));
            assert!(!at(&verdict(
                "engine.cleanup.sdk_restart_failed",
                &[("restart", &"pm2 restart all")],
                lang
            )));
            assert!(!at(&CleanupAction::Restored {
                backup: "b".into(),
                saved_edit: "s".into()
            }));
            assert!(!at(&CleanupAction::AlreadyGone));
        }
        // Only sdk.config changes point anywhere.
        let mut lb = sdk();
        lb.kind = ResourceKind::LoadBalancer;
        let held = CleanupAction::Manual("kept".into());
        assert!(!still_at_vip(&lb, &held, vip, Lang::En));
    }
}
