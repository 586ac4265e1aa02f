//! One engine, two front ends: the wizard driven by keys and `apply` of the
//! plan the wizard journaled, each on a fresh sandbox world, leave the same
//! journal — the same plan, the same steps in the same states with outputs
//! of the same shape, the same resources created. Ids, tokens, VIPs and
//! times differ between runs and are compared by kind only.

use crate::e2e_support;
use crate::tui_support;

use crossterm::event::KeyCode;
use serde_json::Value;

use tcscale::scaleout::journal::{Journal, JournalStore};
use tcscale::tui::state::Screen;
use tui_support::Driver;

/// A journal with what differs between any two runs taken out: ids keep
/// their kind (`ins-…`), IPs, tokens, times and paths with times are dropped.
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
                let entries: Vec<(String, Value)> = std::mem::take(o).into_iter().collect();
                for (k, mut x) in entries {
                    if [
                        "run_id", "created", "updated", "started", "finished", "sandbox",
                    ]
                    .contains(&k.as_str())
                    {
                        continue;
                    }
                    if k == "client_token" {
                        o.insert(k, Value::Bool(true));
                        continue;
                    }
                    norm(&mut x);
                    let mut key = Value::String(k);
                    norm(&mut key);
                    o.insert(key.as_str().unwrap().to_string(), x);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_and_apply_journal_the_same_run_for_the_same_choices() {
    let base = std::env::temp_dir().join(format!("tcscale-identity-{}", uuid::Uuid::new_v4()));
    let (wizard_dir, apply_dir) = (base.join("wizard"), base.join("apply"));

    // The wizard: session servers, every proposal taken as it is.
    let mut d = Driver::journaled(&wizard_dir).await;
    d.until("discovery", |a| a.arch.ready().is_some()).await;
    d.key(KeyCode::Enter);
    d.key(KeyCode::Enter);
    d.confirm("CreateImage");
    d.until("image", |a| a.image.progress.is_done()).await;
    d.key(KeyCode::Enter);
    d.confirm("RunInstances");
    d.until("copies", |a| a.launch.progress.is_done()).await;
    d.key(KeyCode::Enter);
    d.confirm("CreateLoadBalancer");
    d.until("the CLB", |a| a.screen == Screen::Bind).await;
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
    d.until("sdk.config rows", |a| a.sdk.rows.ready().is_some())
        .await;
    d.confirm("RunCommand");
    d.until("sdk.config", |a| !a.sdk.progress.is_running())
        .await;
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Summary);
    d.until("the summary's health", |a| a.in_flight == 0).await;
    let wizard = only_run(&wizard_dir);
    let plan = wizard.plan.clone().expect("the wizard's plan");

    // apply, of that plan, on a fresh world.
    let h = e2e_support::sim("").await;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let (_, result) =
        tcscale::cli::apply::apply_plan(&e2e_support::session(&h), &plan, Some(&apply_dir), tx)
            .await;
    result.expect("apply of the wizard's plan");
    let applied = only_run(&apply_dir);

    let (w, a) = (normalized(&wizard), normalized(&applied));
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
    // The same resources; apply makes the CLB while the copies launch, so
    // the order of creation differs and the lists are compared as sets.
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
    h.shutdown().await;
    let _ = std::fs::remove_dir_all(&base);
}
