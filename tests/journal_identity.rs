//! One engine, two front ends: the wizard driven by keys and `apply` of the
//! plan the wizard journaled, each on a fresh sandbox world, leave the same
//! journal — the same plan, the same steps in the same states with outputs
//! of the same shape, the same resources created. Ids, tokens, VIPs and
//! times differ between runs and are compared by kind only.
//!
//! Three flows: session servers behind a new internal CLB; business servers
//! joining the existing public CLB (`lb-8xk2pub1`, the business flow offers
//! no other); session servers behind an existing internal CLB. The
//! sandbox's own internal CLB, `lb-ops4int1`, cannot serve the session
//! servers (project 1002190, theirs is 1002189: the wizard refuses it), so that test adds one of their project and subnet to
//! both worlds, as tests/tui_resume_choice.rs does.

use crate::e2e_support;
use crate::tui_support;

use crossterm::event::KeyCode;
use serde_json::Value;

use tcscale::scaleout::journal::{Journal, JournalStore};
use tcscale::sim::world::World;
use tcscale::tui::state::Screen;
use tui_support::Driver;

/// A journal with what differs between any two runs taken out: ids keep
/// their kind (`ins-…`), IPs, tokens, times and paths with times are dropped
/// (a `created` flag is kept, a `created` time is not).
fn normalized(j: &Journal) -> Value {
    fn norm(v: &mut Value) {
        match v {
            Value::String(s) => {
                for prefix in ["ins-", "img-", "lb-", "lbl-", "sg-", "inv-", "task-"] {
                    if s.starts_with(prefix) {
                        *s = format!("{prefix}…");
                    }
                }
                let is_ip = |w: &str| {
                    w.split('.').count() == 4 && w.split('.').all(|p| p.parse::<u8>().is_ok())
                };
                if s.split(' ').any(is_ip) {
                    *s = s
                        .split(' ')
                        .map(|w| if is_ip(w) { "IP" } else { w })
                        .collect::<Vec<_>>()
                        .join(" ");
                }
                if s.contains("/mina_auth/") {
                    *s = "http://VIP/mina_auth/".into();
                }
                if s.contains(".bak") || s.contains("tcscale-") {
                    *s = "PATH".into();
                }
            }
            Value::Array(a) => a.iter_mut().for_each(norm),
            Value::Object(o) => {
                // Keys that are ids (`per_instance`, health) become one key
                // with every value, sorted: how many, and which, still count.
                let mut merged: Vec<(String, Vec<Value>)> = Vec::new();
                for (k, mut x) in std::mem::take(o) {
                    if [
                        "run_id", "created", "updated", "started", "finished", "sandbox",
                    ]
                    .contains(&k.as_str())
                        && !x.is_boolean()
                    {
                        continue;
                    }
                    if k == "client_token" {
                        x = Value::Bool(true);
                    }
                    norm(&mut x);
                    let mut key = Value::String(k);
                    norm(&mut key);
                    let key = key.as_str().unwrap().to_string();
                    match merged.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, all)) => all.push(x),
                        None => merged.push((key, vec![x])),
                    }
                }
                for (k, mut all) in merged {
                    let x = if all.len() == 1 {
                        all.remove(0)
                    } else {
                        all.sort_by_key(Value::to_string);
                        Value::Array(all)
                    };
                    o.insert(k, x);
                }
            }
            _ => {}
        }
    }
    let mut v = serde_json::to_value(j).unwrap();
    // apply binds the servers running today while the copies launch, so its
    // Bind step finds them "already" bound; the wizard binds all at its Bind
    // screen. Both mean: on the listener when the step ended.
    for s in v["steps"].as_array_mut().into_iter().flatten() {
        if let Some(o) = s.get_mut("output").and_then(Value::as_object_mut) {
            if let (Some(Value::Array(already)), Some(Value::Array(_))) =
                (o.remove("already"), o.get("bound"))
            {
                o["bound"].as_array_mut().unwrap().extend(already);
                o.insert("already".into(), Value::Array(vec![]));
            }
        }
    }
    norm(&mut v);
    v
}

