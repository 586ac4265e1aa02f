//! The slots other parts of tcscale fill (onboarding, auto scaling,
//! browse): until they are wired in, say so plainly and offer the way on.
//! Onboarding here is the minimal one: no credentials → the sandbox.

use ratatui::prelude::*;

use crate::i18n::t;
use crate::tui::app::App;
use crate::tui::state::Screen;
use crate::tui::widgets::theme;

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let key = app.screen.key();
    let mut lines = vec![Line::raw(format!(
        " {}",
        t(lang, &format!("wizard.{key}.not_here"))
    ))];
    if app.screen == Screen::Onboarding {
        if let Some(why) = &app.onboarding_reason {
            lines.push(Line::raw(""));
            lines.push(Line::styled(format!(" {why}"), theme::label()));
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!(" {}", t(lang, "wizard.placeholder.sandbox")),
            theme::key(),
        ));
    } else {
        lines.push(Line::raw(""));
        lines.push(Line::raw(format!(
            " {}",
            t(lang, "wizard.placeholder.back")
        )));
    }
    super::message(f, area, &t(lang, &format!("wizard.{key}.title")), lines);
}
