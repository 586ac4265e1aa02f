//! A scrolling table with a cursor whose rows can be clicked.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Row, Table};

use crate::i18n::{t, Lang};
use crate::tui::app::{App, HitZone};
use crate::tui::widgets::theme;

/// A header row of the columns `names`, each the text of `{prefix}.{name}`.
pub fn header(lang: Lang, prefix: &str, names: &[&str]) -> Row<'static> {
    Row::new(
        names
            .iter()
            .map(|name| t(lang, &format!("{prefix}.{name}")))
            .collect::<Vec<_>>(),
    )
}

/// The first cell of a per-server row: its id, then its name.
pub fn instance_cell(id: &str, name: &str) -> Line<'static> {
    Line::from(format!("{id} {name}"))
}

/// The widths a bordered table in `area` gives its columns (one column of
/// spacing, as [`render`] draws them), for cells to be fitted to.
pub fn column_widths(area: Rect, widths: &[Constraint]) -> Vec<usize> {
    let inner = Block::bordered().inner(area);
    Layout::horizontal(widths.to_vec())
        .spacing(1)
        .split(inner)
        .iter()
        .map(|r| usize::from(r.width))
        .collect()
}

/// Which columns a table of `inner` columns shows, and how wide each is
/// (None: left out), one column of spacing between them. `mins[c]` is the
/// narrowest column `c` is shown at (its cells are cut with `…` below
/// their need), `needs[c]` what its widest cell (or header) takes;
/// `priority` lists the columns most important first. Columns are kept in
/// that order while their minimums fit (none after the first that does
/// not); then each kept one grows toward its need in the same order, and what is left goes to `grow`. The choice
/// depends on the minimums only: give them from data, not from words, and
/// both languages keep the same columns.
pub fn by_priority(
    needs: &[usize],
    mins: &[usize],
    priority: &[usize],
    grow: usize,
    inner: usize,
) -> Vec<Option<usize>> {
    let mut out: Vec<Option<usize>> = vec![None; needs.len()];
    let mut used = 0;
    for &c in priority {
        let add = mins[c] + usize::from(used > 0);
        if used + add > inner {
            break;
        }
        used += add;
        out[c] = Some(mins[c]);
    }
    for &c in priority {
        if let Some(w) = out[c].as_mut() {
            let more = needs[c].saturating_sub(*w).min(inner - used);
            *w += more;
            used += more;
        }
    }
    if let Some(w) = out.get_mut(grow).and_then(|w| w.as_mut()) {
        *w += inner - used;
    }
    out
}

/// The first row to draw so that `cursor` stays visible in `visible` rows.
pub fn offset(cursor: usize, visible: usize) -> usize {
    if visible == 0 {
        0
    } else {
        cursor.saturating_sub(visible - 1)
    }
}

/// The rows of a `len`-row list that fit in `area` (bordered, with or
/// without a header line) while `cursor` stays visible. Long lists build
/// only these rows and draw them with [`render_window`], so a frame costs
/// the same with 10 rows or 10,000.
pub fn window(area: Rect, header: bool, cursor: usize, len: usize) -> std::ops::Range<usize> {
    let inner = Block::bordered().inner(area);
    let visible = inner.height.saturating_sub(u16::from(header)) as usize;
    let first = offset(cursor, visible).min(len);
    first..(first + visible).min(len)
}

/// Draws `rows` in a bordered block; `cursor` is highlighted when `focused`.
#[allow(clippy::too_many_arguments)]
pub fn render(
    app: &App,
    f: &mut Frame,
    area: Rect,
    title: &str,
    header: Option<Row<'static>>,
    rows: Vec<Row<'static>>,
    widths: &[Constraint],
    cursor: usize,
    focused: bool,
) {
    let w = window(area, header.is_some(), cursor, rows.len());
    let rows = rows.into_iter().skip(w.start).collect();
    render_window(
        app, f, area, title, header, rows, w.start, widths, cursor, focused,
    );
}

/// [`render`] of the visible rows only: `rows[0]` is row `first` of the
/// list (see [`window`]).
#[allow(clippy::too_many_arguments)]
pub fn render_window(
    app: &App,
    f: &mut Frame,
    area: Rect,
    title: &str,
    header: Option<Row<'static>>,
    rows: Vec<Row<'static>>,
    first: usize,
    widths: &[Constraint],
    cursor: usize,
    focused: bool,
) {
    let block = Block::bordered().title(format!(" {title} "));
    let inner = block.inner(area);
    let head = u16::from(header.is_some());
    let rows: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            if first + i == cursor && focused {
                r.style(theme::selected())
            } else {
                r
            }
        })
        .collect();
    let mut table = Table::new(rows, widths.to_vec())
        .block(block)
        .column_spacing(1);
    if let Some(h) = header {
        table = table.header(h.style(theme::label()));
    }
    f.render_widget(table, area);
    app.hit_zones.borrow_mut().push(HitZone {
        area: Rect {
            y: inner.y + head,
            height: inner.height.saturating_sub(head),
            ..inner
        },
        first_row: first,
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_are_kept_by_priority_then_grow_toward_their_need() {
        use super::by_priority;
        // id, name, vip, vpc, listeners: the VPC goes first, then the VIP.
        let needs = [8, 25, 10, 8, 40];
        let mins = [8, 12, 10, 8, 12];
        let prio = [0, 1, 4, 2, 3];
        let all = by_priority(&needs, &mins, &prio, 1, 78);
        assert_eq!(all, vec![Some(8), Some(25), Some(10), Some(8), Some(23)]);
        let mid = by_priority(&needs, &mins, &prio, 1, 50);
        assert_eq!(mid, vec![Some(8), Some(17), Some(10), None, Some(12)]);
        let narrow = by_priority(&needs, &mins, &prio, 1, 30);
        assert_eq!(narrow, vec![Some(8), Some(21), None, None, None]);
        // Room to spare goes to the growing column.
        let wide = by_priority(&needs, &mins, &prio, 1, 120);
        assert_eq!(wide[1], Some(25 + 120 - 95));
    }

    #[test]
    fn cursor_stays_visible() {
        assert_eq!(super::offset(0, 5), 0);
        assert_eq!(super::offset(4, 5), 0);
        assert_eq!(super::offset(7, 5), 3);
        assert_eq!(super::offset(3, 0), 0);
    }

    #[test]
    fn window_is_the_visible_rows_around_the_cursor() {
        use ratatui::layout::Rect;
        // 12 lines: 2 borders, 1 header, 9 rows
        let area = Rect::new(0, 0, 40, 12);
        assert_eq!(super::window(area, true, 0, 10_000), 0..9);
        assert_eq!(super::window(area, true, 5_000, 10_000), 4_992..5_001);
        assert_eq!(super::window(area, false, 9_999, 10_000), 9_990..10_000);
        assert_eq!(super::window(area, true, 0, 3), 0..3);
        assert_eq!(super::window(Rect::new(0, 0, 40, 2), true, 7, 10), 0..0);
    }
}
