//! Today's architecture as a few lines of text: public CLB → business
//! servers → (internal CLB) → session servers, from discovered data.

use ratatui::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::tui::state::{Architecture, ClbView};
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
    let url = arch
        .auth_server_url
        .clone()
        .unwrap_or_else(|| t(lang, "scaleout.unknown"));
    let via = if arch.internal_clb.is_some() {
        t(lang, "wizard.diagram.via_clb")
    } else {
        t(lang, "wizard.diagram.direct")
    };
    out.push(Line::from(vec![
        pad(10),
        Span::raw(format!("│ authServerUrl = {url}  ")),
        Span::styled(via, theme::label()),
    ]));
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
