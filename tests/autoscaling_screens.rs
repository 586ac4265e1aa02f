//! The three Auto Scaling pages (launch configuration + sizes, schedule,
//! CPU policy + live progress) rendered from constructed state at 100×30 in
//! both languages, and the keys that walk through them to the confirm.

use crate::tui_fixture;

use chrono::DateTime;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tcscale::i18n::Lang;
use tcscale::scaleout::runner::autoscaling_step::{
    ActivityView, AsOutput, GroupInstanceView, GroupSnapshot,
};
use tcscale::tui::app::{App, Msg};
use tcscale::tui::screens::autoscaling::{prefill, AsEvent, AsJob, Page, PolicyKind, ZoneQuota};
use tcscale::tui::state::*;
use tcscale::tui::widgets::input::TextInput;
use tui_fixture::{app, render};

fn lang_name(l: Lang) -> &'static str {
    match l {
        Lang::En => "en",
        Lang::Zh => "zh",
    }
}

/// After a business scale-out: source ins-b1, image img-7qk2, the public
/// CLB's TCP 80 listener; the step opened at a fixed time.
fn as_app(lang: Lang) -> App {
    let mut a = app(lang, Screen::Summary);
    a.flow = Some(Flow::Business);
    a.source.chosen = Some("ins-b1".into());
    a.image.image_id = Some("img-7qk2".into());
    a.lb.chosen = Some("lb-8xk2".into());
    a.bind.port = TextInput::new("80");
    a.bind.backend_port = TextInput::new("80");
    a.screen = Screen::AutoScaling;
    a.back = vec![Screen::Overview, Screen::Summary];
    let mut p = prefill(&a);
    p.now = Some(DateTime::parse_from_rfc3339("2026-11-25T14:00:00+08:00").unwrap());
    a.autoscaling.enter(p);
    // Opening the step reads the zone's quota; the answer: 30 left of 50.
    let jobs = a.autoscaling.take_jobs();
    assert!(
        matches!(jobs.as_slice(), [AsJob::Quota { zone }] if zone == "ap-guangzhou-3"),
        "{jobs:?}"
    );
    a.autoscaling
        .on_event(AsEvent::Quota(Ok(Some(quota(30)))), lang, 1);
    a
}

fn quota(remaining: u64) -> ZoneQuota {
    ZoneQuota {
        used: 50 - remaining,
        remaining,
        total: 50,
    }
}

