//! The confirm dialog: the exact API calls about to be made.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::i18n::{t, Lang};
use crate::tui::state::Confirm;
use crate::tui::widgets::{centered, theme, wrap};

pub fn render(lang: Lang, c: &Confirm, f: &mut Frame, area: Rect) {
    let mut lines: Vec<Line<'static>> = Vec::new();
    if c.calls.is_empty() {
        lines.push(Line::from(t(lang, "wizard.quit.body")));
    } else {
        lines.push(Line::from(t(lang, "wizard.confirm.intro")).style(theme::label()));
        for (i, call) in c.calls.iter().enumerate() {
            lines.push(Line::from(vec![
                Span::raw(format!(" {}. ", i + 1)),
                Span::styled(format!("{}.{}", call.service, call.action), theme::key()),
                Span::raw(format!(" {}", call.detail)),
            ]));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(" y/⏎ ", theme::key()),
        Span::raw(t(lang, "wizard.confirm.accept")),
        Span::styled("   n/esc ", theme::key()),
        Span::raw(t(lang, "wizard.confirm.cancel")),
    ]));
    let width = area.width.saturating_sub(4).min(96);
    // A call's parameters wrap under the call, not at the dialog's edge.
    let lines = wrap::indented(lines, width.saturating_sub(3).max(1) as usize);
    let height = lines.len() + 2;
    let rect = centered(area, width, (height as u16).min(area.height));
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(format!(" {} ", c.title))
                .border_style(theme::warn()),
        ),
        rect,
    );
}