fn only_run(dir: &std::path::Path) -> Journal {
    let (mut runs, errors) = JournalStore::new(dir).list_runs();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(runs.len(), 1);
    runs.remove(0)
}

/// The two journals, normalized, are the same: plan, steps and their
/// outputs, and (as sets: apply makes the CLB while the copies launch) the
/// resources created.
fn assert_same_journal(wizard: &Journal, applied: &Journal) {
    let (w, a) = (normalized(wizard), normalized(applied));
    for key in ["plan", "region", "closed", "cleaned_up"] {
        assert_eq!(w.get(key), a.get(key), "{key}");
    }
    let steps = |v: &Value| v["steps"].as_array().cloned().unwrap_or_default();
    let (ws, as_) = (steps(&w), steps(&a));
    assert_eq!(
        ws.iter()
            .map(|s| (s["phase"].clone(), s["step"].clone(), s["state"].clone()))
            .collect::<Vec<_>>(),
        as_.iter()
            .map(|s| (s["phase"].clone(), s["step"].clone(), s["state"].clone()))
            .collect::<Vec<_>>(),
        "the same steps in the same states"
    );
    for (x, y) in ws.iter().zip(&as_) {
        assert_eq!(x, y, "step {}", x["step"]);
    }
    let sorted = |v: &Value| {
        let mut r: Vec<String> = v["created_resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(Value::to_string)
            .collect();
        r.sort();
        r
    };
    assert_eq!(sorted(&w), sorted(&a));
    assert!(!sorted(&w).is_empty());
}

/// Which scale-out the wizard walks, every other proposal taken as it is.
#[derive(Clone, Copy, PartialEq)]
enum Flow {
    /// Session servers behind a new internal CLB.
    SessionNewClb,
    /// Session servers behind [`EXISTING`], added to the world by [`add_existing_clb`].
    SessionExistingClb,
    /// Business servers on the public CLB they are behind today.
    Business,
}

/// An internal CLB of the session servers' project, VPC and subnet, no
/// listener yet: a copy of `lb-ops4int1` moved where it can serve them.
const EXISTING: &str = "lb-same4int";
const PUBLIC_CLB: &str = "lb-8xk2pub1";
const BUSINESS_SOURCE: &str = "ins-bizn0de1";

fn add_existing_clb(w: &mut World) {
    tui_support::add_internal_clb(w, EXISTING);
}

/// Moves the cursor of a list screen to `row` (Up/Down).
fn move_to(d: &mut Driver, cursor: impl Fn(&Driver) -> usize, row: usize) {
    while cursor(d) != row {
        let before = cursor(d);
        d.key(if before < row {
            KeyCode::Down
        } else {
            KeyCode::Up
        });
        assert_ne!(cursor(d), before, "the cursor moves");
    }
}

/// The wizard with keys, from the Overview to the Summary's last health
/// check, journaled in `dir`; its journal.
async fn wizard_run(flow: Flow, dir: &std::path::Path) -> Journal {
    let mut d = Driver::journaled(dir).await;
    d.until("discovery", |a| a.arch.ready().is_some()).await;
    if flow == Flow::SessionExistingClb {
        let sim = d.session.sandbox.as_ref().expect("sandbox").handle();
        sim.with_world(add_existing_clb);
        d.key(KeyCode::Char('r'));
        d.until("discovery again", |a| {
            a.arch
                .ready()
                .is_some_and(|x| x.clbs.iter().any(|c| c.id == EXISTING))
        })
        .await;
    }
    if flow == Flow::Business {
        d.key(KeyCode::Down);
        d.key(KeyCode::Enter);
        let row = d
            .app
            .source_rows()
            .iter()
            .position(|r| r.id == BUSINESS_SOURCE)
            .expect("the business server is listed");
        move_to(&mut d, |d| d.app.source.cursor, row);
    } else {
        d.key(KeyCode::Enter);
    }
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Image);
    d.confirm("CreateImage");
    d.until("image", |a| a.image.progress.is_done()).await;
    d.key(KeyCode::Enter);
    d.confirm("RunInstances");
    d.until("copies", |a| a.launch.progress.is_done()).await;
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::LoadBalancer);
    match flow {
        Flow::SessionNewClb => {
            d.confirm("CreateLoadBalancer");
            d.until("the CLB", |a| a.screen == Screen::Bind).await;
        }
        Flow::SessionExistingClb | Flow::Business => {
            let want = if flow == Flow::Business {
                PUBLIC_CLB
            } else {
                EXISTING
            };
            let row = d
                .app
                .lb_choices()
                .iter()
                .position(|c| c.id == want)
                .unwrap_or_else(|| panic!("{want} is offered"));
            move_to(&mut d, |d| d.app.lb.cursor, row);
            d.key(KeyCode::Enter);
            assert_eq!(d.app.screen, Screen::Bind, "notice {:?}", d.app.notice);
            assert_eq!(d.app.chosen_clb().map(|c| c.id.as_str()), Some(want));
        }
    }
    d.confirm("RegisterTargets");
    d.until("binding", |a| a.bind.progress.is_done()).await;
    d.key(KeyCode::Enter);
    d.until("security groups", |a| a.sg.rows.ready().is_some())
        .await;
    if d.app.sg.rows.ready().unwrap().iter().any(|r| r.fix) {
        d.confirm("CreateSecurityGroupPolicies");
        d.until("the rules", |a| a.sg.progress.is_done()).await;
    }
    d.key(KeyCode::Enter);
    if flow != Flow::Business {
        d.until("sdk.config rows", |a| a.sdk.rows.ready().is_some())
            .await;
        d.confirm("RunCommand");
        d.until("sdk.config", |a| !a.sdk.progress.is_running())
            .await;
        d.key(KeyCode::Enter);
    }
    assert_eq!(d.app.screen, Screen::Summary);
    d.until("the summary's health", |a| a.in_flight == 0).await;
    d.shutdown().await;
    only_run(dir)
}

