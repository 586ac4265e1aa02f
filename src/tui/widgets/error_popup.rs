//! A failed step's error, whole: the API's code, message and RequestId and
//! tcscale's explanation, wrapped and scrolled in the confirm's dialog.

use ratatui::prelude::*;

use crate::i18n::{t, Lang};
use crate::scaleout::runner::StepError;
use crate::tui::widgets::{confirm, theme, wrap};

/// Draws the popup for `e` in `area`, worded in `lang`, `scroll` rows
/// down; returns how far it can scroll.
pub fn render(lang: Lang, e: &StepError, scroll: usize, f: &mut Frame, area: Rect) -> usize {
    let width = area.width.saturating_sub(4).min(96);
    let none = || t(lang, "wizard.error.none");
    let field = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!(" {} ", t(lang, label)), theme::label()),
            Span::raw(value),
        ])
    };
    let body = vec![
        field("wizard.error.code", e.code().unwrap_or_else(none)),
        field("wizard.error.message", e.api_message().unwrap_or_else(none)),
        field(
            "wizard.error.request_id",
            e.request_id().unwrap_or_else(none),
        ),
        Line::raw(""),
        field("wizard.error.explanation", e.explain(lang)),
    ];
    let body = wrap::indented(body, width.saturating_sub(3).max(1) as usize);
    let keys = Line::from(vec![
        Span::styled(" esc ", theme::key()),
        Span::raw(t(lang, "wizard.error.close")),
        Span::styled("   L ", theme::key()),
        Span::raw(t(lang, "wizard.key.language")),
    ]);
    let title = format!(" {} ", t(lang, "wizard.error.title"));
    confirm::scrolled(lang, f, area, width, title, body, keys, scroll)
}
