//! Step 7: per bound instance, does an inbound rule let the VIP reach the
//! backend port? Offer to add the rule.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph, Row};

use crate::i18n::{t, tf};
use crate::tui::app::App;
use crate::tui::state::{Load, Progress};
use crate::tui::widgets::{spinner, table, theme, wrap};

pub fn keys(app: &App) -> Vec<(&'static str, &'static str)> {
    match app.sg.progress {
        Progress::Done { .. } => vec![("⏎", "wizard.key.next")],
        Progress::Running { .. } => vec![],
        _ => vec![
            ("space", "wizard.key.toggle_fix"),
            ("r", "wizard.key.recheck"),
            ("⏎", "wizard.key.continue"),
        ],
    }
}

/// The first id and how many more (`ins-a +2`): the row has little room.
fn first_and_more(ids: &[String]) -> String {
    match ids {
        [] => String::new(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} +{}", rest.len()),
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let title = t(lang, "wizard.security_group.title");
    let vip = app.chosen_clb().map(|c| c.vip.clone()).unwrap_or_default();
    // A blocked server gets the alternative explained under the hint, whole.
    let blocked = matches!(&app.sg.rows, Load::Ready(rows) if rows.iter().any(|r| r.allowed_by.is_none()))
        && matches!(app.sg.progress, Progress::NotStarted);
    let width = usize::from(area.width.saturating_sub(2));
    // The hint and the alternative, wrapped whole under their text.
    let mut notes = vec![match &app.sg.progress {
        Progress::NotStarted => {
            Line::styled(format!(" {}", t(lang, "wizard.sg.hint")), theme::label())
        }
        p => super::progress_line(app, p, "CreateSecurityGroupPolicies"),
    }];
    if blocked {
        notes.push(Line::raw(format!(
            " {}",
            t(lang, "wizard.sg.pass_to_target")
        )));
    }
    let notes = wrap::indented(notes, width);
    let [intro, list, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(2 + notes.len() as u16),
    ])
    .areas(area);
    let intro_text = tf(
        lang,
        "wizard.sg.intro",
        &[("vip", &vip), ("port", &app.backend_port())],
    );
    f.render_widget(super::intro_line(&intro_text), intro);
    match &app.sg.rows {
        Load::Idle | Load::Loading => {
            super::message(
                f,
                list,
                &title,
                vec![Line::raw(format!(
                    " {} {}",
                    spinner(app.clock),
                    t(lang, "wizard.sg.checking")
                ))],
            );
        }
        Load::Failed(e) => {
            super::message(
                f,
                list,
                &title,
                vec![
                    Line::styled(format!(" ✗ {e}"), theme::bad()),
                    Line::raw(format!(" {}", t(lang, "wizard.sg.retry"))),
                ],
            );
        }
        Load::Ready(rows) if rows.is_empty() => {
            super::message(
                f,
                list,
                &title,
                vec![Line::raw(format!(" {}", t(lang, "wizard.sg.empty")))],
            );
        }
        Load::Ready(rows) => {
            let header = table::header(lang, "wizard.sg.col", &["instance", "group", "verdict"]);
            let body = rows
                .iter()
                .map(|r| {
                    // Unticked, but the group is shared with a ticked
                    // server: the rule still goes there, for that one.
                    let shared = if r.fix { vec![] } else { app.sg_shared_with(r) };
                    let verdict = match (&r.allowed_by, r.fixed) {
                        (Some(_), true) if !shared.is_empty() => Line::styled(
                            format!(
                                "✓ {}",
                                tf(
                                    lang,
                                    "wizard.sg.added_for",
                                    &[("ids", &first_and_more(&shared))]
                                )
                            ),
                            theme::good(),
                        ),
                        (Some(rule), true) => Line::styled(
                            format!("✓ {} ({rule})", t(lang, "wizard.sg.added")),
                            theme::good(),
                        ),
                        (Some(rule), false) => Line::styled(
                            format!("✓ {}", tf(lang, "wizard.sg.allowed", &[("rule", rule)])),
                            theme::good(),
                        ),
                        (None, _) => Line::from(vec![
                            Span::styled(
                                format!("✗ {}  ", t(lang, "wizard.sg.blocked")),
                                theme::bad(),
                            ),
                            Span::raw(format!(
                                "[{}] {}",
                                if r.fix { "x" } else { " " },
                                t(lang, "wizard.sg.add_rule")
                            )),
                            Span::styled(
                                if shared.is_empty() {
                                    String::new()
                                } else {
                                    format!(
                                        " — {}",
                                        tf(
                                            lang,
                                            "wizard.sg.still_added",
                                            &[("ids", &first_and_more(&shared))]
                                        )
                                    )
                                },
                                theme::warn(),
                            ),
                        ]),
                    };
                    Row::new(vec![
                        table::instance_cell(&r.instance_id, &r.instance_name),
                        Line::from(r.group_id.clone()),
                        verdict,
                    ])
                })
                .collect();
            table::render(
                app,
                f,
                list,
                &title,
                Some(header),
                body,
                &[
                    Constraint::Fill(2),
                    // A security group id (`sg-` and 8) and its header, whole.
                    Constraint::Length(14),
                    Constraint::Fill(3),
                ],
                app.sg.cursor,
                true,
            );
        }
    }
    f.render_widget(
        Paragraph::new(notes)
            .block(Block::bordered().title(format!(" {} ", t(lang, "wizard.progress.title")))),
        status,
    );
}
