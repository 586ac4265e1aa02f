//! Rows of CVM instances: the same columns on every screen, ineligible
//! rows greyed with their reason instead of hidden. Rows are laid out by
//! hand (not as table cells) so a reason can run across the columns it
//! replaces, as in the console.

use ratatui::prelude::*;
use ratatui::widgets::Row;

use crate::i18n::{t, tf, Lang};
use crate::tui::rules;
use crate::tui::state::InstanceView;
use crate::tui::widgets::{fit, theme};

/// `ap-guangzhou-3` → `gz-3`, the console's short form; unknown cities keep
/// their name without the `ap-` prefix.
pub fn short_zone(zone: &str) -> String {
    let rest = zone.strip_prefix("ap-").unwrap_or(zone);
    let (city, n) = rest.rsplit_once('-').unwrap_or((rest, ""));
    let short = match city {
        "guangzhou" => "gz",
        "shanghai" => "sh",
        "beijing" => "bj",
        "chengdu" => "cd",
        "chongqing" => "cq",
        "nanjing" => "nj",
        "hongkong" => "hk",
        "singapore" => "sg",
        "shenzhen-fsi" => "szf",
        "shanghai-fsi" => "shf",
        _ => return rest.to_string(),
    };
    if n.is_empty() {
        short.to_string()
    } else {
        format!("{short}-{n}")
    }
}

pub fn bandwidth(lang: Lang, mbps: i64) -> String {
    tf(lang, "wizard.table.mbps", &[("n", &mbps)])
}

/// Column widths for a table `width` columns wide: (name, ip).
fn name_width(width: u16) -> usize {
    // [x] id(12) name ip(10) zone(6) bw(7) status: the name gets what the status can spare.
    let fixed = 4 + 13 + 11 + 7 + 8;
    (width as usize).saturating_sub(fixed + 20).clamp(8, 18)
}

fn pad(s: &str, w: usize) -> String {
    let s = fit(s, w);
    let used = Span::raw(s.as_str()).width();
    format!("{s}{} ", " ".repeat(w.saturating_sub(used)))
}

pub fn header(lang: Lang, width: u16) -> Row<'static> {
    let nw = name_width(width);
    Row::new(vec![Line::from(format!(
        "    {}{}{}{}{}{}",
        pad(&t(lang, "wizard.table.id"), 12),
        pad(&t(lang, "wizard.table.name"), nw),
        pad(&t(lang, "wizard.table.ip"), 10),
        pad(&t(lang, "wizard.table.zone"), 6),
        pad(&t(lang, "wizard.table.bandwidth"), 7),
        t(lang, "wizard.table.status"),
    ))])
}

/// One instance with a checkbox; `status` fills the last column of an
/// eligible row; an ineligible row shows its reason from the bandwidth column on.
pub fn row(
    lang: Lang,
    width: u16,
    inst: &InstanceView,
    checked: bool,
    status: Line<'static>,
) -> Row<'static> {
    let nw = name_width(width);
    let lead = format!(
        "{} {}{}{}{}",
        if checked { "[x]" } else { "[ ]" },
        pad(&inst.id, 12),
        pad(&inst.name, nw),
        pad(&inst.private_ip, 10),
        pad(&short_zone(&inst.zone), 6),
    );
    if inst.ineligible.is_empty() {
        let mut spans = vec![
            Span::raw(lead),
            Span::raw(pad(&bandwidth(lang, inst.bandwidth_out), 7)),
        ];
        spans.extend(status.spans);
        Row::new(vec![Line::from(spans)])
    } else {
        let reason = format!(
            "─ {}",
            tf(
                lang,
                "wizard.table.not_eligible",
                &[("reason", &rules::reasons(lang, inst))]
            )
        );
        // Cut with an ellipsis: the detail line under the table has it whole.
        let room = usize::from(width).saturating_sub(Span::raw(lead.as_str()).width());
        Row::new(vec![Line::from(format!("{lead}{}", fit(&reason, room)))]).style(theme::greyed())
    }
}

#[cfg(test)]
mod tests {
    use super::short_zone;

    #[test]
    fn zones_shorten_like_the_console() {
        assert_eq!(short_zone("ap-guangzhou-3"), "gz-3");
        assert_eq!(short_zone("ap-shanghai-2"), "sh-2");
        assert_eq!(short_zone("ap-tokyo-1"), "tokyo-1");
        assert_eq!(short_zone("na-ashburn-1"), "na-ashburn-1");
    }
}
