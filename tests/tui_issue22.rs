//! Issue 22, walked with keys against the sandbox: the sdk.config screen's
//! per-row `m` acts on its row (the whole-step manual mode is its own key,
//! behind a confirm naming what it skips); a finished sdk.config wave keeps
//! its finished state while the next runs; the per-server security-group
//! checkbox decides, with shared groups explained and the confirm listing
//! exactly the engine's requests.

use std::cell::RefCell;

use crate::screen_support::render;
use crate::tui_support;

use crossterm::event::KeyCode;

use tcscale::tui::state::*;
use tui_support::Driver;

/// Session flow with keys up to the Security group screen, its check done.
/// `before_check` runs once the targets are bound, before the check reads
/// the servers (it gets the driver and the new servers' ids).
async fn to_security_group(d: &mut Driver, before_check: impl FnOnce(&Driver, &[String])) {
    d.until("discovery", |a| a.arch.ready().is_some()).await;
    assert_eq!(d.app.overview.cursor, 0);
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Source);
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Image);
    d.confirm("CreateImage");
    d.until("image NORMAL", |a| a.image.progress.is_done())
        .await;
    d.key(KeyCode::Enter);
    d.confirm("RunInstances");
    d.until("instances RUNNING", |a| a.launch.progress.is_done())
        .await;
    let new_ids = d.launched_ids();
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::LoadBalancer);
    d.confirm("CreateLoadBalancer");
    d.until("the CLB", |a| a.screen == Screen::Bind).await;
    d.confirm("RegisterTargets");
    d.until("binding and health", |a| a.bind.progress.is_done())
        .await;
    before_check(d, &new_ids);
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::SecurityGroup);
    d.until("the security group check", |a| a.sg.rows.ready().is_some())
        .await;
}

/// On to the sdk.config screen (every missing rule added), its files read.
async fn to_sdk_config(d: &mut Driver) {
    to_security_group(d, |_, _| {}).await;
    if d.app.sg.rows.ready().unwrap().iter().any(|r| r.fix) {
        d.confirm("CreateSecurityGroupPolicies");
        d.until("the rules", |a| a.sg.progress.is_done()).await;
    }
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::SdkConfig);
    d.until("the business servers", |a| a.sdk.rows.ready().is_some())
        .await;
}

fn sdk_rows(d: &Driver) -> Vec<SdkRow> {
    d.app.sdk.rows.ready().unwrap().clone()
}

/// The screen's line that names `id` (its table row).
fn line_of(screen: &str, id: &str) -> String {
    screen
        .lines()
        .find(|l| l.contains(id))
        .unwrap_or_else(|| panic!("{id} on screen:\n{screen}"))
        .to_string()
}

/// The footer: the screen's last line.
fn footer(screen: &str) -> String {
    screen.lines().last().unwrap_or_default().to_string()
}

