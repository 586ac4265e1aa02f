//! Every state of the CLB browser, rendered from constructed state into a
//! TestBackend at 100×30 in English and Chinese (insta snapshots).

use crate::screen_support;

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use screen_support::{colour_of, lang_name, render};
use tcscale::i18n::Lang;
use tcscale::scaleout::browse_tree::*;
use tcscale::scaleout::eligibility::Ineligible;
use tcscale::tui::app::{App, Context};
use tcscale::tui::screens::browse::*;
use tcscale::tui::state::Screen;

fn target(id: &str, name: &str, ip: &str, w: i64, h: Health) -> TargetNode {
    TargetNode {
        instance_id: id.into(),
        instance_name: name.into(),
        private_ip: ip.into(),
        port: 80,
        weight: w,
        health: h,
        ..Default::default()
    }
}

fn tree() -> BrowseTree {
    let hc = Some(HealthCheckInfo {
        enabled: true,
        interval: Some(5),
        timeout: Some(2),
        healthy_threshold: Some(3),
        unhealthy_threshold: Some(3),
        check_type: Some("TCP".into()),
        check_port: None,
    });
    let clbs = vec![
        ClbNode {
            id: "lb-pub8xk2".into(),
            name: "weapp-public".into(),
            kind: "OPEN".into(),
            vips: vec!["119.29.10.8".into()],
            project_id: 1002189,
            vpc_id: "vpc-gz8k2m9a".into(),
            status: 1,
            loaded: true,
            listeners: vec![ListenerNode {
                id: "lbl-tcp80".into(),
                name: "tcp-80".into(),
                protocol: "TCP".into(),
                port: 80,
                health_check: hc.clone(),
                targets: vec![
                    target(
                        "ins-bizn0de1",
                        "node-weapp-demo",
                        "10.0.1.4",
                        10,
                        Health::Alive,
                    ),
                    target("ins-bizjava1", "weapp-java", "10.0.1.6", 10, Health::Dead),
                ],
            }],
        },
        ClbNode {
            id: "lb-int4c00".into(),
            name: "mina-auth-internal".into(),
            kind: "INTERNAL".into(),
            vips: vec!["10.0.1.20".into()],
            project_id: 1002189,
            vpc_id: "vpc-gz8k2m9a".into(),
            status: 1,
            loaded: true,
            listeners: vec![ListenerNode {
                id: "lbl-auth80".into(),
                name: "tcp-80".into(),
                protocol: "TCP".into(),
                port: 80,
                health_check: None,
                targets: vec![target(
                    "ins-auth0001",
                    "mina_auth",
                    "10.0.1.9",
                    10,
                    Health::Unknown,
                )],
            }],
        },
        ClbNode {
            id: "lb-new00001".into(),
            name: "creating".into(),
            kind: "OPEN".into(),
            vips: vec![],
            status: 0,
            loaded: false,
            ..Default::default()
        },
    ];
    let mut instances = BTreeMap::new();
    instances.insert(
        "ins-bizn0de1".to_string(),
        InstanceInfo {
            id: "ins-bizn0de1".into(),
            name: "node-weapp-demo".into(),
            zone: "ap-guangzhou-3".into(),
            project_id: 1002189,
            state: "RUNNING".into(),
            private_ips: vec!["10.0.1.4".into()],
            public_ips: vec!["119.29.10.4".into()],
            bandwidth_out: 5,
            charge_type: "POSTPAID_BY_HOUR".into(),
            expired_time: None,
            security_group_ids: vec!["sg-web1a2b".into()],
            ineligible: vec![],
        },
    );
    instances.insert(
        "ins-bizjava1".to_string(),
        InstanceInfo {
            id: "ins-bizjava1".into(),
            name: "weapp-java".into(),
            zone: "ap-guangzhou-3".into(),
            project_id: 1002189,
            state: "RUNNING".into(),
            private_ips: vec!["10.0.1.6".into()],
            bandwidth_out: 0,
            expired_time: Some("2026-10-01T00:00:00Z".into()),
            security_group_ids: vec!["sg-web1a2b".into(), "sg-ops9z8y".into()],
            ineligible: vec![
                Ineligible::Expired {
                    at: "2026-10-01T00:00:00Z".into(),
                },
                Ineligible::NoPublicBandwidth,
            ],
            ..Default::default()
        },
    );
    BrowseTree {
        region: "ap-guangzhou".into(),
        clbs,
        instances,
    }
}