fn key(a: &mut App, code: KeyCode) {
    a.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn type_into(a: &mut App, text: &str) {
    for c in text.chars() {
        key(a, KeyCode::Char(c));
    }
}

fn clear(a: &mut App) {
    for _ in 0..40 {
        key(a, KeyCode::Backspace);
    }
}

fn both(name: &str, make: impl Fn(Lang) -> App) {
    for lang in [Lang::En, Lang::Zh] {
        let a = make(lang);
        let text = render(&a, 100, 30);
        assert!(
            !text.contains("[autoscaling.") && !text.contains("[wizard."),
            "{name}/{}: a string key has no text:\n{text}",
            lang_name(lang)
        );
        insta::assert_snapshot!(format!("{name}_{}", lang_name(lang)), text);
    }
}

#[test]
fn prefilled_from_the_scale_out() {
    let a = as_app(Lang::En);
    let w = &a.autoscaling;
    assert_eq!(w.group_fields[0].value, "img-7qk2");
    assert_eq!(w.group_fields[2].value, "S5.MEDIUM4");
    assert_eq!(w.prefill.listener_id.as_deref(), Some("lbl-80"));
    assert_eq!(w.prefill.backend_port, 80);
    assert_eq!(w.prefill.source.as_ref().unwrap().id, "ins-b1");
    assert_eq!(w.schedule_fields[2].value, "2026-11-26 08:00");
}

#[test]
fn page_group() {
    both("autoscaling_group", as_app);
}

#[test]
fn page_group_with_a_size_error() {
    both("autoscaling_group_error", |l| {
        let mut a = as_app(l);
        // desired (field 5) below min: min 2, desired 1.
        a.autoscaling.focus = 4;
        clear(&mut a);
        type_into(&mut a, "2");
        key(&mut a, KeyCode::Enter);
        assert_eq!(a.autoscaling.page, Page::Group);
        assert_eq!(a.autoscaling.focus, 5, "the focus goes to the field named");
        a
    });
}

#[test]
fn page_schedule() {
    both("autoscaling_schedule", |l| {
        let mut a = as_app(l);
        key(&mut a, KeyCode::Enter);
        assert_eq!(a.autoscaling.page, Page::Schedule);
        a
    });
}

#[test]
fn page_schedule_with_bad_cron_and_past_start() {
    both("autoscaling_schedule_errors", |l| {
        let mut a = as_app(l);
        key(&mut a, KeyCode::Enter);
        a.autoscaling.focus = 1;
        clear(&mut a);
        type_into(&mut a, "0 25 * * *");
        a.autoscaling.focus = 2;
        clear(&mut a);
        type_into(&mut a, "2026-11-24 09:00");
        key(&mut a, KeyCode::Enter);
        assert_eq!(
            a.autoscaling.page,
            Page::Schedule,
            "a bad cron stops the page"
        );
        let e = a.autoscaling.schedule_fields[1]
            .error
            .clone()
            .unwrap()
            .in_lang(Lang::En);
        assert!(e.contains("Recurrence"), "{e}");
        a
    });
}

#[test]
fn page_policy() {
    both("autoscaling_policy", |l| {
        let mut a = as_app(l);
        key(&mut a, KeyCode::Enter);
        key(&mut a, KeyCode::Enter);
        assert_eq!(a.autoscaling.page, Page::Policy);
        a
    });
}

#[test]
fn page_policy_target_tracking() {
    both("autoscaling_policy_target", |l| {
        let mut a = as_app(l);
        key(&mut a, KeyCode::Enter);
        key(&mut a, KeyCode::Enter);
        key(&mut a, KeyCode::Right);
        assert_eq!(a.autoscaling.policy_kind, PolicyKind::Target);
        a
    });
}

#[test]
fn confirm_then_setup_job_with_every_field() {
    let mut a = as_app(Lang::En);
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    let c = a
        .autoscaling
        .confirm
        .clone()
        .expect("nothing is created before a confirm");
    let actions: Vec<&str> = c.calls.iter().map(|c| c.action).collect();
    assert_eq!(
        actions,
        [
            "CreateLaunchConfiguration",
            "CreateAutoScalingGroup",
            "CreateScheduledAction",
            "CreateScalingPolicy"
        ]
    );
    assert!(a.autoscaling.take_jobs().is_empty());
    let text = render(&a, 100, 30);
    assert!(text.contains("as.CreateAutoScalingGroup"), "{text}");
    key(&mut a, KeyCode::Char('y'));
    let jobs = a.autoscaling.take_jobs();
    let Some(AsJob::Setup(req)) = jobs.first() else {
        panic!("{jobs:?}")
    };
    assert_eq!(req.source_id, "ins-b1");
    assert_eq!(req.image_id, "img-7qk2");
    let t = req.group.target.clone().unwrap();
    assert_eq!(
        (
            t.load_balancer_id.as_str(),
            t.listener_id.as_str(),
            t.backend_port
        ),
        ("lb-8xk2", "lbl-80", 80)
    );
    assert_eq!(req.schedules[0].start, "2026-11-26T08:00:00+08:00");
    assert_eq!(req.policies.len(), 1);
    // Esc walks the pages back, then leaves the step.
    let mut b = as_app(Lang::En);
    key(&mut b, KeyCode::Enter);
    key(&mut b, KeyCode::Esc);
    assert_eq!(
        (b.screen, b.autoscaling.page),
        (Screen::AutoScaling, Page::Group)
    );
    key(&mut b, KeyCode::Esc);
    assert_eq!(b.screen, Screen::Summary);
}

fn live_app(l: Lang) -> App {
    let mut a = as_app(l);
    a.autoscaling.page = Page::Policy;
    a.autoscaling.progress = Progress::Done { took: 4 };
    a.autoscaling.created = Some(AsOutput {
        launch_configuration_id: "asc-k2m9".into(),
        group_id: "asg-7x1q".into(),
        scheduled_action_ids: vec!["asst-1".into()],
        policy_ids: vec!["asp-3c".into()],
    });
    a.autoscaling.watching = true;
    a.autoscaling.on_event(
        AsEvent::Snapshot(Ok(GroupSnapshot {
            group_id: "asg-7x1q".into(),
            name: "node-weapp-asg".into(),
            status: "LB_ABNORMAL".into(),
            in_activity: true,
            min: 0,
            desired: 2,
            max: 4,
            activities: vec![
                ActivityView {
                    id: "asa-run2".into(),
                    kind: "SCALE_OUT".into(),
                    status: "RUNNING".into(),
                    cause: "Alarm policy asp-3c: CPU > 70 % for 5 min".into(),
                    message: String::new(),
                    start_time: String::new(),
                },
                ActivityView {
                    id: "asa-bad1".into(),
                    kind: "SCALE_OUT".into(),
                    status: "FAILED".into(),
                    cause: "Scheduled action weekday-morning".into(),
                    message: "ResourceInsufficient: no S5.MEDIUM4 left in ap-guangzhou-3".into(),
                    start_time: String::new(),
                },
                ActivityView {
                    id: "asa-ok01".into(),
                    kind: "SCALE_OUT".into(),
                    status: "SUCCESSFUL".into(),
                    cause: "Desired capacity 0 → 1".into(),
                    message: String::new(),
                    start_time: String::new(),
                },
            ],
            instances: vec![
                GroupInstanceView {
                    id: "ins-as01".into(),
                    life_cycle: "IN_SERVICE".into(),
                    health: "HEALTHY".into(),
                    zone: "ap-guangzhou-3".into(),
                    creation_type: "AUTO_CREATION".into(),
                    in_clb: true,
                },
                GroupInstanceView {
                    id: "ins-as02".into(),
                    life_cycle: "ATTACHING".into(),
                    health: "HEALTHY".into(),
                    zone: "ap-guangzhou-3".into(),
                    creation_type: "AUTO_CREATION".into(),
                    in_clb: false,
                },
            ],
        })),
        l,
        110,
    );
    let lines = a.autoscaling.log.join("\n");
    assert!(
        lines.contains("LB_ABNORMAL") && lines.contains("asa-bad1"),
        "{lines}"
    );
    a.autoscaling.log = vec![
        "launch configuration asc-k2m9 (node-weapp-lc) ready".into(),
        "scaling group asg-7x1q (node-weapp-asg) ready".into(),
        "instance ins-as01 joined the CLB listener".into(),
    ];
    a
}

#[test]
fn page_live() {
    both("autoscaling_live", live_app);
    // The snapshot asks for the next read; leaving stops it.
    let mut a = live_app(Lang::En);
    assert!(matches!(
        a.autoscaling.take_jobs().as_slice(),
        [AsJob::Watch { delay_ms: 2000, .. }]
    ));
    // Testing the policy launches instances: nothing before the confirm,
    // n cancels, y runs it.
    key(&mut a, KeyCode::Char('t'));
    assert!(a.autoscaling.take_jobs().is_empty(), "asked first");
    let c = a.autoscaling.confirm.clone().expect("a confirm dialog");
    assert_eq!(c.calls[0].action, "ExecuteScalingPolicy");
    assert!(c.calls[0].detail.contains("asp-3c"), "{:?}", c.calls);
    key(&mut a, KeyCode::Char('n'));
    assert!(a.autoscaling.confirm.is_none());
    assert!(a.autoscaling.take_jobs().is_empty(), "cancelled");
    key(&mut a, KeyCode::Char('t'));
    key(&mut a, KeyCode::Char('y'));
    assert!(
        matches!(a.autoscaling.take_jobs().as_slice(), [AsJob::Execute { policy_id }] if policy_id == "asp-3c")
    );
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.screen, Screen::Summary);
    a.autoscaling
        .on_event(AsEvent::Snapshot(Err("x".into())), Lang::En, 120);
    assert!(a.autoscaling.take_jobs().is_empty());
}

