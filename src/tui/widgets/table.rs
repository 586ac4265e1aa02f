//! A scrolling table with a cursor whose rows can be clicked.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Row, Table};

use crate::tui::app::{App, HitZone};
use crate::tui::widgets::theme;

/// The first row to draw so that `cursor` stays visible in `visible` rows.
pub fn offset(cursor: usize, visible: usize) -> usize {
    if visible == 0 {
        0
    } else {
        cursor.saturating_sub(visible - 1)
    }
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
    let block = Block::bordered().title(format!(" {title} "));
    let inner = block.inner(area);
    let head = u16::from(header.is_some());
    let visible = inner.height.saturating_sub(head) as usize;
    let first = offset(cursor, visible);
    let rows: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .skip(first)
        .map(|(i, r)| {
            if i == cursor && focused {
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
    fn cursor_stays_visible() {
        assert_eq!(super::offset(0, 5), 0);
        assert_eq!(super::offset(4, 5), 0);
        assert_eq!(super::offset(7, 5), 3);
        assert_eq!(super::offset(3, 0), 0);
    }
}
