//! Rendering a whole frame (header, screen, footer, overlays) into a
//! TestBackend as text, for the onboarding and browse snapshots.

#![allow(dead_code)]

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tcscale::i18n::Lang;
use tcscale::tui::app::App;
use tcscale::tui::ui;

/// The frame as text, one line per row, trailing spaces trimmed.
pub fn render(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| ui::draw(app, f)).unwrap();
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..w {
            if skip > 0 {
                // the cell behind a double-width character
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = ratatui::text::Span::raw(sym).width().saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The foreground colour of the first cell showing `needle` (to check colouring).
pub fn colour_of(app: &App, w: u16, h: u16, needle: &str) -> Option<ratatui::style::Color> {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| ui::draw(app, f)).unwrap();
    let buf = term.backend().buffer().clone();
    for y in 0..h {
        let row: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
        if let Some(byte) = row.find(needle) {
            let x = row[..byte].chars().count() as u16;
            return buf[(x, y)].fg.into();
        }
    }
    None
}

pub fn lang_name(l: Lang) -> &'static str {
    match l {
        Lang::En => "en",
        Lang::Zh => "zh",
    }
}