/// What a business server's sdk.config says now, in the sandbox.
fn file_of(d: &Driver, id: &str, path: &str) -> String {
    let sb = d.session.sandbox.as_ref().expect("sandbox");
    sb.handle().with_world(|w| {
        w.cvm
            .instance(id)
            .and_then(|i| i.files.get(path).cloned())
            .unwrap_or_default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_m_marks_only_its_row_by_hand_and_the_others_still_go_through_tat() {
    let mut d = Driver::new().await;
    to_sdk_config(&mut d).await;
    let rows = sdk_rows(&d);
    let tat: Vec<&SdkRow> = rows
        .iter()
        .filter(|r| r.before.is_some() && r.before.as_deref() != Some(r.after.as_str()))
        .collect();
    assert!(tat.len() >= 2, "{rows:?}");
    let by_hand = tat[0].clone();
    let others: Vec<String> = tat[1..].iter().map(|r| r.instance_id.clone()).collect();
    let row = rows
        .iter()
        .position(|r| r.instance_id == by_hand.instance_id)
        .unwrap();
    while d.app.sdk.cursor != row {
        d.key(KeyCode::Down);
    }

    // `m` acts on this row only: it says so, the others still change.
    d.key(KeyCode::Char('m'));
    assert!(d.app.confirm.is_none(), "a per-row key asks nothing");
    let screen = render(&d.app, 120, 40);
    let mine = line_of(&screen, &by_hand.instance_id);
    assert!(mine.contains("by hand"), "{mine}\n{screen}");
    assert!(!mine.contains("to change"), "{mine}\n{screen}");
    for id in &others {
        let l = line_of(&screen, id);
        assert!(l.contains("to change"), "{l}\n{screen}");
    }
    // The pane shows what to do by hand on this server.
    assert!(screen.contains("set:"), "{screen}");
    // The footer names what the keys do now.
    let keys = footer(&screen);
    assert!(keys.contains("m back to TAT"), "{keys}");
    assert!(keys.contains("M whole step by hand"), "{keys}");
    assert!(keys.contains("apply through TAT"), "{keys}");

    // The whole-step mode is another key, and asks first, naming what it
    // skips; cancelling changes nothing.
    d.key(KeyCode::Char('M'));
    let c = d
        .app
        .confirm
        .clone()
        .expect("a confirm before the whole step by hand");
    let shown = format!("{} {}", c.title, c.body.clone().unwrap_or_default());
    for id in &others {
        assert!(
            shown.contains(id.as_str()),
            "the confirm names {id}: {shown}"
        );
    }
    let on_screen = render(&d.app, 120, 40);
    assert!(on_screen.contains(&others[0]), "{on_screen}");
    d.key(KeyCode::Char('n'));
    assert!(d.app.confirm.is_none());
    let after_cancel = sdk_rows(&d);
    for id in &others {
        let r = after_cancel.iter().find(|r| &r.instance_id == id).unwrap();
        assert!(!r.by_hand, "{id} still through TAT");
    }

    // ⏎ applies through TAT on the others only.
    let c = d.confirm("RunCommand");
    let listed: String = c.calls.iter().map(|c| c.detail.clone()).collect();
    assert!(!listed.contains(&by_hand.instance_id), "{listed}");
    for id in &others {
        assert!(listed.contains(id.as_str()), "{id}: {listed}");
    }
    d.until("sdk.config", |a| !a.sdk.progress.is_running())
        .await;
    assert!(d.app.sdk.progress.is_done(), "{:?}", d.app.sdk.progress);
    for id in &others {
        let r = sdk_rows(&d)
            .into_iter()
            .find(|r| &r.instance_id == id)
            .unwrap();
        assert_eq!(r.status, TargetStatus::Bound, "{id}");
        assert!(file_of(&d, id, &r.path).contains(&r.after), "{id} changed");
    }
    // The one done by hand was left alone, and still says so.
    let r = sdk_rows(&d)
        .into_iter()
        .find(|r| r.instance_id == by_hand.instance_id)
        .unwrap();
    assert!(!file_of(&d, &r.instance_id, &r.path).contains(&r.after));
    let screen = render(&d.app, 120, 40);
    let mine = line_of(&screen, &by_hand.instance_id);
    assert!(mine.contains("by hand"), "{mine}");
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Summary);
    if let Some(sb) = d.session.sandbox.take() {
        sb.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_whole_step_by_hand_asks_first_and_then_skips_tat() {
    let mut d = Driver::new().await;
    to_sdk_config(&mut d).await;
    let rows = sdk_rows(&d);
    let screen = render(&d.app, 120, 40);
    assert!(footer(&screen).contains("M whole step by hand"), "{screen}");
    d.key(KeyCode::Char('M'));
    assert!(d.app.confirm.is_some(), "the whole step asks first");
    d.key(KeyCode::Char('y'));
    assert!(d.app.confirm.is_none());
    let screen = render(&d.app, 120, 40);
    for r in rows
        .iter()
        .filter(|r| r.before.as_deref() != Some(r.after.as_str()))
    {
        let l = line_of(&screen, &r.instance_id);
        assert!(l.contains("by hand"), "{l}\n{screen}");
    }
    let keys = footer(&screen);
    assert!(keys.contains("M all back to TAT"), "{keys}");
    assert!(keys.contains("done by hand, next"), "{keys}");
    d.key(KeyCode::Enter);
    assert!(d.app.confirm.is_none(), "nothing left for TAT");
    assert_eq!(d.app.screen, Screen::Summary);
    for r in &rows {
        assert!(!file_of(&d, &r.instance_id, &r.path).contains(&r.after));
    }
    if let Some(sb) = d.session.sandbox.take() {
        sb.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_a_finished_wave_keeps_its_state_while_the_next_runs() {
    let mut d = Driver::new().await;
    to_sdk_config(&mut d).await;
    d.confirm("RunCommand");
    // Every state each row went through, in order, with the wave under way.
    let seen: RefCell<Vec<(String, TargetStatus, String)>> = RefCell::default();
    d.until("sdk.config", |a| {
        let note = match &a.sdk.progress {
            Progress::Running { note, .. } => note.clone(),
            _ => String::new(),
        };
        let mut seen = seen.borrow_mut();
        for r in a.sdk.rows.ready().into_iter().flatten() {
            let last = seen.iter().rev().find(|(id, _, _)| *id == r.instance_id);
            if last.map(|(_, s, n)| (s, n)) != Some((&r.status, &note)) {
                seen.push((r.instance_id.clone(), r.status.clone(), note.clone()));
            }
        }
        !a.sdk.progress.is_running()
    })
    .await;
    assert!(d.app.sdk.progress.is_done(), "{:?}", d.app.sdk.progress);
    let seen = seen.into_inner();
    let waves: Vec<&String> = {
        let mut w: Vec<&String> = seen
            .iter()
            .map(|(_, _, n)| n)
            .filter(|n| n.starts_with("wave"))
            .collect();
        w.dedup();
        w
    };
    assert!(waves.len() >= 2, "more than one wave: {waves:?}");
    // A server whose wave was under way and then ended never goes back to
    // queued (or idle): it is finished.
    for r in sdk_rows(&d) {
        let mine: Vec<&(String, TargetStatus, String)> = seen
            .iter()
            .filter(|(id, _, _)| *id == r.instance_id)
            .collect();
        let written_in = mine
            .iter()
            .find(|(_, s, n)| *s == TargetStatus::Binding && n.starts_with("wave"))
            .map(|(_, _, n)| n.clone());
        let Some(wave) = written_in else { continue };
        let after_wave = mine
            .iter()
            .skip_while(|(_, _, n)| *n != wave)
            .skip_while(|(_, _, n)| *n == wave);
        for (_, s, n) in after_wave {
            assert!(
                matches!(s, TargetStatus::Bound),
                "{} (written in {wave}) is {s:?} during {n:?}: {mine:?}",
                r.instance_id
            );
        }
        assert_eq!(r.status, TargetStatus::Bound, "{}", r.instance_id);
    }
    if let Some(sb) = d.session.sandbox.take() {
        sb.shutdown().await;
    }
}

/// Rules tcscale added to `group` (its description marks them).
fn added_rules(d: &Driver, group: &str) -> usize {
    let sb = d.session.sandbox.as_ref().expect("sandbox");
    sb.handle().with_world(|w| {
        w.vpc
            .security_groups
            .iter()
            .find(|g| g.group.security_group_id.as_deref() == Some(group))
            .map(|g| {
                g.ingress
                    .iter()
                    .filter(|r| {
                        r.policy_description
                            .as_deref()
                            .is_some_and(|d| d.starts_with("tcscale"))
                    })
                    .count()
            })
            .unwrap_or(0)
    })
}

const SHARED: &str = "sg-auth4c5d";
const OWN: &str = "sg-2nd0auth";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sg_an_unticked_server_keeps_its_group_unless_a_ticked_one_shares_it() {
    let mut d = Driver::new().await;
    // The first new server gets a group of its own (as blocked as the
    // shared one), between two servers of the shared group.
    let mut own_server = String::new();
    to_security_group(&mut d, |d, new_ids| {
        own_server = new_ids[0].clone();
        let sb = d.session.sandbox.as_ref().expect("sandbox");
        sb.handle().with_world(|w| {
            let mut g = w
                .vpc
                .security_groups
                .iter()
                .find(|g| g.group.security_group_id.as_deref() == Some(SHARED))
                .unwrap()
                .clone();
            g.group.security_group_id = Some(OWN.into());
            w.vpc.security_groups.push(g);
            let i = w.cvm.instance_mut(&new_ids[0]).unwrap();
            i.instance.security_group_ids = Some(vec![OWN.into()]);
        });
    })
    .await;
    let rows = d.app.sg.rows.ready().unwrap().clone();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(
        rows.iter().all(|r| r.allowed_by.is_none() && r.fix),
        "{rows:?}"
    );
    let groups: Vec<&str> = rows.iter().map(|r| r.group_id.as_str()).collect();
    assert_eq!(groups, [SHARED, OWN, SHARED], "{rows:?}");
    let shared: Vec<String> = rows
        .iter()
        .filter(|r| r.group_id == SHARED)
        .map(|r| r.instance_id.clone())
        .collect();

    // Everything ticked: one request per group, as the engine sends them.
    d.key(KeyCode::Enter);
    let c = d.app.confirm.clone().expect("the confirm");
    let sent: Vec<String> = c
        .calls
        .iter()
        .map(|c| {
            let v: serde_json::Value = serde_json::from_str(&c.detail).unwrap();
            v["SecurityGroupId"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(sent, [SHARED, OWN], "{:?}", c.calls);
    d.key(KeyCode::Char('n'));

    // Untick the server with its own group and the first of the shared
    // group: only the shared group gets the rule, the second needs it.
    d.key(KeyCode::Char(' '));
    d.key(KeyCode::Down);
    d.key(KeyCode::Char(' '));
    let screen = render(&d.app, 120, 40);
    let first = line_of(&screen, &shared[0]);
    assert!(
        first.contains("[ ]") && first.contains(&shared[1]),
        "the unticked row says which ticked server still needs the rule: {first}\n{screen}"
    );
    let own = line_of(&screen, &own_server);
    assert!(
        own.contains("[ ]") && !own.contains(&shared[1]),
        "nothing else needs the rule in its group: {own}"
    );
    let c = d.confirm("CreateSecurityGroupPolicies");
    let sent: Vec<serde_json::Value> = c
        .calls
        .iter()
        .map(|c| serde_json::from_str(&c.detail).unwrap())
        .collect();
    assert_eq!(sent.len(), 1, "{:?}", c.calls);
    assert_eq!(sent[0]["SecurityGroupId"], SHARED);
    d.until("the rules", |a| a.sg.progress.is_done()).await;
    // The world has what the dialog said: the rule in the shared group,
    // the unticked server's own group left alone.
    assert_eq!(added_rules(&d, SHARED), 1);
    assert_eq!(added_rules(&d, OWN), 0);
    let rows = d.app.sg.rows.ready().unwrap().clone();
    let own_row = rows.iter().find(|r| r.instance_id == own_server).unwrap();
    assert!(
        own_row.allowed_by.is_none() && !own_row.fixed,
        "{own_row:?}"
    );
    let screen = render(&d.app, 120, 40);
    let first = line_of(&screen, &shared[0]);
    assert!(
        first.contains(&shared[1]),
        "the unticked row says why its group got the rule: {first}"
    );
    if let Some(sb) = d.session.sandbox.take() {
        sb.shutdown().await;
    }
}
