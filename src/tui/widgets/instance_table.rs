//! Rows of CVM instances: the same columns on every screen, ineligible
//! rows greyed with their reason instead of hidden.

use ratatui::prelude::*;
use ratatui::widgets::{Cell, Row};

use crate::i18n::{t, tf, Lang};
use crate::tui::rules;
use crate::tui::state::InstanceView;
use crate::tui::widgets::theme;

/// `ap-guangzhou-3` → `guangzhou-3`: the region prefix says nothing in a table.
pub fn short_zone(zone: &str) -> &str {
    zone.strip_prefix("ap-").unwrap_or(zone)
}

pub fn bandwidth(lang: Lang, mbps: i64) -> String {
    tf(lang, "wizard.table.mbps", &[("n", &mbps)])
}

/// The columns of the bind-style table: `[x] id name ip zone state bw status`.
pub fn widths(with_check: bool) -> Vec<Constraint> {
    let mut w = vec![];
    if with_check {
        w.push(Constraint::Length(3));
    }
    w.extend([
        Constraint::Length(12),
        Constraint::Fill(1),
        Constraint::Length(10),
        Constraint::Length(11),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Fill(2),
    ]);
    w
}

pub fn header(lang: Lang, with_check: bool) -> Row<'static> {
    let mut cells: Vec<String> = vec![];
    if with_check {
        cells.push(String::new());
    }
    for k in ["id", "name", "ip", "zone", "state", "bandwidth", "status"] {
        cells.push(t(lang, &format!("wizard.table.{k}")));
    }
    Row::new(cells)
}

/// One instance; `checked` draws a checkbox, `status` the last column
/// (ignored for ineligible rows, which show their reason there).
pub fn row(
    lang: Lang,
    inst: &InstanceView,
    checked: Option<bool>,
    status: Line<'static>,
) -> Row<'static> {
    let eligible = inst.ineligible.is_empty();
    let mut cells: Vec<Cell> = vec![];
    if let Some(c) = checked {
        cells.push(Cell::from(if c { "[x]" } else { "[ ]" }));
    }
    cells.push(Cell::from(inst.id.clone()));
    cells.push(Cell::from(inst.name.clone()));
    cells.push(Cell::from(inst.private_ip.clone()));
    cells.push(Cell::from(short_zone(&inst.zone).to_string()));
    cells.push(Cell::from(inst.state.clone()));
    cells.push(Cell::from(bandwidth(lang, inst.bandwidth_out)));
    if eligible {
        cells.push(Cell::from(status));
        Row::new(cells)
    } else {
        cells.push(Cell::from(format!(
            "─ {}",
            tf(
                lang,
                "wizard.table.not_eligible",
                &[("reason", &rules::reasons(lang, inst))]
            )
        )));
        Row::new(cells).style(theme::greyed())
    }
}
