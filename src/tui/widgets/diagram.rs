//! Today's architecture as a few lines of text: public CLB → business
//! servers → (internal CLB) → session servers, from discovered data.

use ratatui::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::tui::state::{Architecture, ClbView, Load};
use crate::tui::widgets::instance_table::short_zone;
use crate::tui::widgets::theme;

fn clb_line(lang: Lang, clb: &ClbView, key: &str) -> Vec<Span<'static>> {
    let mut spans = vec![
        Span::styled(clb.id.clone(), theme::key()),
        Span::raw(format!(" {}  {}", t(lang, key), clb.vip)),
    ];
    for l in clb.listeners.iter().take(2) {
        let healthy = l.targets.iter().filter(|t| t.2 == Some(true)).count();
        spans.push(Span::raw(format!("  {}:{} ▶ ", l.protocol, l.port)));
        spans.push(Span::styled(
            tf(
                lang,
                "wizard.diagram.healthy",
                &[("n", &healthy), ("total", &l.targets.len())],
            ),
            if healthy == l.targets.len() && healthy > 0 {
                theme::good()
            } else {
                theme::warn()
            },
        ));
    }
    spans
}

fn servers_line(lang: Lang, arch: &Architecture, ids: &[String], key: &str) -> Vec<Span<'static>> {
    let mut spans = vec![Span::styled(
        tf(lang, key, &[("n", &ids.len())]),
        theme::title(),
    )];
    match ids.first().and_then(|id| arch.instance(id)) {
        Some(i) => {
            spans.push(Span::raw(format!(
                "  {} {}  {}  {}",
                i.id,
                i.name,
                i.private_ip,
                short_zone(&i.zone)
            )));
            if ids.len() > 1 {
                spans.push(Span::styled(
                    // One space: at 80 columns the line then fits with a 15-character name.
                    format!(
                        " {}",
                        tf(lang, "wizard.diagram.more", &[("n", &(ids.len() - 1))])
                    ),
                    theme::label(),
                ));
            }
        }
        None => spans.push(Span::styled(
            format!("  {}", t(lang, "wizard.diagram.none_found")),
            theme::warn(),
        )),
    }
    spans
}

pub fn lines(lang: Lang, arch: &Architecture) -> Vec<Line<'static>> {
    let pad = |n: usize| Span::raw(" ".repeat(n));
    let down = || Line::from(vec![pad(10), Span::raw("│")]);
    let arrow = || Line::from(vec![pad(10), Span::raw("▼")]);
    let mut out = Vec::new();
    let mut first = vec![Span::raw(format!(
        " {} ─▶ ",
        t(lang, "wizard.diagram.users")
    ))];
    match &arch.public_clb {
        Some(c) => first.extend(clb_line(lang, c, "wizard.diagram.public_clb")),
        None => first.push(Span::styled(
            t(lang, "wizard.diagram.no_public_clb"),
            theme::warn(),
        )),
    }
    out.push(Line::from(first));
    out.push(down());
    out.push(arrow());
    let mut b = vec![pad(4)];
    b.extend(servers_line(
        lang,
        arch,
        &arch.business_ids,
        "wizard.diagram.business",
    ));
    out.push(Line::from(b));
    for (i, spans) in auth_url_lines(lang, arch).into_iter().enumerate() {
        let lead = if i == 0 {
            pad(10)
        } else {
            Span::raw(format!("{:10}│   ", ""))
        };
        out.push(Line::from(
            std::iter::once(lead).chain(spans).collect::<Vec<_>>(),
        ));
    }
    out.push(arrow());
    if let Some(c) = &arch.internal_clb {
        let mut l = vec![pad(4)];
        l.extend(clb_line(lang, c, "wizard.diagram.internal_clb"));
        out.push(Line::from(l));
        out.push(down());
        out.push(arrow());
    }
    let mut s = vec![pad(4)];
    s.extend(servers_line(
        lang,
        arch,
        &arch.session_ids,
        "wizard.diagram.session",
    ));
    out.push(Line::from(s));
    out
}

/// `authServerUrl` as the business servers' files have it: one value when
/// they agree, else the most common, then a line for every server that
/// differs (or could not be read), so a half-switched cluster never reads
/// as done.
fn auth_url_lines(lang: Lang, arch: &Architecture) -> Vec<Vec<Span<'static>>> {
    let urls = match &arch.auth_urls {
        Load::Ready(urls) if !urls.is_empty() => urls,
        Load::Ready(_) | Load::Idle => {
            return vec![vec![Span::raw(format!(
                "│ authServerUrl = {}",
                t(lang, "scaleout.unknown")
            ))]]
        }
        Load::Loading => {
            return vec![vec![Span::styled(
                format!("│ {}", t(lang, "wizard.diagram.auth_reading")),
                theme::label(),
            )]]
        }
        Load::Failed(e) => {
            return vec![vec![Span::styled(
                format!(
                    "│ {}",
                    tf(lang, "wizard.diagram.auth_failed", &[("error", e)])
                ),
                theme::warn(),
            )]]
        }
    };
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for url in urls.iter().filter_map(|(_, u)| u.as_deref()) {
        match counts.iter_mut().find(|(u, _)| *u == url) {
            Some((_, n)) => *n += 1,
            None => counts.push((url, 1)),
        }
    }
    let Some((main, n)) = counts.iter().max_by_key(|(_, n)| *n).copied() else {
        return vec![vec![Span::styled(
            format!("│ {}", t(lang, "wizard.diagram.auth_unreadable")),
            theme::warn(),
        )]];
    };
    let via = match &arch.internal_clb {
        Some(c) if main.contains(&format!("//{}/", c.vip)) => t(lang, "wizard.diagram.via_clb"),
        _ => t(lang, "wizard.diagram.direct"),
    };
    let mut first = vec![Span::raw(format!("│ authServerUrl = {main}  "))];
    if n == urls.len() {
        first.push(Span::styled(via, theme::label()));
        return vec![first];
    }
    first.push(Span::styled(
        tf(
            lang,
            "wizard.diagram.auth_on",
            &[("n", &n), ("total", &urls.len())],
        ),
        theme::warn(),
    ));
    let mut out = vec![first];
    for (id, url) in urls.iter().filter(|(_, u)| u.as_deref() != Some(main)) {
        let what = url
            .clone()
            .unwrap_or_else(|| t(lang, "wizard.diagram.auth_unknown"));
        out.push(vec![Span::styled(format!("{id} {what}"), theme::warn())]);
    }
    out
}
