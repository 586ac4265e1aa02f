//! Step 2: the instances of the region; pick the server to copy.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph, Row};

use crate::i18n::{t, tf};
use crate::tui::app::App;
use crate::tui::state::Role;
use crate::tui::widgets::instance_table::{bandwidth, short_zone};
use crate::tui::widgets::{fit, table, theme};

pub fn keys(app: &App) -> Vec<(&'static str, &'static str)> {
    let rows = app.source_rows();
    // A greyed row is not copied: ⏎ only says why.
    if rows
        .get(app.source.cursor)
        .is_some_and(|i| app.source_unfit(i).is_some())
    {
        return vec![("↑↓", "wizard.key.move")];
    }
    vec![("↑↓", "wizard.key.move"), ("⏎", "wizard.key.copy_this")]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let title = t(lang, "wizard.source.title");
    if super::not_ready(app, f, area, &title) {
        return;
    }
    let Some(arch) = app.arch.ready() else { return };
    let rows = app.source_rows();
    let [intro, list, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(4),
    ])
    .areas(area);
    let role_key = match app.role() {
        Role::Session => "wizard.source.intro_session",
        Role::Business => "wizard.source.intro_business",
    };
    f.render_widget(super::intro_line(&t(lang, role_key)), intro);
    if rows.is_empty() {
        super::message(
            f,
            list,
            &title,
            vec![Line::styled(
                format!(
                    " {}",
                    tf(lang, "wizard.source.empty", &[("region", &arch.region)])
                ),
                theme::warn(),
            )],
        );
        return;
    }
    // Only the rows on screen are built: the region may have 10,000 instances.
    let shown = table::window(list, true, app.source.cursor, rows.len());
    let cells: Vec<[String; 8]> = rows[shown.clone()]
        .iter()
        .map(|i| {
            let role = if arch.session_ids.contains(&i.id) {
                t(lang, "wizard.role.session_short")
            } else if arch.business_ids.contains(&i.id) {
                t(lang, "wizard.role.business_short")
            } else {
                String::new()
            };
            let ips = if i.public_ip.is_empty() {
                i.private_ip.clone()
            } else {
                format!("{} / {}", i.private_ip, i.public_ip)
            };
            [
                i.name.clone(),
                role,
                i.id.clone(),
                short_zone(&i.zone),
                i.project_id.to_string(),
                i.state.clone(),
                ips,
                bandwidth(lang, i.bandwidth_out),
            ]
        })
        .collect();
    let mut headers: [String; 8] = [
        "name",
        "role",
        "id",
        "zone",
        "project",
        "state",
        "ips",
        "bandwidth",
    ]
    .map(|k| t(lang, &format!("wizard.table.{k}")));
    let private_header = t(lang, "wizard.table.private_ip");
    let width = |s: &str| Span::raw(s).width();
    let need = |col: usize, header: &str, cells: &[[String; 8]]| {
        cells
            .iter()
            .map(|c| width(&c[col]))
            .chain([width(header)])
            .max()
            .unwrap_or(0)
    };
    let mut needs: Vec<usize> = (0..8).map(|c| need(c, &headers[c], &cells)).collect();
    // The private IP alone (the one the guide works with), should the public one not fit.
    let private_only: Vec<[String; 8]> = rows[shown.clone()]
        .iter()
        .zip(&cells)
        .map(|(i, c)| {
            let mut c = c.clone();
            c[6] = i.private_ip.clone();
            c
        })
        .collect();
    let private_need = need(6, &private_header, &private_only);
    let inner = list.width.saturating_sub(2) as usize;
    let plan = columns_that_fit(&mut needs, private_need, inner);
    let cells = if plan.private_only {
        headers[6] = private_header;
        private_only
    } else {
        cells
    };
    let name_w = needs[0].min(inner.saturating_sub(plan.others));
    let keep = |c: usize| plan.keep[c];
    let header = Row::new(
        (0..8)
            .filter(|c| keep(*c))
            .map(|c| headers[c].clone())
            .collect::<Vec<_>>(),
    );
    // Why a greyed row cannot be copied (the console's reasons).
    let unfit: Vec<Option<String>> = rows[shown.clone()]
        .iter()
        .map(|i| app.source_unfit(i))
        .collect();
    let body: Vec<Row> = cells
        .into_iter()
        .zip(&unfit)
        .map(|(mut c, why)| {
            c[0] = fit(&c[0], name_w.max(1));
            let row = Row::new(
                c.into_iter()
                    .enumerate()
                    .filter(|(n, _)| keep(*n))
                    .map(|(_, s)| s)
                    .collect::<Vec<_>>(),
            );
            if why.is_none() {
                row
            } else {
                row.style(theme::greyed())
            }
        })
        .collect();
    let widths: Vec<Constraint> = (0..8)
        .filter(|c| keep(*c))
        .map(|c| {
            if c == 0 {
                // The name takes what is left: it tells the rows apart.
                Constraint::Fill(1)
            } else {
                Constraint::Length(needs[c] as u16)
            }
        })
        .collect();
    table::render_window(
        app,
        f,
        list,
        &title,
        Some(header),
        body,
        shown.start,
        &widths,
        app.source.cursor,
        true,
    );
    // A greyed row says why from its state on, across the columns it
    // replaces (as the bind table does).
    let kept: Vec<usize> = (0..8).filter(|c| keep(*c)).collect();
    let inner_area = Block::bordered().inner(list);
    let spans = Layout::horizontal(widths.clone())
        .spacing(1)
        .split(inner_area);
    let from = kept.iter().position(|c| *c >= 5).unwrap_or(kept.len() - 1);
    let x = spans[from].x;
    let room = usize::from(inner_area.right().saturating_sub(x));
    for (k, why) in unfit.iter().enumerate() {
        let Some(why) = why else { continue };
        let y = inner_area.y + 1 + k as u16;
        if y >= inner_area.bottom() {
            break;
        }
        let style = if shown.start + k == app.source.cursor {
            theme::selected()
        } else {
            theme::greyed()
        };
        let text = format!(
            "─ {}",
            tf(lang, "wizard.source.cannot_copy", &[("reason", why)])
        );
        let text = fit(&text, room);
        let w = Span::raw(text.as_str()).width() as u16;
        let pad = " ".repeat(room.saturating_sub(w as usize));
        f.render_widget(
            Paragraph::new(format!("{text}{pad}")).style(style),
            Rect::new(x, y, room as u16, 1),
        );
    }
    let colon = |key: &str| tf(lang, "wizard.label_colon", &[("label", &t(lang, key))]);
    if let Some(i) = rows.get(app.source.cursor) {
        let mut lines = vec![
            Line::from(format!(
                " {}{}  ·  {}{}",
                colon("wizard.launch.type"),
                i.instance_type,
                colon("wizard.source.os"),
                i.os_name
            )),
            Line::from(format!(
                " VPC {} / {}  ·  {}{}",
                i.vpc_id,
                i.subnet_id,
                colon("wizard.launch.security_groups"),
                i.security_group_ids.join(", ")
            )),
        ];
        // A greyed row's whole reason (its row may cut it), before the rest.
        if let Some(why) = app.source_unfit(i) {
            lines.pop();
            lines.insert(
                0,
                Line::styled(
                    format!(
                        " {}",
                        tf(lang, "wizard.source.cannot_copy", &[("reason", &why)])
                    ),
                    theme::warn(),
                ),
            );
        }
        f.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(format!(" {} ", i.id))),
            detail,
        );
    }
}

