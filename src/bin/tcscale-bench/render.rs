//! Figure 5: one frame with 10,000 rows, drawn by the app's own `ui::draw`
//! into ratatui's TestBackend (120×40): the source screen (every instance
//! of the region) and the bind screen (the instance-table widget with
//! checkboxes, statuses and greyed ineligible rows).

use std::time::Instant;

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use tcscale::i18n::Lang;
use tcscale::tui::app::{App, Context};
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

/// Frame times in ms of `frames` draws of `screen` with `n` rows.
pub fn frame_times(n: usize, screen: Screen, frames: usize) -> Vec<f64> {
    let app = app_with(n, screen);
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    let mut times = Vec::with_capacity(frames);
    for k in 0..frames + 5 {
        let t = Instant::now();
        term.draw(|f| ui::draw(&app, f)).expect("draw");
        if k >= 5 {
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times
}

pub fn run(quick: bool) -> Vec<Figure> {
    let (n, frames) = if quick { (1_000, 20) } else { (10_000, 300) };
    [
        ("5a. render: source table", Screen::Source),
        ("5b. render: bind instance table", Screen::Bind),
    ]
    .into_iter()
    .map(|(name, screen)| {
        let mut t = frame_times(n, screen, frames);
        let p50 = quantile(&mut t, 0.5);
        let p99 = quantile(&mut t, 0.99);
        Figure::new(
            name,
            format!("p99 {p99:.3} ms (p50 {p50:.3} ms), {n} rows"),
            TARGET,
            Some(p99 <= 2.0),
        )
        .note(format!(
            "{frames} frames 120×40 through tui::ui::draw into TestBackend"
        ))
    })
    .collect()
}
