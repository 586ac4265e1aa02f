//! Step 5: pick a CLB of the right type or create one; live task progress.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph, Row};

use crate::i18n::{t, tf};
use crate::tui::app::App;
use crate::tui::state::{Progress, Role};
use crate::tui::widgets::{table, theme, wrap};

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
    let status_lines = match &app.lb.progress {
        Progress::NotStarted => wrap::indented(
            vec![Line::styled(
                format!(" {}", t(lang, "wizard.lb.hint")),
                theme::label(),
            )],
            area.width.saturating_sub(2) as usize,
        ),
        p => super::progress_lines(app, p, "CreateLoadBalancer", area.width.saturating_sub(2)),
    };
    let [intro, list, new, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(if creating { 4 } else { 0 }),
        Constraint::Length(status_lines.len() as u16 + 2),
    ])
    .areas(area);
    let intro_key = match app.role() {
        Role::Session => "wizard.lb.intro_session",
        Role::Business => "wizard.lb.intro_business",
    };
    f.render_widget(super::intro_line(&t(lang, intro_key)), intro);
    // OPEN / INTERNAL are the API's words: the user reads "public" / "internal".
    let (list_key, create_key) = match app.role() {
        Role::Session => ("wizard.lb.list_internal", "wizard.lb.create_internal"),
        Role::Business => ("wizard.lb.list_open", "wizard.lb.create_open"),
    };
    let headers: Vec<String> = ["id", "name", "vip", "vpc", "listeners"]
        .iter()
        .map(|k| t(lang, &format!("wizard.lb.col.{k}")))
        .collect();
    let mut cells: Vec<Vec<String>> = choices
        .iter()
        .map(|c| {
            let listeners: Vec<String> = c
                .listeners
                .iter()
                .map(|l| format!("{}:{} ({})", l.protocol, l.port, l.targets.len()))
                .collect();
            vec![
                c.id.clone(),
                c.name.clone(),
                c.vip.clone(),
                c.vpc_id.clone(),
                match app.lb_unfit(c) {
                    Some(why) => format!("─ {why}"),
                    None => listeners.join(" "),
                },
            ]
        })
        .collect();
    let unfit: Vec<bool> = choices.iter().map(|c| app.lb_unfit(c).is_some()).collect();
    let create_text = t(lang, create_key);
    if app.lb_can_create() {
        let mut row = vec![String::new(); 5];
        row[0] = "+".into();
        row[1] = create_text.clone();
        cells.push(row);
    }
    let width = |s: &String| Span::raw(s.as_str()).width();
    let needs: Vec<usize> = (0..5)
        .map(|c| {
            cells
                .iter()
                .map(|r| width(&r[c]))
                .chain([width(&headers[c])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    // The narrowest each column is shown at, from the data (ids, VIPs) and
    // never from words, so both languages keep the same columns.
    let data = |c: usize| cells.iter().map(|r| width(&r[c])).max().unwrap_or(0);
    let mins = [data(0).max(2), 12, data(2).max(3), data(3).max(3), 12];
    let cols = table::by_priority(
        &needs,
        &mins,
        &LB_PRIORITY,
        1,
        list.width.saturating_sub(2) as usize,
    );
    let pick = |r: Vec<String>| -> Vec<String> {
        r.into_iter()
            .zip(&cols)
            .filter_map(|(s, w)| w.map(|w| crate::tui::widgets::fit(&s, w)))
            .collect()
    };
    let can_create = app.lb_can_create();
    let n = cells.len();
    let rows: Vec<Row> = cells
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let row = Row::new(pick(r));
            if can_create && i + 1 == n {
                row.style(theme::key())
            } else if unfit.get(i) == Some(&true) {
                // Shown with the reason, not offered: Bind could bind nothing.
                row.style(theme::greyed())
            } else {
                row
            }
        })
        .collect();
    let widths: Vec<Constraint> = cols
        .iter()
        .flatten()
        .map(|w| Constraint::Length(*w as u16))
        .collect();
    table::render(
        app,
        f,
        list,
        &t(lang, list_key),
        Some(Row::new(pick(headers))),
        rows,
        &widths,
        app.lb.cursor,
        true,
    );
    if creating {
        let src = app.source_instance();
        let mut lines = app
            .lb
            .new_name
            .lines(lang, &t(lang, "wizard.lb.new_name"), true);
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
    f.render_widget(
        Paragraph::new(status_lines)
            .block(Block::bordered().title(format!(" {} ", t(lang, "wizard.progress.title")))),
        status,
    );
}

/// A CLB's type (the API's OPEN / INTERNAL) in the user's words.
pub fn kind_name(lang: crate::i18n::Lang, kind: &str) -> String {
    match kind {
        "OPEN" => t(lang, "wizard.lb.kind_open"),
        "INTERNAL" => t(lang, "wizard.lb.kind_internal"),
        other => other.to_string(),
    }
}

/// The columns (id, name, VIP, VPC, listeners) most important first: the
/// VPC goes first when narrow (a new CLB's VPC is shown below the list),
/// then the VIP, then the listeners.
const LB_PRIORITY: [usize; 5] = [0, 1, 4, 2, 3];
