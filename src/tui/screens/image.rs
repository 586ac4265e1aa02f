//! Step 3: an image of the source server (new, or an existing one of it),
//! live CREATING → NORMAL with elapsed time.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph, Row};

use crate::i18n::{t, tf};
use crate::tui::app::App;
use crate::tui::state::Progress;
use crate::tui::widgets::{input, table, theme, wrap};

pub fn keys(app: &App) -> Vec<(&'static str, &'static str)> {
    match app.image.progress {
        Progress::Done { .. } => vec![("⏎", "wizard.key.next")],
        Progress::Running { .. } if app.image_builds_behind() => {
            vec![("⏎", "wizard.key.go_on")]
        }
        Progress::Running { .. } => vec![],
        _ => vec![
            ("tab", "wizard.key.next_field"),
            ("↑↓", "wizard.key.move"),
            ("⏎", "wizard.key.continue"),
        ],
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let src = app.source_instance();
    let intro_text = tf(
        lang,
        "wizard.image.intro",
        &[
            ("id", &src.map(|s| s.id.as_str()).unwrap_or("?")),
            ("name", &src.map(|s| s.name.as_str()).unwrap_or("?")),
        ],
    );
    let creating = app.image.choice == 0;
    let labels = [
        t(lang, "wizard.image.name"),
        t(lang, "wizard.image.description"),
    ];
    let label_w = input::label_width(&labels);
    let mut lines =
        app.image
            .name
            .field(lang, &labels[0], label_w, creating && app.image.focus == 0);
    lines.extend(app.image.description.field(
        lang,
        &labels[1],
        label_w,
        creating && app.image.focus == 1,
    ));
    // A message under a field wraps inside the pane, never cut.
    let lines = wrap::indented(lines, area.width.saturating_sub(2) as usize);
    let what = match &app.image.image_id {
        Some(id) => format!("{id} {}", app.image.image_state),
        None => "CreateImage".to_string(),
    };
    let status_lines = super::progress_lines(
        app,
        &app.image.progress,
        &what,
        area.width.saturating_sub(2),
    );
    let [intro, form, list, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length((lines.len() as u16 + 2).max(6)),
        Constraint::Min(3),
        Constraint::Length(status_lines.len() as u16 + 2),
    ])
    .areas(area);
    f.render_widget(super::intro_line(&intro_text), intro);
    let form_style = if creating {
        Style::new()
    } else {
        theme::greyed()
    };
    f.render_widget(
        Paragraph::new(lines)
            .style(form_style)
            .block(Block::bordered().title(format!(" {} ", t(lang, "wizard.image.new")))),
        form,
    );
    let mut rows = vec![Row::new(vec![
        radio(app.image.choice == 0),
        t(lang, "wizard.image.create_new"),
        String::new(),
    ])];
    for img in app.reusable_images() {
        rows.push(Row::new(vec![
            radio(app.image.choice == rows.len()),
            format!("{}  {}", img.id, img.name),
            img.state.clone(),
        ]));
    }
    if rows.len() == 1 {
        rows.push(
            Row::new(vec![
                String::new(),
                t(lang, "wizard.image.no_existing"),
                String::new(),
            ])
            .style(theme::greyed()),
        );
    }
    table::render(
        app,
        f,
        list,
        &t(lang, "wizard.image.choose"),
        None,
        rows,
        &[
            Constraint::Length(3),
            Constraint::Fill(1),
            Constraint::Length(10),
        ],
        app.image.choice,
        app.image.focus == 2,
    );
    f.render_widget(
        Paragraph::new(status_lines)
            .block(Block::bordered().title(format!(" {} ", t(lang, "wizard.progress.title")))),
        status,
    );
}

fn radio(on: bool) -> String {
    if on { "(•)" } else { "( )" }.to_string()
}
