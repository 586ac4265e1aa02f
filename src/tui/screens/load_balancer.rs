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
    let needs: Vec<usize> = (0..5)
        .map(|c| {
            cells
                .iter()
                .map(|r| Span::raw(&r[c]).width())
                .chain([Span::raw(&headers[c]).width()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let keep = lb_columns(&needs, list.width.saturating_sub(2) as usize);
    let pick = |r: Vec<String>| -> Vec<String> {
        r.into_iter()
            .enumerate()
            .filter(|(c, _)| keep[*c])
            .map(|(_, s)| s)
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
    let widths: Vec<Constraint> = (0..5)
        .filter(|c| keep[*c])
        .map(|c| {
            if c == 1 {
                Constraint::Fill(1)
            } else {
                Constraint::Length(needs[c] as u16)
            }
        })
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

/// A CLB's type (the API's OPEN / INTERNAL) in the user's words.
pub fn kind_name(lang: crate::i18n::Lang, kind: &str) -> String {
    match kind {
        "OPEN" => t(lang, "wizard.lb.kind_open"),
        "INTERNAL" => t(lang, "wizard.lb.kind_internal"),
        other => other.to_string(),
    }
}

/// Which of the columns (id, name, VIP, VPC, listeners) fit `inner`
/// columns, each kept one getting its `needs` and the name at least its
/// need: the VPC goes first (a new CLB's VPC is shown below the list), then
/// the VIP, then the listeners.
fn lb_columns(needs: &[usize], inner: usize) -> [bool; 5] {
    let mut keep = [true; 5];
    let total = |keep: &[bool; 5]| -> usize {
        (0..5)
            .filter(|c| keep[*c])
            .map(|c| needs[c] + usize::from(c > 0))
            .sum()
    };
    for c in [3, 2, 4] {
        if total(&keep) <= inner {
            break;
        }
        keep[c] = false;
    }
    keep
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_vpc_goes_first_then_the_vip() {
        let needs = [8, 25, 10, 8, 19];
        assert_eq!(super::lb_columns(&needs, 118), [true; 5]);
        assert_eq!(
            super::lb_columns(&needs, 66),
            [true, true, true, false, true]
        );
        assert_eq!(
            super::lb_columns(&needs, 60),
            [true, true, false, false, true]
        );
    }
}
