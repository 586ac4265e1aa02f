//! ✓ / ! / ✗ lines.

use ratatui::prelude::*;

use crate::tui::state::{Check, CheckLevel};
use crate::tui::widgets::theme;

pub fn lines(checks: &[Check]) -> Vec<Line<'static>> {
    checks
        .iter()
        .map(|c| {
            let (mark, style) = match c.level {
                CheckLevel::Ok => ("✓", theme::good()),
                CheckLevel::Warn => ("!", theme::warn()),
                CheckLevel::Fail => ("✗", theme::bad()),
            };
            Line::from(vec![
                Span::styled(format!(" {mark} "), style),
                Span::raw(c.text.clone()),
            ])
        })
        .collect()
}