#[test]
fn opened_from_the_overview_without_a_scale_out() {
    let mut a = app(Lang::En, Screen::Overview);
    a.flow = None;
    a.source.chosen = None;
    a.back.clear();
    a.overview.cursor = 3;
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.screen, Screen::AutoScaling);
    let w = &a.autoscaling;
    assert_eq!(
        w.prefill.source.as_ref().unwrap().id,
        "ins-b1",
        "the business server behind the public CLB"
    );
    assert_eq!(w.prefill.clb.as_ref().unwrap().id, "lb-8xk2");
    assert_eq!(w.prefill.listener_id.as_deref(), Some("lbl-80"));
}

/// The group page with MaxSize typed above the quota left (3 of 50).
fn above_quota(l: Lang) -> App {
    let mut a = as_app(l);
    a.autoscaling
        .on_event(AsEvent::Quota(Ok(Some(quota(3)))), l, 2);
    a.autoscaling.focus = 6; // MaxSize
    clear(&mut a);
    type_into(&mut a, "5");
    a
}

#[test]
fn max_size_is_checked_against_the_zone_quota_as_the_user_types() {
    both("autoscaling_group_above_quota", above_quota);
    both_80("autoscaling_group_above_quota_80x24", above_quota);
    let mut a = above_quota(Lang::En);
    let err = a.autoscaling.group_fields[6]
        .error
        .as_ref()
        .map(|e| e.in_lang(Lang::En));
    assert!(
        err.as_deref().is_some_and(|e| e.contains("quota left (3")),
        "{err:?}"
    );
    let text = render(&a, 100, 30);
    assert!(
        text.contains("pay-as-you-go quota             3 left of 50 in ap-guangzhou-3"),
        "{text}"
    );
    // Enter does not leave the page while MaxSize is above the quota.
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.autoscaling.page, Page::Group);
    assert_eq!(a.autoscaling.focus, 6);
    // Back within the quota: the message goes as the digit is typed.
    key(&mut a, KeyCode::Backspace);
    type_into(&mut a, "3");
    assert_eq!(a.autoscaling.group_fields[6].error, None);
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.autoscaling.page, Page::Schedule);

    // A scheduled MaxSize is held to the same quota, as it is typed.
    a.autoscaling.focus = 6; // the schedule's MaxSize
    clear(&mut a);
    type_into(&mut a, "9");
    let err = a.autoscaling.schedule_fields[6]
        .error
        .as_ref()
        .map(|e| e.in_lang(Lang::En));
    assert!(
        err.as_deref().is_some_and(|e| e.contains("quota left (3")),
        "{err:?}"
    );
    key(&mut a, KeyCode::Backspace);
    type_into(&mut a, "2");
    assert_eq!(a.autoscaling.schedule_fields[6].error, None);
}

