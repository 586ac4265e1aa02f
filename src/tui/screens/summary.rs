//! The last step: before/after, every resource created (ids), the audit
//! log, what to do next.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph, Row};

use crate::i18n::{t, tf};
use crate::tui::app::App;
use crate::tui::state::{Flow, Role, SdkRow, TargetStatus};
use crate::tui::widgets::{table, theme, wrap};

pub fn keys(app: &App) -> Vec<(&'static str, &'static str)> {
    if app.flow == Some(Flow::Both) && app.role() == Role::Session {
        vec![("⏎", "wizard.key.continue_business")]
    } else {
        vec![
            ("⏎", "wizard.key.to_overview"),
            ("a", "autoscaling.key.set_up"),
        ]
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
    // Wrapped under their text, so no reason or URL is cut at 80 columns.
    let lines = wrap::indented(lines, area.width.saturating_sub(2) as usize);
    let mut next = vec![Line::raw(format!(
        " {}: {}",
        t(lang, "wizard.summary.audit_log"),
        app.ctx.audit_log.clone().unwrap_or_else(|| "—".into())
    ))];
    if let Some(j) = &app.ctx.journal_path {
        next.push(Line::raw(format!(
            " {}: {j}",
            t(lang, "wizard.summary.journal")
        )));
    }
    next.push(Line::raw(format!(
        " {}",
        t(
            lang,
            match role {
                Role::Session => "wizard.summary.next_session",
                Role::Business => "wizard.summary.next_business",
            }
        )
    )));
    next.push(Line::raw(format!(" {}", t(lang, "wizard.summary.next_as"))));
    // Paths are never cut: they wrap.
    let next = wrap::indented(next, area.width.saturating_sub(2) as usize);
    let [top, list, bottom] = Layout::vertical([
        Constraint::Length(lines.len() as u16 + 2),
        Constraint::Min(4),
        Constraint::Length(next.len() as u16 + 2),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(format!(" {} ", t(lang, "wizard.summary.title")))),
        top,
    );
    let mut rows: Vec<Row> = if app.created.is_empty() {
        vec![Row::new(vec![
            String::new(),
            String::new(),
            t(lang, "wizard.summary.nothing_created"),
        ])
        .style(theme::greyed())]
    } else {
        app.created
            .iter()
            .map(|c| {
                Row::new(vec![
                    t(lang, &format!("wizard.kind.{}", c.kind)),
                    c.id.clone(),
                    c.detail.clone(),
                ])
            })
            .collect()
    };
    // More than fit: the last row says how many more, and where all are.
    let room = list.height.saturating_sub(2) as usize;
    if rows.len() > room && room > 0 {
        let hidden = rows.len() - (room - 1);
        rows.truncate(room - 1);
        rows.push(
            Row::new(vec![
                "…".to_string(),
                String::new(),
                tf(lang, "wizard.summary.more_created", &[("n", &hidden)]),
            ])
            .style(theme::warn()),
        );
    }
    table::render(
        app,
        f,
        list,
        &t(lang, "wizard.summary.created"),
        None,
        rows,
        &[
            Constraint::Length(14),
            Constraint::Length(14),
            Constraint::Fill(1),
        ],
        0,
        false,
    );
    f.render_widget(
        Paragraph::new(next)
            .block(Block::bordered().title(format!(" {} ", t(lang, "wizard.summary.next")))),
        bottom,
    );
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
