//! The confirm dialog: the exact API calls about to be made.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::i18n::{t, Lang};
use crate::tui::state::Confirm;
use crate::tui::widgets::{centered, theme, wrap};

pub fn render(lang: Lang, c: &Confirm, f: &mut Frame, area: Rect) {
    let mut lines = call_lines(lang, c);
    lines.push(Line::raw(""));
    lines.push(answer_keys(
        lang,
        "wizard.confirm.accept",
        "wizard.confirm.cancel",
    ));
    let width = area.width.saturating_sub(4).min(96);
    // A call's parameters wrap under the call, not at the dialog's edge.
    let lines = wrap::indented(lines, width.saturating_sub(3).max(1) as usize);
    dialog(f, area, width, format!(" {} ", c.title), lines);
}

/// [`render`] for a dialog whose calls may not fit: they scroll instead of
/// being cut, `scroll` rows down (clamped), `↑`/`↓` markers saying more is
/// above or below, the keys (with ↑↓) always shown. Returns how far it can
/// scroll in `area` (0: it all fits).
pub fn render_scrolled(lang: Lang, c: &Confirm, scroll: usize, f: &mut Frame, area: Rect) -> usize {
    let width = area.width.saturating_sub(4).min(96);
    let calls = wrap::indented(call_lines(lang, c), width.saturating_sub(3).max(1) as usize);
    let keys = answer_keys(lang, "wizard.confirm.accept", "wizard.confirm.cancel");
    scrolled(
        lang,
        f,
        area,
        width,
        format!(" {} ", c.title),
        calls,
        keys,
        scroll,
    )
}

/// A [`dialog`] whose `body` (already wrapped) scrolls instead of being
/// cut, `scroll` rows down (clamped), `↑`/`↓` markers saying more is above
/// or below, its `keys` line (with ↑↓ when it scrolls) always shown.
/// Returns how far it can scroll in `area` (0: it all fits).
#[allow(clippy::too_many_arguments)]
pub fn scrolled(
    lang: Lang,
    f: &mut Frame,
    area: Rect,
    width: u16,
    title: String,
    body: Vec<Line<'static>>,
    mut keys: Line<'static>,
    scroll: usize,
) -> usize {
    // Rows inside the border, less the blank row and the keys.
    let window = (area.height.saturating_sub(2) as usize).saturating_sub(2);
    let (shown, max) = if body.len() <= window || window < 3 {
        (body, 0)
    } else {
        keys.spans.push(Span::styled("   ↑↓ ", theme::key()));
        keys.spans.push(Span::raw(t(lang, "wizard.confirm.scroll")));
        let max = body.len() - window;
        let top = scroll.min(max);
        let mut shown: Vec<Line<'static>> = body[top..top + window].to_vec();
        if top > 0 {
            shown[0] = Line::styled(" ↑ …", theme::warn());
        }
        if top < max {
            shown[window - 1] = Line::styled(" ↓ …", theme::warn());
        }
        (shown, max)
    };
    let mut lines = shown;
    lines.push(Line::raw(""));
    lines.extend(wrap::indented(
        vec![keys],
        width.saturating_sub(3).max(1) as usize,
    ));
    dialog(f, area, width, title, lines);
    max
}

/// The dialog's body and its calls, one line each (not wrapped).
fn call_lines(lang: Lang, c: &Confirm) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some(body) = &c.body {
        lines.push(Line::from(body.clone()));
    } else if c.calls.is_empty() {
        lines.push(Line::from(t(lang, "wizard.quit.body")));
    }
    if !c.calls.is_empty() {
        lines.push(Line::from(t(lang, "wizard.confirm.intro")).style(theme::label()));
        for (i, call) in c.calls.iter().enumerate() {
            lines.push(Line::from(vec![
                Span::raw(format!(" {}. ", i + 1)),
                Span::styled(format!("{}.{}", call.service, call.action), theme::key()),
                Span::raw(format!(" {}", call.detail)),
            ]));
        }
    }
    lines
}

/// A bordered dialog of `width` columns centred in `area` (the frame above
/// the notice and the footer), `lines` already wrapped, the last of them
/// its answer keys. Taller than `area`: the lines before the keys give way
/// (`…` says so), so the keys are always on screen.
pub fn dialog(f: &mut Frame, area: Rect, width: u16, title: String, lines: Vec<Line<'static>>) {
    let lines = keep_last(lines, area.height.saturating_sub(2) as usize);
    let height = lines.len() + 2;
    let rect = centered(area, width, (height as u16).min(area.height));
    f.render_widget(Clear, super::clear_area(rect, area));
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title).border_style(theme::warn())),
        rect,
    );
}

/// `lines` in at most `room` rows, the last one (the answer keys) kept:
/// what does not fit before it is replaced by a `…` row.
fn keep_last(mut lines: Vec<Line<'static>>, room: usize) -> Vec<Line<'static>> {
    if lines.len() <= room || room < 2 {
        return lines;
    }
    let keys = lines.pop().expect("a line");
    lines.truncate(room - 2);
    lines.push(Line::styled(" …", theme::warn()));
    lines.push(keys);
    lines
}

/// The last line of a yes/no dialog: `y/⏎` does `yes_key`, `n/esc` `no_key`.
pub fn answer_keys(lang: Lang, yes_key: &str, no_key: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(" y/⏎ ", theme::key()),
        Span::raw(t(lang, yes_key)),
        Span::styled("   n/esc ", theme::key()),
        Span::raw(t(lang, no_key)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::state::{ConfirmWhat, PlannedCall};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    #[test]
    fn the_answer_keys_stay_when_the_dialog_is_taller_than_the_screen() {
        let lines: Vec<Line<'static>> = (0..30)
            .map(|i| Line::raw(format!("line {i}")))
            .chain([answer_keys(
                Lang::En,
                "wizard.confirm.accept",
                "wizard.confirm.cancel",
            )])
            .collect();
        let out = keep_last(lines, 10);
        assert_eq!(out.len(), 10);
        assert_eq!(out[8].to_string(), " …");
        assert!(out[9].to_string().contains("y/⏎"));
        assert_eq!(keep_last(out.clone(), 10), out);
    }

    #[test]
    fn a_wide_character_below_cannot_cover_the_left_border() {
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let c = Confirm {
            title: "创建新服务器？".into(),
            body: None,
            calls: vec![PlannedCall {
                service: "cvm",
                action: "RunInstances",
                detail: "InstanceCount=2 ".repeat(12),
            }],
            what: ConfirmWhat::Bind,
        };
        // The frame as drawn (the backend's copy skips cells a wide character covers).
        let frame = term
            .draw(|f| {
                // The screen below: wide characters from column 1 on.
                let rows: Vec<Line> = (0..24)
                    .map(|_| Line::raw(format!("│{}", "项".repeat(39))))
                    .collect();
                f.render_widget(Paragraph::new(rows), f.area());
                render(Lang::Zh, &c, f, f.area());
            })
            .unwrap();
        let buf = frame.buffer;
        let left = (0..80)
            .find(|&x| buf[(x, 12)].symbol() == "│" && x > 0)
            .unwrap();
        let rows: Vec<u16> = (0..24)
            .filter(|&y| buf[(left, y)].symbol() == "│")
            .collect();
        assert!(rows.len() >= 4, "the dialog's rows: {rows:?}");
        for y in rows {
            let before = buf[(left - 1, y)].symbol();
            assert!(
                Span::raw(before).width() <= 1,
                "row {y}: '{before}' left of the border would cover it"
            );
        }
    }
}
