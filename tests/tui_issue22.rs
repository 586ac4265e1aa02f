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
    let new_ids = d.image_and_launch().await;
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
    d.shutdown().await;
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
    d.shutdown().await;
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
    d.shutdown().await;
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
    d.shutdown().await;
}

/// Defect 8 (c): at 80x24 the resume confirm's buttons show above the
/// unfinished-runs notice, its last row not covered.
#[test]
fn d8_c_the_resume_confirms_buttons_are_not_under_the_notice() {
    use crate::runs_screens;
    use tcscale::i18n::{t, tf, Lang};
    for lang in [Lang::En, Lang::Zh] {
        let dir = runs_screens::store();
        // The failed run failed on a long API error, as a real one does.
        let long =
            "InvalidInstanceType.Malformed: 指定InstanceType参数格式不合法。 Check the request \
            against the message; if it is unclear, quote RequestId \
            d9fe5742-6947-42a9-a9be-695df336ced2 to Tencent Cloud support. — RunInstances \
            failed: InvalidInstanceType.Malformed: The instance type `ZZ.BOGUS9` is malformed. \
            (RequestId d9fe5742-6947-42a9-a9be-695df336ced2)";
        for e in std::fs::read_dir(&dir.0).unwrap() {
            let path = e.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replace("quota of instances exceeded", long)).unwrap();
        }
        let mut a = runs_screens::app(lang, &dir);
        a.notice = Some((
            CheckLevel::Warn,
            tf(
                lang,
                "runs.unfinished_notice",
                &[
                    ("n", &1),
                    ("id", &"20261207-193137-0892129b"),
                    ("created", &1),
                ],
            ),
        ));
        // The failed run: its resume dialog names the failure, so it is tall.
        runs_screens::key(&mut a, KeyCode::Down);
        runs_screens::key(&mut a, KeyCode::Char('r'));
        assert!(a.runs.confirm.is_some());
        let text = render(&a, 80, 24);
        let rows: Vec<&str> = text.lines().collect();
        let yes = t(lang, "runs.key.resume_confirm");
        let buttons = rows
            .iter()
            .position(|r| r.contains("y/⏎") && r.contains(&yes))
            .unwrap_or_else(|| panic!("the buttons:\n{text}"));
        // The dialog's bottom border is right below the buttons, and the notice after it.
        assert!(rows[buttons + 1].trim_start().starts_with('└'), "{text}");
        let notice_head: String = tf(
            lang,
            "runs.unfinished_notice",
            &[
                ("n", &1),
                ("id", &"20261207-193137-0892129b"),
                ("created", &1),
            ],
        )
        .chars()
        .take(8)
        .collect();
        let notice = rows
            .iter()
            .position(|r| r.contains(&notice_head))
            .unwrap_or_else(|| panic!("the notice:\n{text}"));
        assert!(notice > buttons + 1, "{text}");
    }
}

// Issue 22, defects 4-5 (walked from the Overview): a notice goes with
// the event that resolves it; the source picker says why a row is greyed,
// refuses it, asks before copying a server of the other role, and keeps
// the Role column at 80 columns.

/// Session flow with keys up to the Launch form (the image made).
async fn to_launch(d: &mut Driver) {
    d.until("discovery", |a| a.arch.ready().is_some()).await;
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Source);
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Image);
    d.confirm("CreateImage");
    d.until("image NORMAL", |a| a.image.progress.is_done())
        .await;
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Launch);
}

fn launch_fail(d: &Driver, p: f64) {
    let sb = d.session.sandbox.as_ref().expect("sandbox");
    sb.handle().with_world(|w| w.faults.launch_fail = p);
}

/// To the Launch screen, then a launch the sandbox fails.
async fn to_failed_launch(d: &mut Driver) {
    to_launch(d).await;
    launch_fail(d, 1.0);
    d.confirm("RunInstances");
    d.until_even_failing("the launch to fail", |a| {
        matches!(a.launch.progress, Progress::Failed { .. })
    })
    .await;
}

