//! Step 1: today's architecture, what to do, and the checks.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph, Row};

use crate::i18n::{t, tf};
use crate::tui::app::{App, MENU};
use crate::tui::widgets::{checklist, diagram, table, theme, wrap};

pub fn keys(_app: &App) -> Vec<(&'static str, &'static str)> {
    vec![
        ("↑↓", "wizard.key.move"),
        ("⏎", "wizard.key.choose"),
        ("b", "wizard.key.browse"),
        ("r", "wizard.key.refresh"),
        ("o", "wizard.key.account"),
    ]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let title = t(lang, "wizard.overview.architecture");
    if super::not_ready(app, f, area, &title) {
        return;
    }
    let Some(arch) = app.arch.ready() else { return };
    let lines = diagram::lines(lang, arch);
    let diagram_h = (lines.len() as u16 + 2).min(area.height.saturating_sub(7));
    let menu_w = MENU
        .iter()
        .map(|k| Span::raw(t(lang, k)).width() as u16 + 5)
        .max()
        .unwrap_or(30)
        .min(area.width * 3 / 5);
    // One free column before the border; long checks continue under their text.
    let checks_w = area.width.saturating_sub(menu_w + 3) as usize;
    let checks: Vec<crate::tui::state::Check> = arch
        .checks
        .iter()
        .map(|c| crate::tui::state::Check::of(c, lang))
        .collect();
    let mut check_lines = wrap::indented(checklist::lines(&checks), checks_w);
    // Lines that do not fit are said to be there, not cut silently.
    let room = area.height.saturating_sub(diagram_h + 2) as usize;
    if check_lines.len() > room && room > 0 {
        let hidden = check_lines.len() - (room - 1);
        check_lines.truncate(room - 1);
        check_lines.push(Line::styled(
            format!(
                " {}",
                tf(lang, "wizard.overview.more_checks", &[("n", &hidden)])
            ),
            theme::warn(),
        ));
    }
    let bottom_h = (MENU.len().max(check_lines.len()) as u16 + 2).max(7);
    let [top, bottom, _] = Layout::vertical([
        Constraint::Length(diagram_h),
        Constraint::Length(bottom_h),
        Constraint::Min(0),
    ])
    .areas(area);
    // How fresh the world shown is (it is read again after a change and
    // once a minute).
    let fresh = if app.discovering() {
        t(lang, "wizard.overview.refreshing")
    } else {
        let secs = app
            .discovered_at
            .map_or(0, |at| app.clock.saturating_sub(at));
        tf(lang, "wizard.overview.updated", &[("secs", &secs)])
    };
    f.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(format!(" {title} "))
                .title(Line::styled(format!(" {fresh} "), theme::label()).right_aligned()),
        ),
        top,
    );
    let [menu, checks] =
        Layout::horizontal([Constraint::Length(menu_w), Constraint::Min(0)]).areas(bottom);
    let rows: Vec<Row> = MENU
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let mark = if i == app.overview.cursor { "▶" } else { " " };
            Row::new(vec![format!("{mark} {}", t(lang, k))])
        })
        .collect();
    table::render(
        app,
        f,
        menu,
        &t(lang, "wizard.overview.menu"),
        None,
        rows,
        &[Constraint::Fill(1)],
        app.overview.cursor,
        true,
    );
    f.render_widget(
        Paragraph::new(check_lines)
            .block(Block::bordered().title(format!(" {} ", t(lang, "wizard.overview.checks")))),
        checks,
    );
}
