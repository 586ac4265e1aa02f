//! Auto Scaling, page 1: the launch configuration (copied from the source
//! server, from the image) and the group: sizes, CLB listener, health check,
//! and the consistency checklist.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph};

use crate::i18n::{t, tf};
use crate::tui::app::App;
use crate::tui::screens::autoscaling::gf;
use crate::tui::state::Load;
use crate::tui::widgets::{checklist, spinner, theme, wrap};

/// `label` padded to `width` display columns (CJK counts double).
pub fn pad(label: &str, width: usize) -> String {
    let w = Span::raw(label).width();
    format!("{label}{}", " ".repeat(width.saturating_sub(w)))
}

/// The page title: `Auto Scaling 1/3 · what`.
pub fn title(app: &App, n: usize, what_key: &str) -> String {
    tf(
        app.lang,
        "autoscaling.ui.title",
        &[("n", &n), ("what", &t(app.lang, what_key))],
    )
}

/// The zone's pay-as-you-go quota under MaxSize (which may not exceed what is left).
fn quota_line(app: &App, label_w: usize) -> Line<'static> {
    let lang = app.lang;
    let w = &app.autoscaling;
    let zone = w
        .prefill
        .source
        .as_ref()
        .map(|s| s.zone.clone())
        .unwrap_or_default();
    let label = Span::styled(
        format!(" {} ", pad(&t(lang, "autoscaling.ui.quota"), label_w)),
        theme::label(),
    );
    let value = match &w.quota {
        Load::Idle => Span::raw("—"),
        Load::Loading => Span::raw(format!(
            "{} {}",
            spinner(app.clock),
            t(lang, "autoscaling.ui.quota_checking")
        )),
        Load::Ready(Some(q)) => {
            let style = if q.remaining == 0 {
                theme::warn()
            } else {
                Style::new()
            };
            Span::styled(
                tf(
                    lang,
                    "autoscaling.ui.quota_value",
                    &[
                        ("remaining", &q.remaining),
                        ("total", &q.total),
                        ("zone", &zone),
                    ],
                ),
                style,
            )
        }
        Load::Ready(None) => Span::raw(tf(lang, "autoscaling.ui.quota_none", &[("zone", &zone)])),
        Load::Failed(e) => Span::styled(
            tf(lang, "autoscaling.ui.quota_failed", &[("error", e)]),
            theme::warn(),
        ),
    };
    Line::from(vec![label, value])
}

