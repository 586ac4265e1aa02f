//! The last step: before/after, every resource created (ids), the audit
//! log, what to do next.

use ratatui::prelude::*;
use std::cell::Cell;

use crossterm::event::KeyCode;
use ratatui::widgets::{Block, Paragraph};

use crate::i18n::{t, tf};
use crate::tui::app::App;
use crate::tui::state::{Flow, Role, SdkRow, TargetStatus};
use crate::tui::widgets::{theme, wrap};

pub fn keys(app: &App) -> Vec<(&'static str, &'static str)> {
    // When it is longer than the screen, the footer says it scrolls.
    let mut keys = if app.summary.max.get() > 0 {
        vec![("↑↓ PgUp/Dn Home/End", "wizard.key.scroll")]
    } else {
        Vec::new()
    };
    if app.flow == Some(Flow::Both) && app.role() == Role::Session {
        keys.push(("⏎", "wizard.key.continue_business"));
    } else {
        keys.push(("⏎", "wizard.key.to_overview"));
        keys.push(("a", "autoscaling.key.set_up"));
    }
    keys
}

/// Where the Summary is scrolled to. The Summary is one page read from the
/// top: what was done, every resource created, what is next; longer than
/// the screen, it scrolls (↑↓, PgUp/PgDn, Home/End) instead of cutting.
#[derive(Debug, Default)]
pub struct SummaryScroll {
    /// The first line shown.
    pub offset: usize,
    /// The largest offset and the lines in view, as last drawn.
    pub max: Cell<usize>,
    pub page: Cell<usize>,
}

impl SummaryScroll {
    /// A scrolling key: true when it was one.
    pub fn key(&mut self, code: KeyCode) -> bool {
        let page = self.page.get().saturating_sub(1).max(1);
        let max = self.max.get();
        self.offset = match code {
            KeyCode::Up => self.offset.saturating_sub(1),
            KeyCode::Down => self.offset + 1,
            KeyCode::PageUp => self.offset.saturating_sub(page),
            KeyCode::PageDown => self.offset + page,
            KeyCode::Home => 0,
            KeyCode::End => max,
            _ => return false,
        }
        .min(max);
        true
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let role = app.role();
    // Existing servers now behind the CLB, and all of them with the new ones.
    let bound = app.bind.rows.iter().filter(|r| r.checked).count();
    let new = app
        .bind
        .rows
        .iter()
        .filter(|r| {
            r.checked
                && app
                    .launch
                    .instances
                    .iter()
                    .any(|(i, _)| *i == r.instance.id)
        })
        .count();
    let before = bound - new;
    let role_name = t(
        lang,
        match role {
            Role::Session => "wizard.role.session",
            Role::Business => "wizard.role.business",
        },
    );
    let clb = app.chosen_clb();
    let mut lines = vec![Line::from(vec![
        Span::styled(" ✓ ", theme::good()),
        Span::raw(tf(
            lang,
            "wizard.summary.servers",
            &[("role", &role_name), ("before", &before), ("after", &bound)],
        )),
    ])];
    if let Some(c) = clb {
        lines.push(Line::raw(format!(
            "   {}",
            tf(
                lang,
                "wizard.summary.behind",
                &[
                    ("clb", &c.id),
                    ("kind", &super::load_balancer::kind_name(lang, &c.kind)),
                    ("vip", &c.vip),
                    ("port", &app.bind.port.value)
                ]
            )
        )));
        // Health as last re-checked (after the security group step).
        let checked: Vec<Option<bool>> = app
            .bind
            .rows
            .iter()
            .filter(|r| r.checked)
            .map(|r| r.healthy)
            .collect();
        if !checked.is_empty() {
            let alive = checked.iter().filter(|h| **h == Some(true)).count();
            let (style, key) = if app.work_in_flight() {
                (theme::greyed(), "wizard.summary.health_checking")
            } else if alive == checked.len() {
                (theme::good(), "wizard.summary.health")
            } else {
                (theme::warn(), "wizard.summary.health")
            };
            lines.push(Line::styled(
                format!(
                    "   {}",
                    tf(lang, key, &[("alive", &alive), ("total", &checked.len())])
                ),
                style,
            ));
        }
        if role == Role::Session {
            lines.extend(auth_url_lines(app, &c.vip));
        }
    }
    lines.extend(left_lines(app, role));
    let width = area.width.saturating_sub(2) as usize;
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!(" {}", t(lang, "wizard.summary.created")),
        theme::label(),
    ));
    if app.created.is_empty() {
        lines.push(Line::styled(
            format!("   {}", t(lang, "wizard.summary.nothing_created")),
            theme::greyed(),
        ));
    }
    for c in &app.created {
        let kind = t(lang, &format!("wizard.kind.{}", c.kind));
        lines.push(Line::raw(format!(
            "   {}{}{}",
            pad(&kind, 14),
            pad(&c.id, 14),
            c.detail
        )));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!(" {}", t(lang, "wizard.summary.next")),
        theme::label(),
    ));
    lines.push(Line::raw(format!(
        "   {}: {}",
        t(lang, "wizard.summary.audit_log"),
        app.ctx.audit_log.clone().unwrap_or_else(|| "—".into())
    )));
    if let Some(j) = &app.ctx.journal_path {
        lines.push(Line::raw(format!(
            "   {}: {j}",
            t(lang, "wizard.summary.journal")
        )));
    }
    lines.push(Line::raw(format!(
        "   {}",
        t(
            lang,
            match role {
                Role::Session => "wizard.summary.next_session",
                Role::Business => "wizard.summary.next_business",
            }
        )
    )));
    lines.push(Line::raw(format!(
        "   {}",
        t(lang, "wizard.summary.next_as")
    )));
    // Wrapped under their text, so no reason, URL or path is cut; what is
    // longer than the screen scrolls.
    let lines = wrap::indented(lines, width);
    let room = area.height.saturating_sub(2) as usize;
    let max = lines.len().saturating_sub(room);
    let offset = app.summary.offset.min(max);
    app.summary.max.set(max);
    app.summary.page.set(room);
    let mut title = format!(" {} ", t(lang, "wizard.summary.title"));
    if max > 0 {
        let last = (offset + room).min(lines.len());
        title.push_str(&format!("· {}–{}/{} ", offset + 1, last, lines.len()));
    }
    f.render_widget(
        Paragraph::new(lines)
            .scroll((offset as u16, 0))
            .block(Block::bordered().title(title)),
        area,
    );
}

