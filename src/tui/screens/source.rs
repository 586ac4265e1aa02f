//! Step 2: the instances of the region; pick the server to copy.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph, Row};

use crate::i18n::{t, tf};
use crate::tui::app::App;
use crate::tui::state::Role;
use crate::tui::widgets::instance_table::{bandwidth, short_zone};
use crate::tui::widgets::{table, theme};

pub fn keys(_app: &App) -> Vec<(&'static str, &'static str)> {
    vec![("↑↓", "wizard.key.move"), ("⏎", "wizard.key.copy_this")]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let title = t(lang, "wizard.source.title");
    if super::not_ready(app, f, area, &title) {
        return;
    }
    let Some(arch) = app.arch.ready() else { return };
    let rows = app.source_rows();
    let [intro, list, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(4),
    ])
    .areas(area);
    let role_key = match app.role() {
        Role::Session => "wizard.source.intro_session",
        Role::Business => "wizard.source.intro_business",
    };
    f.render_widget(super::intro_line(&t(lang, role_key)), intro);
    if rows.is_empty() {
        super::message(
            f,
            list,
            &title,
            vec![Line::styled(
                format!(
                    " {}",
                    tf(lang, "wizard.source.empty", &[("region", &arch.region)])
                ),
                theme::warn(),
            )],
        );
        return;
    }
    let header = Row::new(
        [
            "name",
            "role",
            "id",
            "zone",
            "project",
            "state",
            "ips",
            "bandwidth",
        ]
        .iter()
        .map(|k| t(lang, &format!("wizard.table.{k}")))
        .collect::<Vec<_>>(),
    );
    // Only the rows on screen are built: the region may have 10,000 instances.
    let shown = table::window(list, true, app.source.cursor, rows.len());
    let body: Vec<Row> = rows[shown.clone()]
        .iter()
        .map(|i| {
            let role = if arch.session_ids.contains(&i.id) {
                t(lang, "wizard.role.session_short")
            } else if arch.business_ids.contains(&i.id) {
                t(lang, "wizard.role.business_short")
            } else {
                String::new()
            };
            // Narrow terminals get the private IP only (the one the guide works with).
            let ips = if i.public_ip.is_empty() || list.width < 90 {
                i.private_ip.clone()
            } else {
                format!("{} / {}", i.private_ip, i.public_ip)
            };
            let row = Row::new(vec![
                i.name.clone(),
                role,
                i.id.clone(),
                short_zone(&i.zone),
                i.project_id.to_string(),
                i.state.clone(),
                ips,
                bandwidth(lang, i.bandwidth_out),
            ]);
            if i.state == "RUNNING" {
                row
            } else {
                row.style(theme::greyed())
            }
        })
        .collect();
    table::render_window(
        app,
        f,
        list,
        &title,
        Some(header),
        body,
        shown.start,
        &[
            Constraint::Fill(2),
            Constraint::Length(8),
            Constraint::Length(12),
            Constraint::Length(6),
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Fill(3),
            Constraint::Length(7),
        ],
        app.source.cursor,
        true,
    );
    if let Some(i) = rows.get(app.source.cursor) {
        let lines = vec![
            Line::from(format!(
                " {}: {}  ·  {}: {}",
                t(lang, "wizard.launch.type"),
                i.instance_type,
                t(lang, "wizard.source.os"),
                i.os_name
            )),
            Line::from(format!(
                " VPC {} / {}  ·  {}: {}",
                i.vpc_id,
                i.subnet_id,
                t(lang, "wizard.launch.security_groups"),
                i.security_group_ids.join(", ")
            )),
        ];
        f.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(format!(" {} ", i.id))),
            detail,
        );
    }
}
