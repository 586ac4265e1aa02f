//! Pieces every screen shares.

pub mod checklist;
pub mod confirm;
pub mod diagram;
pub mod error_popup;
pub mod footer;
pub mod header;
pub mod help;
pub mod input;
pub mod instance_table;
pub mod progress;
pub mod table;
pub mod theme;
pub mod wrap;

use ratatui::layout::{Constraint, Flex, Layout, Rect};

/// A rectangle of `width`×`height` centred in `area`, clipped to it.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(area);
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(h);
    v
}

/// The area to clear under an overlay drawn at `rect`: one more column on
/// each side (within `area`), so a wide (CJK) character of the screen below
/// that starts just left of the overlay cannot cover its left border.
pub fn clear_area(rect: Rect, area: Rect) -> Rect {
    let x = rect.x.saturating_sub(1).max(area.x);
    let right = (rect.x + rect.width + 1).min(area.x + area.width);
    Rect {
        x,
        width: right.saturating_sub(x),
        ..rect
    }
}

/// `mm:ss` of a number of seconds.
pub fn mmss(secs: u64) -> String {
    format!("{:02}:{:02}", secs / 60, secs % 60)
}

/// A spinner frame for the app clock.
pub fn spinner(clock: u64) -> &'static str {
    ["◐", "◓", "◑", "◒"][(clock % 4) as usize]
}

/// `s` cut to `width` display columns (CJK counts double), with `…` when cut.
pub fn fit(s: &str, width: usize) -> String {
    // ratatui measures with unicode-width; borrowing it avoids another dependency.
    let cw = |c: char| ratatui::text::Span::raw(c.to_string()).width();
    let total = ratatui::text::Span::raw(s).width();
    if total <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = cw(c);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}
