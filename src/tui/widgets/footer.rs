//! The bottom line: the keys of the current screen, then the global ones.

use ratatui::prelude::*;

use crate::i18n::t;
use crate::i18n::Lang;
use crate::tui::widgets::theme;

/// `keys`: (key, strings key of its label).
pub fn render(lang: Lang, keys: &[(&str, &str)], f: &mut Frame, area: Rect) {
    let mut spans = vec![Span::raw(" ")];
    let globals = [
        ("L", "wizard.key.language"),
        ("?", "wizard.key.help"),
        ("q", "wizard.key.quit"),
    ];
    for (k, label) in keys.iter().chain(globals.iter()) {
        spans.push(Span::styled(k.to_string(), theme::key()));
        spans.push(Span::raw(format!(" {}  ", t(lang, label))));
    }
    let line = Line::from(spans);
    if line.width() > area.width as usize {
        // Too narrow: the screen's keys keep their words, the global ones
        // shrink to their letters (`?` lists them all).
        let mut spans = vec![Span::raw(" ")];
        for (k, label) in keys {
            spans.push(Span::styled(k.to_string(), theme::key()));
            spans.push(Span::raw(format!(" {}  ", t(lang, label))));
        }
        spans.push(Span::styled("L ? q", theme::key()));
        f.render_widget(Line::from(spans), area);
    } else {
        f.render_widget(line, area);
    }
}