#[test]
fn a_quota_arriving_below_the_prefilled_max_marks_it() {
    let mut a = as_app(Lang::Zh);
    assert_eq!(a.autoscaling.group_fields[6].error, None);
    a.autoscaling
        .on_event(AsEvent::Quota(Ok(Some(quota(2)))), Lang::Zh, 3);
    let err = a.autoscaling.group_fields[6]
        .error
        .clone()
        .unwrap()
        .in_lang(Lang::Zh);
    assert!(err.contains("还可创建 2 台"), "{err}");
    let text = render(&a, 80, 24);
    assert!(
        text.contains("按量计费配额           ap-guangzhou-3 还可创建 2 台（共 50 台）"),
        "{text}"
    );
    // A failed read says so and leaves the check to the engine.
    a.autoscaling.on_event(
        AsEvent::Quota(Err("RequestLimitExceeded".into())),
        Lang::Zh,
        4,
    );
    assert_eq!(a.autoscaling.group_fields[6].error, None);
    assert!(render(&a, 100, 30).contains("配额未知（RequestLimitExceeded）"));
}

fn both_80(name: &str, make: impl Fn(Lang) -> App) {
    for lang in [Lang::En, Lang::Zh] {
        let text = render(&make(lang), 80, 24);
        insta::assert_snapshot!(format!("{name}_{}", lang_name(lang)), text);
    }
}