/// The wizard walks `flow`, then `apply` runs the plan it journaled on a
/// fresh world (with the same additions); both journals are the same.
async fn same_journal_from_both(flow: Flow) {
    let base = std::env::temp_dir().join(format!("tcscale-identity-{}", uuid::Uuid::new_v4()));
    let (wizard_dir, apply_dir) = (base.join("wizard"), base.join("apply"));
    let wizard = wizard_run(flow, &wizard_dir).await;
    let plan = wizard.plan.clone().expect("the wizard's plan");
    // The wizard's business flow is assets/plans/business-servers.toml's.
    if flow == Flow::Business {
        let text =
            std::fs::read_to_string(e2e_support::plan_path("business-servers.toml")).unwrap();
        let asset = tcscale::scaleout::plan::parse(&text).unwrap();
        assert_eq!(plan.role, asset.role);
        let (w, a) = (plan.business.as_ref().unwrap(), asset.business.unwrap());
        assert_eq!(w.source, a.source);
        // The plan's default CLB: the public one the source is behind.
        assert_eq!(w.clb.as_deref(), Some(PUBLIC_CLB));
    }

    let h = e2e_support::sim("").await;
    if flow == Flow::SessionExistingClb {
        h.with_world(add_existing_clb);
    }
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let (_, result) =
        tcscale::cli::apply::apply_plan(&e2e_support::session(&h), &plan, Some(&apply_dir), tx)
            .await;
    result.expect("apply of the wizard's plan");
    let applied = only_run(&apply_dir);
    assert_same_journal(&wizard, &applied);
    h.shutdown().await;
    let _ = std::fs::remove_dir_all(&base);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_and_apply_journal_the_same_run_for_the_same_choices() {
    same_journal_from_both(Flow::SessionNewClb).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_and_apply_journal_the_same_business_run() {
    same_journal_from_both(Flow::Business).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_and_apply_journal_the_same_run_on_an_existing_internal_clb() {
    same_journal_from_both(Flow::SessionExistingClb).await;
}