/// `s` followed by spaces up to `width` display columns (one at least).
fn pad(s: &str, width: usize) -> String {
    let w = Span::raw(s).width();
    format!("{s}{}", " ".repeat(width.saturating_sub(w).max(1)))
}

/// What the run's journal leaves for the user beyond this half's own
/// sdk.config lines above: an earlier half's servers (the session half of
/// "Both" while its business half ends) and skipped steps — the list
/// `apply`'s last lines and the Runs screen give for the same run.
fn left_lines(app: &App, role: Role) -> Vec<Line<'static>> {
    use crate::scaleout::run::Left;
    let current = match role {
        Role::Session => "session",
        Role::Business => "business",
    };
    let left: Vec<&Left> = app
        .left
        .iter()
        .filter(|l| l.phase() != current || matches!(l, Left::StepSkipped { .. }))
        .collect();
    if left.is_empty() {
        return Vec::new();
    }
    let mut out = vec![Line::styled(
        format!(" ! {}", t(app.lang, "wizard.summary.left_for_you")),
        theme::warn(),
    )];
    out.extend(
        left.into_iter()
            .map(|l| Line::styled(format!("   ! {}", l.text(app.lang)), theme::warn())),
    );
    out
}

/// Which business servers now use the VIP, and every one that does not,
/// with why: a partial result is named, never reported as done.
fn auth_url_lines(app: &App, vip: &str) -> Vec<Line<'static>> {
    let lang = app.lang;
    let url = crate::scaleout::sdk_config::auth_server_url(vip);
    let Some(rows) = app.sdk.rows.ready() else {
        return vec![Line::styled(
            format!("   ! {}", t(lang, "wizard.summary.auth_untouched")),
            theme::warn(),
        )];
    };
    let switched = |r: &&SdkRow| {
        r.status == TargetStatus::Bound || r.before.as_deref() == Some(r.after.as_str())
    };
    let left: Vec<&SdkRow> = rows.iter().filter(|r| !switched(r)).collect();
    if left.is_empty() {
        return vec![Line::raw(format!(
            "   {}",
            tf(lang, "wizard.summary.auth_url", &[("url", &url)])
        ))];
    }
    let mut out = vec![Line::styled(
        format!(
            "   ! {}",
            tf(
                lang,
                "wizard.summary.auth_partial",
                &[
                    ("url", &url),
                    ("n", &(rows.len() - left.len())),
                    ("total", &rows.len())
                ]
            )
        ),
        theme::warn(),
    )];
    for r in left {
        let why = match &r.status {
            TargetStatus::Failed(e) => e.clone(),
            _ if r.by_hand => t(lang, "wizard.summary.by_hand"),
            TargetStatus::NoAgent => t(lang, "wizard.summary.no_agent"),
            _ => t(lang, "wizard.summary.auth_not_applied"),
        };
        out.push(Line::styled(
            format!(
                "     {}",
                match r.before.as_deref() {
                    Some(url) => tf(
                        lang,
                        "wizard.summary.auth_left",
                        &[("id", &r.instance_id), ("url", &url), ("why", &why)]
                    ),
                    // Unread (no TAT agent): what it has is not known.
                    None => format!("{} — {why}", r.instance_id),
                }
            ),
            theme::warn(),
        ));
    }
    out
}