/// Which columns of the source table are drawn.
#[derive(Debug, PartialEq, Eq)]
struct ColumnPlan {
    /// Per column (name, role, id, zone, project, state, ips, bandwidth).
    keep: [bool; 8],
    /// The IP column shows the private address only.
    private_only: bool,
    /// Columns the kept columns other than the name take, spacing included.
    others: usize,
}

/// The columns that fit `inner` columns when every kept column gets its
/// `needs` (the widest of its header and cells; the IP column narrows to
/// `private_need` once the public IP is dropped). The least useful go
/// first: project, zone, the public IP, role, bandwidth, state; the name,
/// id and private IP always stay (the role tells the servers to copy from
/// the others, so it outlives the zone). The name keeps up to 24 columns before
/// anything else: similar names (`mina_auth`, `mina_auth-old`) tell rows apart.
fn columns_that_fit(needs: &mut [usize], private_need: usize, inner: usize) -> ColumnPlan {
    const NAME: usize = 0;
    const IPS: usize = 6;
    let mut keep = [true; 8];
    let mut private_only = false;
    let others = |keep: &[bool; 8], needs: &[usize]| -> usize {
        (1..8)
            .filter(|c| keep[*c])
            .map(|c| needs[c] + 1) // one column of spacing before each
            .sum()
    };
    let name_min = needs[NAME].min(24);
    // Drop steps: Some(column) drops it, None drops the public IP.
    for step in [Some(4), Some(3), None, Some(1), Some(7), Some(5)] {
        if others(&keep, needs) + name_min <= inner {
            break;
        }
        match step {
            Some(c) => keep[c] = false,
            None => {
                private_only = true;
                needs[IPS] = private_need;
            }
        }
    }
    ColumnPlan {
        others: others(&keep, needs),
        keep,
        private_only,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_tables_keep_every_column() {
        let mut needs = [10, 8, 12, 4, 5, 7, 24, 6];
        let plan = columns_that_fit(&mut needs, 9, 118);
        assert_eq!(plan.keep, [true; 8]);
        assert!(!plan.private_only);
    }

    #[test]
    fn narrow_tables_drop_the_least_useful_columns_first() {
        // 80 columns: project and zone go; the role and the public IP stay.
        let mut needs = [13, 8, 12, 4, 5, 7, 24, 6];
        let plan = columns_that_fit(&mut needs, 9, 78);
        assert_eq!(
            plan.keep,
            [true, true, true, false, false, true, true, true]
        );
        assert!(!plan.private_only);
        assert!(plan.others + 13 <= 78);
        // 52 columns: project and zone go, then the public IP and the role.
        let mut needs = [13, 8, 12, 4, 5, 7, 24, 6];
        let plan = columns_that_fit(&mut needs, 9, 52);
        assert_eq!(
            plan.keep,
            [true, false, true, false, false, true, true, true]
        );
        assert!(plan.private_only);
        assert_eq!(needs[6], 9);
        assert!(plan.others + 13 <= 52);
    }
}