fn app(lang: Lang) -> App {
    let mut a = App::new(
        lang,
        Context {
            region: "ap-guangzhou".into(),
            sandbox: true,
            ..Default::default()
        },
        Screen::Browse,
    );
    a.browse.tree = tree();
    a.browse.phase = Phase::Ready;
    a
}

/// Puts the cursor on `row`.
fn select(a: &mut App, row: Row) {
    a.browse.cursor = a
        .browse
        .rows()
        .iter()
        .position(|r| *r == row)
        .expect("row visible");
}

fn key(a: &mut App, code: KeyCode) {
    a.update(tcscale::tui::app::Msg::Key(KeyEvent::new(
        code,
        KeyModifiers::NONE,
    )));
}

fn both(name: &str, make: impl Fn(Lang) -> App) {
    for lang in [Lang::En, Lang::Zh] {
        let a = make(lang);
        let text = render(&a, 100, 30);
        assert!(!text.contains("[browse."), "{name}: missing string\n{text}");
        assert!(!text.contains("[wizard."), "{name}: missing string\n{text}");
        insta::assert_snapshot!(format!("browse_{name}_{}", lang_name(lang)), text);
    }
}

#[test]
fn tree_with_clb_selected() {
    both("tree", app);
}

#[test]
fn target_detail_with_eligibility_reasons() {
    both("target_detail", |l| {
        let mut a = app(l);
        select(&mut a, Row::Target(0, 0, 1));
        a
    });
}

#[test]
fn listener_detail() {
    both("listener_detail", |l| {
        let mut a = app(l);
        select(&mut a, Row::Listener(0, 0));
        a
    });
}

#[test]
fn loading_in_pieces() {
    both("loading", |l| {
        let mut a = app(l);
        a.browse.phase = Phase::Loading;
        a.browse.tree.clbs[1].loaded = false;
        a.browse.tree.clbs[1].listeners.clear();
        a
    });
    both("loading_empty", |l| {
        let mut a = app(l);
        a.browse.phase = Phase::Loading;
        a.browse.tree = BrowseTree::default();
        a
    });
}

#[test]
fn empty_failed_and_filtered() {
    both("empty", |l| {
        let mut a = app(l);
        a.browse.tree = BrowseTree::default();
        a
    });
    both("failed", |l| {
        let mut a = app(l);
        a.browse.phase = Phase::Failed("clb.DescribeLoadBalancers: UnauthorizedOperation".into());
        a
    });
    both("filter", |l| {
        let mut a = app(l);
        key(&mut a, KeyCode::Char('/'));
        for c in "java".chars() {
            key(&mut a, KeyCode::Char(c));
        }
        assert!(a.typing(), "letters go to the filter");
        a
    });
    both("no_match", |l| {
        let mut a = app(l);
        key(&mut a, KeyCode::Char('/'));
        for c in "zzz".chars() {
            key(&mut a, KeyCode::Char(c));
        }
        key(&mut a, KeyCode::Enter);
        a
    });
}

#[test]
fn sorted_and_folded() {
    both("sorted_dead_folded", |l| {
        let mut a = app(l);
        for _ in 0..5 {
            key(&mut a, KeyCode::Char('s'));
        }
        assert_eq!(a.browse.sort, SortKey::Dead);
        key(&mut a, KeyCode::Enter); // fold the first CLB
        a
    });
}