/// The page's rows at `width` columns within `height` rows: `lines` with
/// `copied` after their first line; spacers, then `copied`, give way when short.
fn fit_rows(
    lines: Vec<Line<'static>>,
    copied: Vec<Line<'static>>,
    width: usize,
    height: usize,
) -> Vec<Line<'static>> {
    // Spacers go from the last one up, only as many as needed.
    let shed = |mut rows: Vec<Line<'static>>| {
        while rows.len() > height {
            match rows.iter().rposition(|l| l.width() == 0) {
                Some(i) => drop(rows.remove(i)),
                None => break,
            }
        }
        rows
    };
    let lines = wrap::indented(lines, width);
    let mut all = lines.clone();
    let at = all.len().min(1);
    all.splice(at..at, wrap::indented(copied, width));
    let all = shed(all);
    if all.len() <= height {
        return all;
    }
    shed(lines)
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let w = &app.autoscaling;
    let checks = w.checks(lang);
    // Long checks continue under their text, one free column before the border.
    let check_lines = wrap::indented(
        checklist::lines(&checks),
        area.width.saturating_sub(3).max(1) as usize,
    );
    let rows = check_lines.len();
    let [top, bottom] =
        Layout::vertical([Constraint::Min(12), Constraint::Length(rows as u16 + 2)]).areas(area);
    let mut lines: Vec<Line<'static>> = Vec::new();
    // What is copied besides (groups, bandwidth, disks): the first to go on a short pane.
    let mut copied: Vec<Line<'static>> = Vec::new();
    match &w.prefill.source {
        Some(s) => {
            lines.push(Line::from(vec![
                Span::styled(
                    format!(" {} ", t(lang, "autoscaling.ui.from")),
                    theme::label(),
                ),
                Span::raw(format!(
                    "{} {} · {} · {} {} · {} / {}",
                    s.id,
                    s.name,
                    s.zone,
                    t(lang, "autoscaling.ui.project"),
                    s.project_id,
                    s.vpc_id,
                    s.subnet_id
                )),
            ]));
            copied.push(Line::raw(format!(
                "   {}",
                tf(
                    lang,
                    "autoscaling.ui.copied",
                    &[
                        ("sgs", &s.security_group_ids.join(",")),
                        ("bw", &s.bandwidth_out),
                    ],
                )
            )));
        }
        None => lines.push(Line::styled(
            format!(" {}", t(lang, "autoscaling.ui.no_source")),
            theme::bad(),
        )),
    }
    let labels = [
        "autoscaling.ui.image",
        "autoscaling.ui.lc_name",
        "autoscaling.ui.instance_type",
        "autoscaling.ui.group_name",
        "autoscaling.field.MinSize",
        "autoscaling.field.DesiredCapacity",
        "autoscaling.field.MaxSize",
        "autoscaling.field.LoadBalancerHealthCheckGracePeriod",
    ];
    let width = labels
        .iter()
        .map(|k| Span::raw(t(lang, k)).width())
        .max()
        .unwrap_or(10)
        + 2;
    for (i, key) in labels.iter().enumerate() {
        let label = format!(" {}", pad(&t(lang, key), width));
        let mut field = w.group_fields[i].lines(lang, &label, w.focus == i);
        if i == gf::MIN {
            lines.push(Line::raw(""));
        }
        lines.append(&mut field);
        if i == gf::MAX {
            lines.push(quota_line(app, width));
        }
    }
    lines.push(Line::raw(""));
    let joins = match (&w.prefill.clb, &w.prefill.listener_id) {
        (Some(c), Some(l)) => tf(
            lang,
            "autoscaling.ui.joins",
            &[
                ("clb", &format!("{} {}", c.id, c.name)),
                ("listener", &format!("{l} {}", w.prefill.listener_label)),
                ("port", &w.prefill.backend_port),
            ],
        ),
        _ => t(lang, "autoscaling.ui.no_listener"),
    };
    lines.push(Line::styled(format!(" {joins}"), theme::label()));
    // Long lines continue under their text; when the pane is short the
    // spacer lines go first, then what else is copied from the source, so
    // the last fields, an error under one and the CLB line stay visible.
    let lines = fit_rows(
        lines,
        copied,
        top.width.saturating_sub(3).max(1) as usize,
        top.height.saturating_sub(2) as usize,
    );
    f.render_widget(
        Paragraph::new(lines).block(
            Block::bordered().title(format!(" {} ", title(app, 1, "autoscaling.ui.page.group"))),
        ),
        top,
    );
    f.render_widget(
        Paragraph::new(check_lines)
            .block(Block::bordered().title(format!(" {} ", t(lang, "autoscaling.ui.checks")))),
        bottom,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn a_short_page_drops_spacers_then_what_is_copied() {
        let lines = || -> Vec<Line<'static>> {
            ["from", "", "a", "b", "", "joins"]
                .into_iter()
                .map(Line::raw)
                .collect()
        };
        let copied = || vec![Line::raw("   copied 1"), Line::raw("   copied 2")];
        let fit = |h| text(&fit_rows(lines(), copied(), 40, h));
        assert_eq!(
            fit(8),
            [
                "from",
                "   copied 1",
                "   copied 2",
                "",
                "a",
                "b",
                "",
                "joins"
            ]
        );
        // The last spacer first.
        assert_eq!(
            fit(7),
            ["from", "   copied 1", "   copied 2", "", "a", "b", "joins"]
        );
        assert_eq!(
            fit(6),
            ["from", "   copied 1", "   copied 2", "a", "b", "joins"]
        );
        // Without what is copied, a spacer fits again.
        assert_eq!(fit(5), ["from", "", "a", "b", "joins"]);
        assert_eq!(fit(4), ["from", "a", "b", "joins"]);
        assert_eq!(
            fit(3),
            ["from", "a", "b", "joins"],
            "too short even so: cut below"
        );
    }
}
