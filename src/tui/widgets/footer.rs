//! The bottom line: the keys of the current screen, then the global ones.

use ratatui::prelude::*;

use crate::i18n::t;
use crate::i18n::Lang;
use crate::tui::widgets::theme;

const GLOBALS: [(&str, &str); 3] = [
    ("L", "wizard.key.language"),
    ("?", "wizard.key.help"),
    ("q", "wizard.key.quit"),
];

fn line(lang: Lang, keys: &[(&str, &str)], gap: &str, short_globals: bool) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    let globals: &[(&str, &str)] = if short_globals { &[] } else { &GLOBALS };
    for (k, label) in keys.iter().chain(globals) {
        spans.push(Span::styled(k.to_string(), theme::key()));
        spans.push(Span::raw(format!(" {}{gap}", t(lang, label))));
    }
    if short_globals {
        spans.push(Span::styled("L ? q", theme::key()));
    }
    Line::from(spans)
}

/// The footer for `width` columns. Too narrow: the global keys shrink to
/// their letters, then the gaps to one space, then the screen's keys are
/// left out from the end (Esc stays) and `…` says so; `?` lists them all.
pub fn fitted(lang: Lang, keys: &[(&str, &str)], width: usize) -> Line<'static> {
    // A key the screen lists twice (its own Esc and the app's) is shown once.
    let mut keys: Vec<(&str, &str)> = keys.iter().fold(Vec::new(), |mut v, k| {
        if !v.contains(k) {
            v.push(*k);
        }
        v
    });
    let full = line(lang, &keys, "  ", false);
    if full.width() <= width {
        return full;
    }
    for gap in ["  ", " "] {
        let l = line(lang, &keys, gap, true);
        if l.width() <= width {
            return l;
        }
    }
    loop {
        let Some(drop) = keys.iter().rposition(|(k, _)| *k != "esc") else {
            return line(lang, &keys, " ", true);
        };
        keys.remove(drop);
        let mut l = line(lang, &keys, " ", true);
        l.spans.insert(l.spans.len() - 1, Span::raw("… "));
        if l.width() <= width || keys.is_empty() {
            return l;
        }
    }
}

/// `keys`: (key, strings key of its label).
pub fn render(lang: Lang, keys: &[(&str, &str)], f: &mut Frame, area: Rect) {
    f.render_widget(fitted(lang, keys, area.width as usize), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: [(&str, &str); 6] = [
        ("↑↓", "browse.key.move"),
        ("⏎", "browse.key.fold"),
        ("/", "browse.key.filter"),
        ("s", "browse.key.sort"),
        ("r", "browse.key.refresh"),
        ("esc", "wizard.key.back"),
    ];

    #[test]
    fn a_wide_footer_shows_every_key_with_its_words() {
        let l = fitted(Lang::En, &KEYS, 200).to_string();
        assert!(l.contains("esc back  L language  ? help  q quit"), "{l}");
    }

    #[test]
    fn a_narrow_footer_fits_and_keeps_esc_and_the_globals() {
        for lang in [Lang::En, Lang::Zh] {
            for width in [40, 60, 80] {
                let l = fitted(lang, &KEYS, width);
                let text = l.to_string();
                assert!(l.width() <= width, "{width}: {text}");
                assert!(text.ends_with("L ? q"), "{width}: {text}");
                assert!(text.contains("esc "), "{width}: {text}");
            }
        }
        let l = fitted(Lang::Zh, &KEYS, 40).to_string();
        assert!(l.contains('…'), "keys left out are marked: {l}");
    }

    #[test]
    fn a_key_listed_twice_is_shown_once() {
        let keys = [("esc", "wizard.key.back"), ("esc", "wizard.key.back")];
        let l = fitted(Lang::En, &keys, 200).to_string();
        assert_eq!(l.matches("esc").count(), 1, "{l}");
    }
}