#[test]
fn weight_input_confirm_and_task_status() {
    both("weight_input", |l| {
        let mut a = app(l);
        select(&mut a, Row::Target(0, 0, 1));
        key(&mut a, KeyCode::Char('w'));
        key(&mut a, KeyCode::Backspace);
        key(&mut a, KeyCode::Backspace);
        key(&mut a, KeyCode::Char('5'));
        a
    });
    both("weight_invalid", |l| {
        let mut a = app(l);
        select(&mut a, Row::Target(0, 0, 1));
        key(&mut a, KeyCode::Char('w'));
        key(&mut a, KeyCode::Char('0'));
        key(&mut a, KeyCode::Char('0'));
        key(&mut a, KeyCode::Enter);
        a
    });
    both("unbind_confirm", |l| {
        let mut a = app(l);
        select(&mut a, Row::Target(0, 0, 1));
        key(&mut a, KeyCode::Char('u'));
        assert!(a.browse.confirm.is_some());
        a
    });
    both("task_running", |l| {
        let mut a = app(l);
        select(&mut a, Row::Target(0, 0, 1));
        key(&mut a, KeyCode::Char('u'));
        key(&mut a, KeyCode::Char('y'));
        let jobs = a.browse.take_jobs();
        assert!(matches!(
            jobs.as_slice(),
            [BrowseJob::Change {
                change: TargetChange::Unbind,
                ..
            }]
        ));
        a.update(tcscale::tui::app::Msg::Job(
            tcscale::tui::jobs::JobEvent::Browse(BrowseEvent::TaskStarted {
                task_id: "4f1c-task".into(),
            }),
        ));
        a
    });
    both("task_failed", |l| {
        let mut a = app(l);
        select(&mut a, Row::Target(0, 0, 1));
        key(&mut a, KeyCode::Char('u'));
        key(&mut a, KeyCode::Char('y'));
        a.update(tcscale::tui::app::Msg::Job(
            tcscale::tui::jobs::JobEvent::Browse(BrowseEvent::TaskFinished(Err(
                "FailedOperation.ResourceInOperating".into(),
            ))),
        ));
        a
    });
}

#[test]
fn health_is_coloured_and_refreshed_in_place() {
    let mut a = app(Lang::En);
    assert_eq!(colour_of(&a, 100, 30, " healthy"), Some(Color::Green));
    assert_eq!(colour_of(&a, 100, 30, "unhealthy"), Some(Color::Red));
    assert_eq!(colour_of(&a, 100, 30, "Unknown"), Some(Color::Yellow));
    // the background refresh asks for health of loaded CLBs with targets
    a.update(tcscale::tui::app::Msg::Tick(HEALTH_EVERY));
    let jobs = a.browse.take_jobs();
    assert_eq!(
        jobs,
        vec![BrowseJob::Health(vec![
            "lb-pub8xk2".into(),
            "lb-int4c00".into()
        ])]
    );
    let rows_before = a.browse.rows();
    let mut h = HealthMap::new();
    h.insert(
        health_key("lb-pub8xk2", "lbl-tcp80", "ins-bizjava1", 80),
        Health::Alive,
    );
    a.update(tcscale::tui::app::Msg::Job(
        tcscale::tui::jobs::JobEvent::Browse(BrowseEvent::Health(Ok(h))),
    ));
    assert_eq!(a.browse.rows(), rows_before, "no row appears or disappears");
    assert_eq!(
        a.browse.tree.clbs[0].listeners[0].targets[1].health,
        Health::Alive
    );
    // no second refresh while one is in flight / before the interval
    a.update(tcscale::tui::app::Msg::Tick(HEALTH_EVERY + 1));
    assert!(a.browse.take_jobs().is_empty());
}

#[test]
fn jump_between_clbs_and_big_trees_render_only_visible_rows() {
    let mut a = app(Lang::En);
    // sorted by name: "creating", "mina-auth-internal", "weapp-public"
    assert_eq!(a.browse.selected(), Some(Row::Clb(2)));
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.browse.selected(), Some(Row::Clb(1)));
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.browse.selected(), Some(Row::Clb(0)));
    key(&mut a, KeyCode::BackTab);
    assert_eq!(a.browse.selected(), Some(Row::Clb(1)));

    // 500 CLBs × 10 targets: rows are computed and drawn quickly.
    let mut big = tree();
    let proto = big.clbs[0].clone();
    big.clbs = (0..500)
        .map(|i| {
            let mut c = proto.clone();
            c.id = format!("lb-{i:05}");
            c.listeners[0].targets = (0..10)
                .map(|t| target(&format!("ins-{i}-{t}"), "x", "10.0.0.1", 10, Health::Alive))
                .collect();
            c
        })
        .collect();
    a.browse.tree = big;
    let started = std::time::Instant::now();
    assert_eq!(a.browse.rows().len(), 500 * 12);
    key(&mut a, KeyCode::End);
    let text = render(&a, 100, 30);
    assert!(text.contains("ins-499-9"), "{text}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}
