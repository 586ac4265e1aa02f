//! One line of live progress: what, a bar, how many, how long.

use ratatui::prelude::*;

use crate::tui::widgets::{mmss, theme};

/// `label ████░░░░ done/total · mm:ss · note`.
pub fn line(label: &str, done: usize, total: usize, elapsed: u64, note: &str) -> Line<'static> {
    let width = 20usize;
    let filled = (done * width).checked_div(total).unwrap_or(0).min(width);
    let mut spans = vec![
        Span::styled(format!(" {label} "), theme::title()),
        Span::styled("█".repeat(filled), theme::good()),
        Span::styled("░".repeat(width - filled), theme::greyed()),
        Span::raw(format!(" {done}/{total} · {}", mmss(elapsed))),
    ];
    if !note.is_empty() {
        spans.push(Span::raw(format!(" · {note}")));
    }
    Line::from(spans)
}
