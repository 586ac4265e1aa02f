//! The `?` overlay: every key of the current screen and the global ones.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::i18n::{t, Lang};
use crate::tui::widgets::{centered, theme};

/// `typing`: a text field has the keyboard, so the global keys are the
/// footer's [`super::footer::TYPING_GLOBALS`] (the letters type).
pub fn render(lang: Lang, screen_keys: &[(&str, &str)], typing: bool, f: &mut Frame, area: Rect) {
    let [language, help, quit] = if typing {
        super::footer::TYPING_GLOBALS
    } else {
        [
            ("L / ^L", "wizard.key.language"),
            ("? / F1", "wizard.key.help"),
            ("q / ^C", "wizard.key.quit"),
        ]
    };
    let globals: [(&str, &str); 5] = [
        language,
        help,
        quit,
        ("tab", "wizard.key.next_field"),
        ("mouse", "wizard.key.click"),
    ];
    let mut lines = vec![Line::from(t(lang, "wizard.help.intro")).style(theme::label())];
    let mut shown: Vec<(&str, &str)> = Vec::new();
    for &(k, label) in screen_keys.iter().chain(globals.iter()) {
        // A key the screen lists twice (its own Esc and the app's) is shown once.
        if shown.contains(&(k, label)) {
            continue;
        }
        shown.push((k, label));
        lines.push(Line::from(vec![
            Span::styled(format!(" {k:>8}  "), theme::key()),
            Span::raw(t(lang, label)),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(t(lang, "wizard.help.close")).style(theme::label()));
    let rect = centered(area, 60, lines.len() as u16 + 2);
    f.render_widget(Clear, super::clear_area(rect, area));
    f.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(format!(" {} ", t(lang, "wizard.help.title")))),
        rect,
    );
}
