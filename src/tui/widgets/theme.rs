//! The few styles every screen shares, so greyed rows and errors look alike everywhere.

use ratatui::style::{Color, Modifier, Style};

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}
pub fn label() -> Style {
    Style::new().fg(Color::Gray)
}
pub fn focus() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}
pub fn input() -> Style {
    Style::new().fg(Color::White)
}
pub fn selected() -> Style {
    Style::new()
        .bg(Color::DarkGray)
        .add_modifier(Modifier::BOLD)
}
/// Rows that cannot be chosen: still visible, with their reason.
pub fn greyed() -> Style {
    Style::new().fg(Color::DarkGray)
}
pub fn good() -> Style {
    Style::new().fg(Color::Green)
}
pub fn warn() -> Style {
    Style::new().fg(Color::Yellow)
}
pub fn bad() -> Style {
    Style::new().fg(Color::Red)
}
pub fn key() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}
pub fn header() -> Style {
    Style::new().bg(Color::Blue).fg(Color::White)
}
