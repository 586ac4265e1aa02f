//! The top line: where you are (step, region, profile, sandbox) and the two
//! keys that work everywhere.

use ratatui::prelude::*;

use crate::i18n::{t, tf};
use crate::tui::app::App;
use crate::tui::widgets::theme;

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let mut left = vec![];
    let in_step = app.step().is_some_and(|(n, _)| n > 1);
    if let (true, Some((n, total))) = (in_step, app.step()) {
        left.push(format!(
            " {}",
            tf(lang, "common.step_of", &[("n", &n), ("total", &total)])
        ));
        left.push(t(lang, &format!("wizard.{}.title", app.screen.key())));
    } else {
        left.push(format!(" {}", t(lang, "app.name")));
    }
    if !app.ctx.region.is_empty() {
        left.push(app.ctx.region.clone());
    }
    if let (false, Some(p)) = (in_step, &app.ctx.profile) {
        left.push(tf(lang, "wizard.header.profile", &[("name", p)]));
    }
    if app.ctx.sandbox {
        left.push(t(lang, "common.sandbox"));
    }
    let right = format!(
        "[?] {}  [L] {} ",
        t(lang, "wizard.key.help"),
        t(lang, "wizard.key.other_language")
    );
    let left = left.join(" · ");
    let rw = right.chars().count() as u16 + 2;
    let [l, r] = Layout::horizontal([Constraint::Min(0), Constraint::Length(rw)]).areas(area);
    f.render_widget(
        Line::from(crate::tui::widgets::fit(&left, l.width as usize)).style(theme::header().bold()),
        l,
    );
    f.render_widget(
        Line::from(right)
            .style(theme::header())
            .alignment(Alignment::Right),
        r,
    );
}
