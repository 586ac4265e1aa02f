//! One file per screen; each renders from the app state alone.

pub mod autoscaling;
pub mod autoscaling_group;
pub mod autoscaling_policy;
pub mod autoscaling_schedule;
pub mod autoscaling_work;
pub mod bind;
pub mod browse;
pub mod image;
pub mod launch;
pub mod load_balancer;
pub mod onboarding;
pub mod overview;
pub mod placeholder;
pub mod runs;
pub mod sdk_config;
pub mod security_group;
pub mod source;
pub mod summary;

use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::i18n::t;
use crate::tui::app::App;
use crate::tui::state::{Progress, Screen};
use crate::tui::widgets::{mmss, spinner, theme};

/// A screen's one-line introduction, indented one column like its tables.
pub fn intro_line(text: &str) -> Line<'static> {
    Line::from(format!(" {text}"))
}

/// The keys of the current screen as (key, label key), for the footer and help.
pub fn keys(app: &App) -> Vec<(&'static str, &'static str)> {
    if app.confirm.is_some() {
        return vec![
            ("y", "wizard.confirm.accept"),
            ("n", "wizard.confirm.cancel"),
        ];
    }
    if app.error_popup.is_some() {
        return vec![
            ("↑↓", "wizard.confirm.scroll"),
            ("esc", "wizard.error.close"),
        ];
    }
    let mut k = match app.screen {
        Screen::Overview => overview::keys(app),
        Screen::Source => source::keys(app),
        Screen::Image => image::keys(app),
        Screen::Launch => launch::keys(app),
        Screen::LoadBalancer => load_balancer::keys(app),
        Screen::Bind => bind::keys(app),
        Screen::SecurityGroup => security_group::keys(app),
        Screen::SdkConfig => sdk_config::keys(app),
        Screen::Summary => summary::keys(app),
        Screen::Onboarding => app.onboarding.keys(),
        Screen::Browse => app.browse.keys(),
        Screen::AutoScaling => return app.autoscaling.keys(),
        Screen::Runs => return app.runs.keys(),
    };
    // After a failed step: its error in a popup (e; ^E from a text field).
    if app.failure_key_works() {
        k.push(("e / ^E", "wizard.error.key"));
    }
    // After a failed step: the run's cleanup dialog (C; ^X from a text field).
    if app.recovery_run.is_some() {
        k.push(("C / ^X", "runs.key.cleanup_run"));
    }
    if app.screen != Screen::Overview && !app.back.is_empty() {
        k.push(("esc", "wizard.key.back"));
    }
    k
}

/// A one-line state of an async step: running with spinner and time, done, or failed.
pub fn progress_line(app: &App, p: &Progress, what: &str) -> Line<'static> {
    let lang = app.lang;
    match p {
        Progress::NotStarted => Line::raw(""),
        Progress::Running { started, note } => Line::from(vec![
            Span::styled(format!(" {} ", spinner(app.clock)), theme::warn()),
            Span::raw(format!(
                "{what} · {}{}",
                mmss(app.clock.saturating_sub(*started)),
                if note.is_empty() {
                    String::new()
                } else {
                    format!(" · {note}")
                }
            )),
        ]),
        Progress::Done { took } => Line::from(vec![
            Span::styled(" ✓ ", theme::good()),
            Span::raw(format!("{what} · {} · ", mmss(*took))),
            Span::styled(t(lang, "wizard.progress.next"), theme::key()),
        ]),
        Progress::Failed { message } => Line::from(vec![
            Span::styled(" ✗ ", theme::bad()),
            Span::styled(format!("{what}: {message}"), theme::bad()),
        ]),
    }
}

/// [`progress_line`] wrapped at `width` columns under its text: a
/// failure's whole explanation (what to do, the API's code, message and
/// RequestId) is read on screen, never cut at its edge.
pub fn progress_lines(app: &App, p: &Progress, what: &str, width: u16) -> Vec<Line<'static>> {
    crate::tui::widgets::wrap::indented(
        vec![progress_line(app, p, what)],
        usize::from(width).max(1),
    )
}

/// A bordered paragraph (empty states, errors, loading).
pub fn message(f: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'static>>) {
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(" {title} "))),
        area,
    );
}

/// The loading / failed / missing-data body shared by screens that need the architecture.
pub fn not_ready(app: &App, f: &mut Frame, area: Rect, title: &str) -> bool {
    use crate::tui::state::Load;
    let lang = app.lang;
    match &app.arch {
        Load::Ready(_) => false,
        Load::Failed(e) => {
            message(
                f,
                area,
                title,
                vec![
                    Line::styled(
                        format!(" ✗ {}", t(lang, "wizard.discover.failed")),
                        theme::bad(),
                    ),
                    Line::raw(format!("   {e}")),
                    Line::raw(""),
                    Line::raw(format!(" {}", t(lang, "wizard.discover.retry"))),
                ],
            );
            true
        }
        _ => {
            message(
                f,
                area,
                title,
                vec![Line::raw(format!(
                    " {} {}",
                    spinner(app.clock),
                    t(lang, "wizard.discover.loading")
                ))],
            );
            true
        }
    }
}