fn notice(d: &Driver) -> String {
    d.app.notice.clone().map(|(_, t)| t).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notice_of_a_failed_launch_goes_once_the_retry_succeeds() {
    let mut d = Driver::new().await;
    to_failed_launch(&mut d).await;
    assert!(notice(&d).contains("Launch failed"), "{}", notice(&d));
    // ⏎ retries (the notice says so), and this time the servers start.
    launch_fail(&d, 0.0);
    d.confirm("RunInstances");
    d.until_even_failing("the retried launch", |a| !a.launch.progress.is_running())
        .await;
    assert!(
        d.app.launch.progress.is_done(),
        "{:?}",
        d.app.launch.progress
    );
    let screen = render(&d.app, 120, 40);
    assert!(screen.contains("running"), "{screen}");
    assert!(
        !screen.contains("Launch failed"),
        "the failure was retried away:\n{screen}"
    );
    assert!(d.app.notice.is_none(), "{:?}", d.app.notice);
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notice_of_an_unfit_clb_goes_once_another_is_created() {
    let mut d = Driver::new().await;
    to_launch(&mut d).await;
    d.confirm("RunInstances");
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::LoadBalancer);
    let unfit = d
        .app
        .lb_choices()
        .iter()
        .position(|c| c.id == "lb-ops4int1")
        .expect("lb-ops4int1 listed");
    while d.app.lb.cursor > unfit {
        d.key(KeyCode::Up);
    }
    while d.app.lb.cursor < unfit {
        d.key(KeyCode::Down);
    }
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::LoadBalancer);
    assert!(notice(&d).contains("cannot serve"), "{}", notice(&d));
    // The "create one" row: the CLB the notice asked for.
    while d.app.lb.cursor < d.app.lb_choices().len() {
        d.key(KeyCode::Down);
    }
    d.confirm("CreateLoadBalancer");
    assert!(d.app.lb.progress.is_running());
    let screen = render(&d.app, 120, 40);
    assert!(
        !screen.contains("cannot serve"),
        "another CLB is being created:\n{screen}"
    );
    assert!(d.app.notice.is_none(), "{:?}", d.app.notice);
    d.until("the CLB", |a| a.screen == Screen::Bind).await;
    assert!(d.app.notice.is_none(), "{:?}", d.app.notice);
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_mismatches_are_no_longer_shown_once_fixed() {
    let mut d = Driver::new().await;
    to_launch(&mut d).await;
    // Another zone than the source's: a mismatch, ⏎ is refused.
    while d.app.launch.focus != 2 {
        d.key(KeyCode::Tab);
    }
    let zone = d.app.launch.zone.value.clone();
    assert!(zone.ends_with('3'), "{zone}");
    d.key(KeyCode::Backspace);
    d.key(KeyCode::Char('4'));
    d.key(KeyCode::Enter);
    assert!(d.app.confirm.is_none());
    assert!(notice(&d).contains("placement differs"), "{}", notice(&d));
    let screen = render(&d.app, 120, 40);
    assert!(footer(&screen).contains("^O accept"), "{screen}");
    // Accepted (o on the checks): the refusal is answered.
    while d.app.launch.focus != 4 {
        d.key(KeyCode::Tab);
    }
    d.key(KeyCode::Char('o'));
    let screen = render(&d.app, 120, 40);
    assert!(
        screen.contains("You accepted the mismatches above"),
        "{screen}"
    );
    assert!(d.app.notice.is_none(), "{:?}", d.app.notice);
    // The zone back to the source's: nothing is accepted any more.
    while d.app.launch.focus != 2 {
        d.key(KeyCode::Tab);
    }
    d.key(KeyCode::Backspace);
    d.key(KeyCode::Char('3'));
    assert_eq!(d.app.launch.zone.value, zone);
    let screen = render(&d.app, 120, 40);
    assert!(
        !screen.contains("You accepted the mismatches"),
        "the mismatch is fixed:\n{screen}"
    );
    assert!(!screen.contains("mismatches accepted"), "{screen}");
    // Nothing to accept: the footer does not offer it.
    assert!(!footer(&screen).contains("^O"), "{screen}");
    // Another mismatch asks again.
    d.key(KeyCode::Backspace);
    d.key(KeyCode::Char('4'));
    d.key(KeyCode::Enter);
    assert!(d.app.confirm.is_none());
    assert!(notice(&d).contains("placement differs"), "{}", notice(&d));
    d.shutdown().await;
}

/// The Source screen of the session flow, its cursor on `id`.
async fn source_on(d: &mut Driver, id: &str) {
    if d.app.screen != Screen::Source {
        d.until("discovery", |a| a.arch.ready().is_some()).await;
        d.key(KeyCode::Enter);
        assert_eq!(d.app.screen, Screen::Source);
    }
    let row = d
        .app
        .source_rows()
        .iter()
        .position(|i| i.id == id)
        .unwrap_or_else(|| panic!("{id} listed"));
    while d.app.source.cursor > row {
        d.key(KeyCode::Up);
    }
    while d.app.source.cursor < row {
        d.key(KeyCode::Down);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_a_greyed_server_says_why_and_is_not_copied() {
    let mut d = Driver::new().await;
    for (id, why) in [
        ("ins-isolat01", "isolated (ARREAR)"),
        ("ins-expired1", "expired 2026-10-01"),
    ] {
        source_on(&mut d, id).await;
        let screen = render(&d.app, 120, 40);
        let row = line_of(&screen, id);
        assert!(row.contains(why), "{row}\n{screen}");
        // ⏎ does not copy it here: the footer does not offer it.
        assert!(!footer(&screen).contains("copy this server"), "{screen}");
        d.key(KeyCode::Enter);
        assert_eq!(d.app.screen, Screen::Source, "{id} refused");
        assert!(d.app.confirm.is_none());
        assert!(d.app.source.chosen.is_none(), "{:?}", d.app.source.chosen);
        assert!(notice(&d).contains(why), "{}", notice(&d));
        assert!(notice(&d).contains(id), "{}", notice(&d));
        // At 80 columns too, the row says it cannot be copied.
        let narrow = render(&d.app, 80, 24);
        assert!(
            line_of(&narrow, id).contains("cannot copy"),
            "{}\n{narrow}",
            line_of(&narrow, id)
        );
    }
    // A running server of the role still is copied, and offered.
    source_on(&mut d, "ins-auth0001").await;
    let screen = render(&d.app, 120, 40);
    assert!(footer(&screen).contains("copy this server"), "{screen}");
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Image);
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_of_the_other_role_asks_naming_its_role() {
    let mut d = Driver::new().await;
    source_on(&mut d, "ins-bizn0de1").await;
    d.key(KeyCode::Enter);
    let c = d
        .app
        .confirm
        .clone()
        .expect("a business server asks before it is copied for the session servers");
    let shown = format!("{} {}", c.title, c.body.clone().unwrap_or_default());
    assert!(shown.contains("business server"), "{shown}");
    assert!(shown.contains("ins-bizn0de1"), "{shown}");
    let screen = render(&d.app, 120, 40);
    assert!(screen.contains("business server"), "{screen}");
    // n: still picking.
    d.key(KeyCode::Char('n'));
    assert_eq!(d.app.screen, Screen::Source);
    assert!(d.app.source.chosen.is_none());
    // y: copied all the same.
    d.key(KeyCode::Enter);
    assert!(d.app.confirm.is_some());
    d.key(KeyCode::Char('y'));
    assert_eq!(d.app.screen, Screen::Image);
    assert_eq!(d.app.source.chosen.as_deref(), Some("ins-bizn0de1"));
    // A server of the role asks nothing.
    d.key(KeyCode::Esc);
    source_on(&mut d, "ins-auth0001").await;
    d.key(KeyCode::Enter);
    assert!(d.app.confirm.is_none());
    assert_eq!(d.app.screen, Screen::Image);
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_keeps_the_role_column_at_80_columns() {
    let mut d = Driver::new().await;
    source_on(&mut d, "ins-auth0001").await;
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = render(&d.app, w, h);
        let header = screen
            .lines()
            .find(|l| l.contains("Name"))
            .unwrap_or_else(|| panic!("a header:\n{screen}"));
        assert!(header.contains("Role"), "{header}\n{screen}");
        assert!(
            line_of(&screen, "ins-auth0001").contains("session"),
            "{screen}"
        );
        assert!(
            line_of(&screen, "ins-bizn0de1").contains("business"),
            "{screen}"
        );
    }
    d.shutdown().await;
}

/// The sandbox's image (the session servers'): the business server has
/// none of its own, so the Auto Scaling form is given this one.
const AS_IMAGE: &str = "img-auth2024";

/// Overview → Auto Scaling with keys, the zone's quota read, the image typed.
/// The Auto Scaling wizard's policy page (⏎ past the group and the schedule).
async fn to_policy_page(d: &mut Driver) {
    to_auto_scaling(d).await;
    d.key(KeyCode::Enter);
    d.key(KeyCode::Enter);
    assert_eq!(
        d.app.autoscaling.page,
        tcscale::tui::screens::autoscaling::Page::Policy
    );
}

async fn to_auto_scaling(d: &mut Driver) {
    use tcscale::tui::screens::autoscaling::gf;
    d.until("discovery", |a| a.arch.ready().is_some()).await;
    for _ in 0..3 {
        d.key(KeyCode::Down);
    }
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::AutoScaling);
    d.until("the quota", |a| a.autoscaling.quota.ready().is_some())
        .await;
    if !d.app.autoscaling.group_fields[gf::IMAGE]
        .value
        .starts_with("img-")
    {
        while d.app.autoscaling.focus != gf::IMAGE {
            d.key(KeyCode::Up);
        }
        for _ in 0..40 {
            d.key(KeyCode::Backspace);
        }
        for c in AS_IMAGE.chars() {
            d.key(KeyCode::Char(c));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_a_bad_field_shows_as_typed_and_a_failed_setup_leads_back_to_the_form() {
    use tcscale::tui::screens::autoscaling::{pf, Page};
    let mut d = Driver::new().await;
    to_policy_page(&mut d).await;

    // "for 0 min": the engine's rule refuses it the moment it is typed,
    // under its field, and ⏎ offers no confirm.
    d.key(KeyCode::Tab);
    d.key(KeyCode::Tab);
    d.key(KeyCode::Backspace);
    d.key(KeyCode::Char('0'));
    let w = &d.app.autoscaling;
    assert_eq!(w.policy_fields[pf::MINUTES].value, "0");
    let e = w.policy_fields[pf::MINUTES]
        .error
        .as_ref()
        .expect("the minutes' error shows as typed")
        .in_lang(d.app.lang);
    let screen = render(&d.app, 120, 40);
    assert!(screen.contains(&e), "{screen}");
    assert!(!screen.contains("for 0 min"), "{screen}");
    d.key(KeyCode::Enter);
    assert!(
        d.app.autoscaling.confirm.is_none(),
        "no confirm on an error"
    );
    // Fixed: the error goes as typed.
    d.key(KeyCode::Backspace);
    d.key(KeyCode::Char('5'));
    assert!(d.app.autoscaling.policy_fields[pf::MINUTES].error.is_none());

    // CreateScalingPolicy refused (a policy of that name exists elsewhere),
    // after the launch configuration, group and schedule were made.
    let name = format!(
        "{}-cpu-high",
        d.app.autoscaling.group_fields[3].value.trim()
    );
    let sb = d.session.sandbox.as_ref().expect("sandbox");
    sb.handle().with_world(|w| {
        let mut p = tcscale::sim::autoscaling::SimScalingPolicy {
            region: tcscale::tui::sandbox::REGION.into(),
            ..Default::default()
        };
        p.policy.auto_scaling_policy_id = Some("asp-elsewhere".into());
        p.policy.auto_scaling_group_id = Some("asg-elsewhere".into());
        p.policy.scaling_policy_name = Some(name.clone());
        w.autoscaling.policies.push(p);
    });
    d.key(KeyCode::Enter);
    assert!(
        d.app.autoscaling.confirm.is_some(),
        "{:?}\n{}",
        d.app.autoscaling.note,
        render(&d.app, 120, 40)
    );
    d.key(KeyCode::Char('y'));
    d.until("the setup", |a| !a.autoscaling.progress.is_running())
        .await;
    assert!(
        d.app.autoscaling.failed(),
        "{:?}",
        d.app.autoscaling.progress
    );
    let group = d
        .app
        .autoscaling
        .partial
        .clone()
        .expect("what the setup made")
        .group_id;
    // The live view follows the group it made: its instance shows.
    d.until("the group's instance", |a| {
        a.autoscaling
            .snapshot
            .as_ref()
            .is_some_and(|s| !s.instances.is_empty())
    })
    .await;
    let screen = render(&d.app, 120, 40);
    let first = d.app.autoscaling.snapshot.as_ref().unwrap().instances[0]
        .id
        .clone();
    assert!(screen.contains(&first), "{screen}");
    assert!(screen.contains("ScalingPolicyNameDuplicate"), "{screen}");
    let keys = footer(&screen);
    assert!(keys.contains("⏎ back to the form"), "{keys}");

    // ⏎ leads back to the form, which says what failed; another policy
    // type (another name), ⏎, y: the group made before is reused.
    d.key(KeyCode::Enter);
    assert_eq!(d.app.autoscaling.page, Page::Policy);
    let screen = render(&d.app, 120, 40);
    assert!(screen.contains("What ⏎ will create"), "the form: {screen}");
    assert!(screen.contains("ScalingPolicyNameDuplicate"), "{screen}");
    assert!(footer(&screen).contains("review and create"), "{screen}");
    d.key(KeyCode::Right);
    d.key(KeyCode::Enter);
    assert!(
        d.app.autoscaling.confirm.is_some(),
        "{:?}\n{}",
        d.app.autoscaling.note,
        render(&d.app, 120, 40)
    );
    d.key(KeyCode::Char('y'));
    d.until("the setup", |a| !a.autoscaling.progress.is_running())
        .await;
    let created = d
        .app
        .autoscaling
        .created
        .clone()
        .unwrap_or_else(|| panic!("{:?}", d.app.autoscaling.progress));
    assert_eq!(created.group_id, group, "the same group");
    assert_eq!(created.policy_ids.len(), 1);
    let groups = d
        .session
        .sandbox
        .as_ref()
        .unwrap()
        .handle()
        .with_world(|w| w.autoscaling.groups.len());
    assert_eq!(groups, 1, "no second group");
    d.shutdown().await;
}

#[test]
fn as_an_empty_live_view_says_so_in_full() {
    use tcscale::tui::screens::autoscaling::{AsEvent, Page};
    for (lang, words) in [
        (
            tcscale::i18n::Lang::En,
            ["no activity yet", "no instance yet"],
        ),
        (tcscale::i18n::Lang::Zh, ["暂无伸缩活动", "暂无实例"]),
    ] {
        let mut a = crate::tui_fixture::app(lang, Screen::AutoScaling);
        a.autoscaling.page = Page::Policy;
        a.autoscaling.progress = Progress::Failed {
            message: "x".into(),
        };
        a.autoscaling.on_event(
            AsEvent::Partial(tcscale::scaleout::runner::autoscaling_step::AsOutput {
                group_id: "asg-1".into(),
                ..Default::default()
            }),
            lang,
            1,
        );
        for (w, h) in [(120, 40), (80, 24)] {
            let screen = render(&a, w, h);
            for text in words {
                assert!(screen.contains(text), "{w}x{h}:\n{screen}");
            }
        }
    }
}

/// Session flow with keys to the Launch screen, its price and quota read.
async fn to_launch_priced(d: &mut Driver) {
    to_launch(d).await;
    d.until("the price and quota", |a| {
        a.launch.price.ready().is_some() && a.launch.quota.ready().is_some()
    })
    .await;
}

/// Replaces the focused Launch field's text with `text`, key by key.
fn retype(d: &mut Driver, text: &str) {
    for _ in 0..30 {
        d.key(KeyCode::Backspace);
    }
    for c in text.chars() {
        d.key(KeyCode::Char(c));
    }
}

/// The line of the Launch screen's checks pane that starts with `label`.
fn check_line(screen: &str, label: &str) -> String {
    let l = line_of(screen, label);
    l[l.find(label).unwrap()..].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_price_and_quota_follow_the_fields_and_a_refused_type_or_zone_blocks() {
    let mut d = Driver::new().await;
    to_launch_priced(&mut d).await;
    let old_price = d.app.launch.price.ready().cloned().unwrap();
    let old_type = d.app.launch.instance_type.value.clone();
    let old_zone = d.app.launch.zone.value.clone();
    let screen = render(&d.app, 120, 40);
    let old_quota = check_line(&screen, "Quota:");

    // A type the API refuses: asked again, the refusal under the field,
    // no price of the old type, and ⏎ offers no confirm.
    d.key(KeyCode::Tab);
    assert_eq!(d.app.launch.focus, 1);
    retype(&mut d, "S5.HUGE999");
    d.until("the price of S5.HUGE999", |a| {
        !matches!(a.launch.price, Load::Loading)
    })
    .await;
    let e = d
        .app
        .launch
        .instance_type
        .error
        .as_ref()
        .expect("the refusal under the instance type")
        .in_lang(d.app.lang);
    assert!(e.contains("S5.HUGE999"), "{e}");
    let screen = render(&d.app, 120, 40);
    assert!(screen.contains("InvalidInstanceType"), "{screen}");
    let price = check_line(&screen, "Price:");
    assert!(!price.contains(&old_price.in_lang(d.app.lang)), "{price}");
    d.key(KeyCode::Enter);
    assert!(d.app.confirm.is_none(), "no confirm with a refused type");
    assert_eq!(d.app.launch.focus, 1);
    // Typed back: asked again, the error gone, the price back.
    retype(&mut d, &old_type);
    d.until("the price again", |a| {
        !matches!(a.launch.price, Load::Loading)
    })
    .await;
    assert!(d.app.launch.instance_type.error.is_none());
    assert_eq!(d.app.launch.price.ready(), Some(&old_price));

    // A zone that does not exist: no quota of the old zone, the refusal
    // under the zone, no confirm.
    d.key(KeyCode::Tab);
    assert_eq!(d.app.launch.focus, 2);
    retype(&mut d, "mars-1");
    d.until("the checks of mars-1", |a| {
        !matches!(a.launch.price, Load::Loading) && !matches!(a.launch.quota, Load::Loading)
    })
    .await;
    let e = d
        .app
        .launch
        .zone
        .error
        .as_ref()
        .expect("the refusal under the zone")
        .in_lang(d.app.lang);
    assert!(e.contains("mars-1"), "{e}");
    let screen = render(&d.app, 120, 40);
    let quota = check_line(&screen, "Quota:");
    assert!(!quota.contains("left"), "{quota} (was {old_quota})");
    d.key(KeyCode::Enter);
    assert!(d.app.confirm.is_none(), "no confirm with a refused zone");
    assert_eq!(d.app.launch.focus, 2);

    // Fixed: the checks come back and the confirm is offered.
    retype(&mut d, &old_zone);
    d.until("the checks again", |a| {
        !matches!(a.launch.price, Load::Loading) && !matches!(a.launch.quota, Load::Loading)
    })
    .await;
    assert!(d.app.launch.zone.error.is_none());
    let screen = render(&d.app, 120, 40);
    assert_eq!(check_line(&screen, "Quota:"), old_quota);
    d.key(KeyCode::Enter);
    let c = d.app.confirm.clone().expect("the confirm");
    assert!(c.calls.iter().any(|c| c.action == "RunInstances"));
    d.shutdown().await;
}

// Issue 22, defect 10: the Overview is never stale after a change this
// process made; it refreshes on an interval too, and says how fresh it is.
mod fresh_overview {
    use super::*;
    use crossterm::event::{KeyEvent, KeyModifiers};
    use tcscale::tui::app::Msg;
    use tcscale::tui::jobs::Job;
    use tcscale::tui::screens::browse::{Phase, Row, TaskState};

    fn press(d: &mut Driver, code: KeyCode) -> Vec<Job> {
        let jobs = d
            .app
            .update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        d.spawn(jobs.clone());
        jobs
    }

    fn discoveries(jobs: &[Job]) -> usize {
        jobs.iter().filter(|j| **j == Job::Discover).count()
    }

    fn bound(a: &tcscale::tui::app::App, id: &str) -> bool {
        a.arch.ready().is_some_and(|arch| {
            arch.clbs
                .iter()
                .flat_map(|c| &c.listeners)
                .flat_map(|l| &l.targets)
                .any(|t| t.0 == id)
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_unbind_in_browse_shows_on_the_overview_without_r() {
        let mut d = Driver::new().await;
        d.until("discovery", |a| a.arch.ready().is_some()).await;
        d.key(KeyCode::Char('b'));
        assert_eq!(d.app.screen, Screen::Browse);
        d.until("the CLB tree", |a| a.browse.phase == Phase::Ready)
            .await;
        let mut steps = 0;
        while !matches!(d.app.browse.selected(), Some(Row::Target(..))) {
            d.key(KeyCode::Down);
            steps += 1;
            assert!(steps < 200, "a target row in the tree");
        }
        let Some(Row::Target(c, l, t)) = d.app.browse.selected() else {
            unreachable!()
        };
        let id = d.app.browse.tree.clbs[c].listeners[l].targets[t]
            .instance_id
            .clone();
        assert!(bound(&d.app, &id), "{id} bound before the unbind");
        d.key(KeyCode::Char('u'));
        d.key(KeyCode::Char('y'));
        d.until("the unbind", |a| {
            a.browse
                .task
                .as_ref()
                .is_some_and(|t| matches!(t.state, TaskState::Done))
        })
        .await;

        // Back on the Overview: it discovers the world again by itself.
        let jobs = press(&mut d, KeyCode::Esc);
        assert_eq!(d.app.screen, Screen::Overview);
        assert_eq!(discoveries(&jobs), 1, "{jobs:?}");
        d.until("the new world", |a| !bound(a, &id)).await;
        d.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_overview_refreshes_every_minute_once_at_a_time_and_says_when() {
        let mut d = Driver::new().await;
        d.until("discovery", |a| a.arch.ready().is_some()).await;
        let screen = render(&d.app, 120, 40);
        assert!(screen.contains("updated 0s ago"), "{screen}");
        d.app.update(Msg::Tick(30));
        let screen = render(&d.app, 120, 40);
        assert!(screen.contains("updated 30s ago"), "{screen}");
        // A minute after the last discovery, another one starts...
        let jobs = d.app.update(Msg::Tick(60));
        assert_eq!(discoveries(&jobs), 1, "{jobs:?}");
        d.spawn(jobs);
        // ...and never a second one while it runs (neither `r` nor a tick).
        assert_eq!(discoveries(&press(&mut d, KeyCode::Char('r'))), 0);
        assert_eq!(discoveries(&d.app.update(Msg::Tick(61))), 0);
        // While it runs, the world already shown stays on screen.
        assert!(d.app.arch.ready().is_some());
        d.until("the refresh", |a| !a.discovering()).await;
        assert!(d.app.arch.ready().is_some());
        let screen = render(&d.app, 120, 40);
        assert!(screen.contains("updated 0s ago"), "{screen}");
        d.shutdown().await;
    }
}

/// Session flow with keys up to the Load balancer screen (the copies running).
async fn to_load_balancer(d: &mut Driver) {
    d.until("discovery", |a| a.arch.ready().is_some()).await;
    d.key(KeyCode::Enter);
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Image);
    d.confirm("CreateImage");
    d.until("image NORMAL", |a| a.image.progress.is_done())
        .await;
    d.key(KeyCode::Enter);
    d.confirm("RunInstances");
    d.until("instances RUNNING", |a| a.launch.progress.is_done())
        .await;
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::LoadBalancer);
}

/// The field messages on screen (`✗ …`), trimmed.
fn field_errors(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|l| {
            l.find('✗')
                .map(|i| l[i + '✗'.len_utf8()..].trim().to_string())
        })
        .collect()
}

/// 9(a)(b)(c): the CLB name and both ports are checked as typed; `-1` and
/// a number too big for any integer get the one wording naming the field
/// and its range; each port error says which port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d9_clb_name_and_ports_are_checked_as_typed_naming_field_and_range() {
    let mut d = Driver::new().await;
    to_load_balancer(&mut d).await;
    let name = d.app.lb.new_name.value.clone();
    d.key(KeyCode::Char('/'));
    let errs = field_errors(&render(&d.app, 120, 40));
    assert_eq!(errs.len(), 1, "the CLB name's error as typed: {errs:?}");
    d.key(KeyCode::Backspace);
    assert!(field_errors(&render(&d.app, 120, 40)).is_empty());
    assert_eq!(d.app.lb.new_name.value, name);
    d.confirm("CreateLoadBalancer");
    d.until("the CLB", |a| a.screen == Screen::Bind).await;

    d.key(KeyCode::Tab);
    retype(&mut d, "-1");
    let minus = field_errors(&render(&d.app, 120, 40));
    assert_eq!(minus.len(), 1, "the listener port's error as typed");
    retype(&mut d, "99999999999999999999999");
    let huge = field_errors(&render(&d.app, 120, 40));
    assert_eq!(minus, huge, "one wording for a port out of range");
    let e = &minus[0];
    assert!(
        e.contains("Listener port") && e.contains("1") && e.contains("65535"),
        "{e}"
    );
    retype(&mut d, "80");
    d.key(KeyCode::Tab);
    retype(&mut d, "0");
    let errs = field_errors(&render(&d.app, 120, 40));
    assert_eq!(errs.len(), 1, "the backend port's error as typed");
    assert!(errs[0].contains("Backend port"), "{errs:?}");
    d.shutdown().await;
}

/// 9(a): the Auto Scaling launch configuration's name is checked as typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d9_as_launch_configuration_name_is_checked_as_typed() {
    use tcscale::tui::screens::autoscaling::gf;
    let mut d = Driver::new().await;
    to_auto_scaling(&mut d).await;
    while d.app.autoscaling.focus != gf::LC_NAME {
        d.key(KeyCode::Down);
    }
    d.key(KeyCode::Char('/'));
    assert!(d.app.autoscaling.group_fields[gf::LC_NAME].error.is_some());
    d.key(KeyCode::Backspace);
    assert!(d.app.autoscaling.group_fields[gf::LC_NAME].error.is_none());
}

/// 9(e): while a field has the keyboard, the footer and `?` help list only
/// keys that work while typing (letters type into the field).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d9_a_form_lists_only_keys_that_work_while_typing() {
    let mut d = Driver::new().await;
    d.until("discovery", |a| a.arch.ready().is_some()).await;
    d.key(KeyCode::Enter);
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Image);
    assert!(d.app.typing());
    for (w, h) in [(120, 40), (80, 24)] {
        let f = footer(&render(&d.app, w, h));
        assert!(!f.contains("L ? q") && !f.contains("q quit"), "{f}");
        assert!(f.contains("^L") && f.contains("^C"), "{f}");
    }
    let before = d.app.image.name.value.clone();
    d.key(KeyCode::Char('q'));
    assert_eq!(d.app.image.name.value, format!("{before}q"));
    d.key(KeyCode::F(1));
    let help = render(&d.app, 120, 40);
    assert!(help.contains("^L") && !help.contains("L / ^L"), "{help}");
    assert!(
        !help.contains("q / ^C") && !help.contains("? / F1"),
        "{help}"
    );
}

/// `shown` (a request's parameter, as the confirm showed it) is what the
/// simulator holds in `made`: objects field by field (`made` may hold
/// more), arrays element by element.
fn holds(path: &str, made: &serde_json::Value, shown: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    match (made, shown) {
        (Value::Object(m), Value::Object(s)) => s
            .iter()
            .flat_map(|(k, v)| match m.get(k) {
                Some(mv) => holds(&format!("{path}.{k}"), mv, v),
                None => vec![format!("{path}.{k}: shown {v}, not held: {made}")],
            })
            .collect(),
        (Value::Array(m), Value::Array(s)) if m.len() == s.len() => m
            .iter()
            .zip(s)
            .enumerate()
            .flat_map(|(i, (mv, sv))| holds(&format!("{path}[{i}]"), mv, sv))
            .collect(),
        _ if made == shown => vec![],
        _ => vec![format!("{path}: shown {shown}, held {made}")],
    }
}

/// The request a confirm's call showed, as JSON; each of the fields named
/// in `renamed` moved to the name the described resource gives it.
fn shown_request(
    c: &Confirm,
    action: &str,
    nth: usize,
    renamed: &[(&str, &str)],
) -> serde_json::Value {
    let call = c
        .calls
        .iter()
        .filter(|x| x.action == action)
        .nth(nth)
        .unwrap_or_else(|| panic!("the confirm lists {action}: {:?}", c.calls));
    let mut v: serde_json::Value = serde_json::from_str(&call.detail)
        .unwrap_or_else(|e| panic!("{action} shows its request as JSON ({e}): {}", call.detail));
    let o = v.as_object_mut().unwrap();
    for (from, to) in renamed {
        if let Some(x) = o.remove(*from) {
            o.insert(to.to_string(), x);
        }
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_the_confirm_shows_every_request_the_setup_sends_policy_included() {
    let mut d = Driver::new().await;
    to_policy_page(&mut d).await;
    d.key(KeyCode::Enter);
    let c = d
        .app
        .autoscaling
        .confirm
        .clone()
        .unwrap_or_else(|| panic!("{:?}", d.app.autoscaling.note));
    let actions: Vec<&str> = c.calls.iter().map(|x| x.action).collect();
    assert_eq!(
        actions,
        [
            "CreateLaunchConfiguration",
            "CreateAutoScalingGroup",
            "CreateScheduledAction",
            "CreateScalingPolicy"
        ]
    );
    let lc = shown_request(&c, "CreateLaunchConfiguration", 0, &[]);
    let group = shown_request(
        &c,
        "CreateAutoScalingGroup",
        0,
        &[
            ("SubnetIds", "SubnetIdSet"),
            ("TerminationPolicies", "TerminationPolicySet"),
            ("ForwardLoadBalancers", "ForwardLoadBalancerSet"),
        ],
    );
    let schedule = shown_request(&c, "CreateScheduledAction", 0, &[]);
    let policy = shown_request(&c, "CreateScalingPolicy", 0, &[]);
    // The listener the group's instances join, and the policy's alarm.
    let target = &group["ForwardLoadBalancerSet"][0];
    assert_eq!(target["ListenerId"], "lbl-tcp80web", "{group}");
    assert_eq!(target["TargetAttributes"][0]["Port"], 80, "{group}");
    assert_eq!(
        policy["MetricAlarm"]["MetricName"], "CPU_UTILIZATION",
        "{policy}"
    );
    // At 80×24 the dialog scrolls to its last call: the policy.
    for _ in 0..60 {
        d.key(KeyCode::Down);
        let _ = render(&d.app, 80, 24);
    }
    let screen = render(&d.app, 80, 24);
    assert!(screen.contains("4. as.CreateScalingPolicy"), "{screen}");
    assert!(screen.contains("y/⏎"), "{screen}");

    d.key(KeyCode::Char('y'));
    d.until("the setup", |a| !a.autoscaling.progress.is_running())
        .await;
    let out = d
        .app
        .autoscaling
        .created
        .clone()
        .unwrap_or_else(|| panic!("{:?}", d.app.autoscaling.progress));
    let held = d
        .session
        .sandbox
        .as_ref()
        .unwrap()
        .handle()
        .with_world(|w| {
            let a = &w.autoscaling;
            let lc = a
                .launch_configurations
                .iter()
                .find(|l| l.id() == out.launch_configuration_id)
                .map(|l| (serde_json::to_value(&l.config).unwrap(), l.keep_image_login));
            let group = a
                .groups
                .iter()
                .find(|g| g.group.auto_scaling_group_id.as_deref() == Some(&out.group_id))
                .map(|g| serde_json::to_value(&g.group).unwrap());
            let schedule = a
                .scheduled_actions
                .iter()
                .find(|s| s.action.scheduled_action_id.as_ref() == out.scheduled_action_ids.first())
                .map(|s| serde_json::to_value(&s.action).unwrap());
            let policy = a
                .policies
                .iter()
                .find(|p| p.policy.auto_scaling_policy_id.as_ref() == out.policy_ids.first())
                .map(|p| serde_json::to_value(&p.policy).unwrap());
            (lc, group, schedule, policy)
        });
    let (Some((made_lc, keep_login)), Some(made_group), Some(made_schedule), Some(made_policy)) =
        held
    else {
        panic!("the simulator holds all four: {held:?}")
    };
    // The ids the setup learnt as it went are `…` in the confirm.
    let mut lc = lc;
    let login = lc.as_object_mut().unwrap().remove("LoginSettings");
    assert_eq!(login.unwrap()["KeepImageLogin"], keep_login);
    let mut group = group;
    assert_eq!(group["LaunchConfigurationId"], "…");
    group["LaunchConfigurationId"] = out.launch_configuration_id.clone().into();
    let mut schedule = schedule;
    schedule["AutoScalingGroupId"] = out.group_id.clone().into();
    let mut policy = policy;
    assert_eq!(policy["AutoScalingGroupId"], "…");
    policy["AutoScalingGroupId"] = out.group_id.clone().into();
    let mut wrong = Vec::new();
    wrong.extend(holds("LaunchConfiguration", &made_lc, &lc));
    wrong.extend(holds("AutoScalingGroup", &made_group, &group));
    wrong.extend(holds("ScheduledAction", &made_schedule, &schedule));
    wrong.extend(holds("ScalingPolicy", &made_policy, &policy));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    d.shutdown().await;
}

/// Ctrl-L, as typed in a form (a plain `L` is a letter there).
fn ctrl_l(d: &mut Driver) {
    let jobs = d.app.update(tcscale::tui::app::Msg::Key(
        crossterm::event::KeyEvent::new(
            KeyCode::Char('l'),
            crossterm::event::KeyModifiers::CONTROL,
        ),
    ));
    d.spawn(jobs);
}

/// The screen's line with the field's message (its `✗`).
fn error_line(screen: &str) -> String {
    screen
        .lines()
        .find(|l| l.contains('✗'))
        .unwrap_or_else(|| panic!("a field error on screen:\n{screen}"))
        .trim()
        .to_string()
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Defect 9(d): a field's error is worded when drawn, so the language key
/// re-words the one already on screen (the Image name and an Auto Scaling
/// size alike).
#[tokio::test(flavor = "multi_thread")]
async fn language_key_rewords_the_field_errors_on_screen() {
    let mut d = Driver::new().await;
    d.until("discovery", |a| a.arch.ready().is_some()).await;
    d.key(KeyCode::Enter);
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Image);
    assert_eq!(d.app.image.focus, 0);
    d.key(KeyCode::Char('/'));
    let en = error_line(&render(&d.app, 120, 40));
    assert!(en.contains("Image name"), "English: {en}");
    ctrl_l(&mut d);
    assert_eq!(d.app.lang, tcscale::i18n::Lang::Zh);
    assert_eq!(d.app.screen, Screen::Image);
    let zh = error_line(&render(&d.app, 120, 40));
    assert!(has_cjk(&zh) && !zh.contains("Image name"), "Chinese: {zh}");
    ctrl_l(&mut d);
    assert_eq!(error_line(&render(&d.app, 120, 40)), en);

    // The Auto Scaling form: a maximum of 0 under a desired count of 1.
    d.key(KeyCode::Esc);
    d.key(KeyCode::Esc);
    assert_eq!(d.app.screen, Screen::Overview, "notice {:?}", d.app.notice);
    for _ in 0..3 {
        d.key(KeyCode::Down);
    }
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::AutoScaling);
    use tcscale::tui::screens::autoscaling::gf;
    while d.app.autoscaling.focus != gf::MAX {
        d.key(KeyCode::Tab);
    }
    d.key(KeyCode::End);
    for _ in 0..4 {
        d.key(KeyCode::Backspace);
    }
    d.key(KeyCode::Char('0'));
    let en = error_line(&render(&d.app, 120, 40));
    assert!(!has_cjk(&en), "English: {en}");
    ctrl_l(&mut d);
    let zh = error_line(&render(&d.app, 120, 40));
    assert!(has_cjk(&zh), "Chinese: {zh}");
    ctrl_l(&mut d);
    assert_eq!(error_line(&render(&d.app, 120, 40)), en);
    d.shutdown().await;
}

/// The RequestId of the RunInstances call that launched `id`, as the
/// sandbox holds it (`LatestOperationRequestId`).
fn launch_request_id(d: &Driver, id: &str) -> String {
    let sb = d.session.sandbox.as_ref().expect("sandbox");
    sb.handle().with_world(|w| {
        w.cvm
            .instance(id)
            .and_then(|i| i.instance.latest_operation_request_id.clone())
            .unwrap_or_default()
    })
}

/// A failed step's notice lists `e`; it opens the error in a popup (the
/// API's code, message, RequestId and tcscale's explanation, wrapped) at
/// 80×24, in the language on screen (L re-words it), and Esc closes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_opens_a_failed_launchs_error_with_code_request_id_and_explanation() {
    let mut d = Driver::new().await;
    to_failed_launch(&mut d).await;
    let id = d.app.launch.instances[0].0.clone();
    let rid = launch_request_id(&d, &id);
    assert!(!rid.is_empty(), "the sandbox names the launch's RequestId");
    let screen = render(&d.app, 80, 24);
    assert!(footer(&screen).contains("e / ^E"), "{screen}");
    // A field has the keyboard (e types there): on to one that does not.
    for _ in 0..10 {
        if !d.app.typing() {
            break;
        }
        d.key(KeyCode::Tab);
    }
    assert!(!d.app.typing(), "a row that takes no typing");
    d.key(KeyCode::Char('e'));
    let popup = render(&d.app, 80, 24);
    for want in [
        "Code",
        "LaunchFailed",
        "RequestId",
        rid.as_str(),
        "simulated fault",
    ] {
        assert!(popup.contains(want), "{want} in the popup:\n{popup}");
    }
    assert!(popup.contains("tcscale:"), "the explanation:\n{popup}");
    assert!(popup.contains("RunInstances"), "{popup}");
    // No line runs past the screen: the popup wraps.
    assert!(popup.lines().all(|l| !l.contains("…RequestId")), "{popup}");
    // L re-words it, the popup still open.
    d.key(KeyCode::Char('L'));
    let zh = render(&d.app, 80, 24);
    for want in ["错误码", "LaunchFailed", rid.as_str(), "失败"] {
        assert!(zh.contains(want), "{want} in the popup:\n{zh}");
    }
    assert!(zh.contains("tcscale 说明"), "{zh}");
    // Scrolling keys are taken by the popup, Esc closes it.
    d.key(KeyCode::PageDown);
    d.key(KeyCode::Down);
    d.key(KeyCode::Esc);
    assert_eq!(d.app.screen, Screen::Launch);
    let after = render(&d.app, 80, 24);
    assert!(!after.contains("错误码"), "{after}");
    d.shutdown().await;
}

/// The Launch price is worded when drawn: L (^L from a field) re-words the
/// line already on screen, like every other text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_launch_price_follows_the_language_key() {
    let mut d = Driver::new().await;
    to_launch_priced(&mut d).await;
    let en = check_line(&render(&d.app, 120, 40), "Price:");
    assert!(en.contains("CNY / hour each"), "{en}");
    ctrl_l(&mut d);
    let screen = render(&d.app, 120, 40);
    assert!(screen.contains("元/小时"), "{screen}");
    assert!(!screen.contains("hour each"), "{screen}");
    d.shutdown().await;
}
