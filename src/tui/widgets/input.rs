//! A one-line text field with its validation message.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::prelude::*;

use crate::i18n::{Lang, Text};
use crate::tui::widgets::theme;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextInput {
    pub value: String,
    /// Cursor position in chars.
    pub cursor: usize,
    /// Why the value is not accepted, worded when drawn (so the language
    /// key re-words it on screen).
    pub error: Option<Text>,
}

impl TextInput {
    pub fn new(value: &str) -> Self {
        TextInput {
            value: value.to_string(),
            cursor: value.chars().count(),
            error: None,
        }
    }

    /// Checks the value against `rule` (its message in a language): the
    /// error, worded in either language when drawn, or none.
    pub fn check(&mut self, rule: impl Fn(Lang, &str) -> Result<(), String>) {
        self.error = rule(Lang::En, &self.value)
            .err()
            .map(|_| Text::per_lang(|l| rule(l, &self.value).err().unwrap_or_default()));
    }

    /// Applies an editing key; returns whether the key was used.
    pub fn handle(&mut self, key: KeyEvent) -> bool {
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            return false;
        }
        let len = self.value.chars().count();
        match key.code {
            KeyCode::Char(c) => {
                let at = self.byte_at(self.cursor);
                self.value.insert(at, c);
                self.cursor += 1;
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let at = self.byte_at(self.cursor - 1);
                self.value.remove(at);
                self.cursor -= 1;
            }
            KeyCode::Delete if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(len),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            KeyCode::Backspace | KeyCode::Delete => {}
            _ => return false,
        }
        true
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.value
            .char_indices()
            .nth(chars)
            .map(|(i, _)| i)
            .unwrap_or(self.value.len())
    }

    /// `label  value` with a cursor when focused, then the message if any.
    pub fn lines(&self, lang: Lang, label: &str, focused: bool) -> Vec<Line<'static>> {
        let mut spans = vec![Span::styled(
            format!("{label} "),
            if focused {
                theme::focus()
            } else {
                theme::label()
            },
        )];
        if focused {
            let at = self.byte_at(self.cursor);
            let (a, b) = self.value.split_at(at);
            let mut rest = b.chars();
            let under = rest.next().map(String::from).unwrap_or_else(|| " ".into());
            spans.push(Span::styled(format!("[{a}"), theme::input()));
            spans.push(Span::styled(under, theme::input().reversed()));
            spans.push(Span::styled(format!("{}]", rest.as_str()), theme::input()));
        } else {
            spans.push(Span::styled(format!("[{}]", self.value), theme::input()));
        }
        let mut out = vec![Line::from(spans)];
        if let Some(e) = &self.error {
            let e = e.in_lang(lang);
            out.push(Line::from(Span::styled(format!("  ✗ {e}"), theme::bad())));
        }
        out
    }
}

/// Display columns of the widest of `labels` (CJK counts double), for
/// [`TextInput::field`] and [`label`] to align a form's values in one column.
pub fn label_width<S: AsRef<str>>(labels: &[S]) -> usize {
    labels
        .iter()
        .map(|l| Span::raw(l.as_ref()).width())
        .max()
        .unwrap_or(0)
}

/// ` label` padded to `width` display columns, then one space: the start of a
/// form row whose value begins in the same column as its neighbours'.
pub fn label(text: &str, width: usize) -> String {
    let pad = width.saturating_sub(Span::raw(text).width());
    format!(" {text}{} ", " ".repeat(pad))
}

impl TextInput {
    /// Like [`TextInput::lines`] with the label padded by [`label`] to
    /// `label_w`; the message sits under the value.
    pub fn field(
        &self,
        lang: Lang,
        text: &str,
        label_w: usize,
        focused: bool,
    ) -> Vec<Line<'static>> {
        let padded = label(text, label_w);
        // `lines` adds the one space after the label itself.
        let mut out = self.lines(lang, &padded[..padded.len() - 1], focused);
        if let Some(e) = &self.error {
            let e = e.in_lang(lang);
            let indent = " ".repeat(label_w + 2);
            out[1] = Line::from(Span::styled(format!("{indent}✗ {e}"), theme::bad()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_align_their_values_by_display_width() {
        let w = label_width(&["名称", "Description"]);
        assert_eq!(w, 11);
        let a = TextInput::new("x").field(Lang::En, "名称", w, false);
        let b = TextInput::new("y").field(Lang::En, "Description", w, false);
        let col = |l: &Line| {
            let s = l.to_string();
            Span::raw(&s[..s.find('[').unwrap()]).width()
        };
        assert_eq!(col(&a[0]), 13);
        assert_eq!(col(&b[0]), 13);
        assert!(a[0].to_string().starts_with(" 名称 "));
        let mut bad = TextInput::new("");
        bad.error = Some("required".into());
        let lines = bad.field(Lang::En, "Name", w, false);
        assert_eq!(
            lines[1].to_string(),
            format!("{}✗ required", " ".repeat(13))
        );
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn edits_in_the_middle_of_multibyte_text() {
        let mut i = TextInput::new("会话");
        i.handle(key(KeyCode::Left));
        i.handle(key(KeyCode::Char('x')));
        assert_eq!(i.value, "会x话");
        i.handle(key(KeyCode::Backspace));
        i.handle(key(KeyCode::Backspace));
        assert_eq!(i.value, "话");
        assert_eq!(i.cursor, 0);
        i.handle(key(KeyCode::Delete));
        assert_eq!(i.value, "");
        assert!(!i.handle(key(KeyCode::Enter)));
    }
}
