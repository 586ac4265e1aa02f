//! Step 5: pick a CLB of the right type or create one; live task progress.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph, Row};

use crate::i18n::{t, tf};
use crate::tui::app::App;
use crate::tui::state::{Progress, Role};
use crate::tui::widgets::{table, theme};

pub fn keys(app: &App) -> Vec<(&'static str, &'static str)> {
    if app.lb.progress.is_running() {
        return vec![];
    }
    vec![("↑↓", "wizard.key.move"), ("⏎", "wizard.key.choose")]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let choices = app.lb_choices();
    let creating = app.lb_can_create() && app.lb.cursor == choices.len();
    let [intro, list, new, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(if creating { 4 } else { 0 }),
        Constraint::Length(3),
    ])
    .areas(area);
    let intro_key = match app.role() {
        Role::Session => "wizard.lb.intro_session",
        Role::Business => "wizard.lb.intro_business",
    };
    f.render_widget(super::intro_line(&t(lang, intro_key)), intro);
    let header = table::header(
        lang,
        "wizard.lb.col",
        &["id", "name", "vip", "vpc", "listeners"],
    );
    let mut rows: Vec<Row> = choices
        .iter()
        .map(|c| {
            let listeners: Vec<String> = c
                .listeners
                .iter()
                .map(|l| format!("{}:{} ({})", l.protocol, l.port, l.targets.len()))
                .collect();
            Row::new(vec![
                c.id.clone(),
                c.name.clone(),
                c.vip.clone(),
                c.vpc_id.clone(),
                listeners.join(" "),
            ])
        })
        .collect();
    if app.lb_can_create() {
        rows.push(
            Row::new(vec![
                "+".to_string(),
                tf(
                    lang,
                    "wizard.lb.create",
                    &[("kind", &app.role().clb_type())],
                ),
            ])
            .style(theme::key()),
        );
    }
    table::render(
        app,
        f,
        list,
        &tf(lang, "wizard.lb.list", &[("kind", &app.role().clb_type())]),
        Some(header),
        rows,
        &[
            Constraint::Length(12),
            Constraint::Fill(2),
            Constraint::Length(15),
            Constraint::Length(13),
            Constraint::Fill(1),
        ],
        app.lb.cursor,
        true,
    );
    if creating {
        let src = app.source_instance();
        let mut lines = app.lb.new_name.lines(&t(lang, "wizard.lb.new_name"), true);
        lines.push(Line::styled(
            tf(
                lang,
                "wizard.lb.new_where",
                &[
                    ("vpc", &src.map(|s| s.vpc_id.as_str()).unwrap_or("?")),
                    ("subnet", &src.map(|s| s.subnet_id.as_str()).unwrap_or("?")),
                    ("project", &src.map(|s| s.project_id).unwrap_or(0)),
                ],
            ),
            theme::label(),
        ));
        f.render_widget(Paragraph::new(lines).block(Block::bordered()), new);
    }
    let line = match &app.lb.progress {
        Progress::NotStarted => {
            Line::styled(format!(" {}", t(lang, "wizard.lb.hint")), theme::label())
        }
        p => super::progress_line(app, p, "CreateLoadBalancer"),
    };
    f.render_widget(
        Paragraph::new(vec![line])
            .block(Block::bordered().title(format!(" {} ", t(lang, "wizard.progress.title")))),
        status,
    );
}
