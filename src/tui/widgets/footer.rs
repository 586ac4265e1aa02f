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

/// The global keys while a text field has the keyboard: letters type into
/// it, so only these work (the rule of every form screen, and of `?` help).
pub const TYPING_GLOBALS: [(&str, &str); 3] = [
    ("^L", "wizard.key.language"),
    ("F1", "wizard.key.help"),
    ("^C", "wizard.key.quit"),
];

fn line(
    lang: Lang,
    keys: &[(&str, &str)],
    gap: &str,
    short_globals: bool,
    typing: bool,
) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    let all: &[(&str, &str)] = if typing { &TYPING_GLOBALS } else { &GLOBALS };
    let globals: &[(&str, &str)] = if short_globals { &[] } else { all };
    for (k, label) in keys.iter().chain(globals) {
        spans.push(Span::styled(k.to_string(), theme::key()));
        spans.push(Span::raw(format!(" {}{gap}", t(lang, label))));
    }
    if short_globals {
        let short = if typing { "^L F1 ^C" } else { "L ? q" };
        spans.push(Span::styled(short, theme::key()));
    }
    Line::from(spans)
}

/// The footer for `width` columns. Too narrow: the global keys shrink to
/// their letters, then the gaps to one space, then the screen's keys are
/// left out from the end (Esc stays) and `…` says so; `?` lists them all.
/// `typing`: a text field has the keyboard ([`TYPING_GLOBALS`]).
pub fn fitted(lang: Lang, keys: &[(&str, &str)], width: usize, typing: bool) -> Line<'static> {
    // A key the screen lists twice (its own Esc and the app's) is shown once.
    let mut keys: Vec<(&str, &str)> = keys.iter().fold(Vec::new(), |mut v, k| {
        if !v.contains(k) {
            v.push(*k);
        }
        v
    });
    let full = line(lang, &keys, "  ", false, typing);
    if full.width() <= width {
        return full;
    }
    for gap in ["  ", " "] {
        let l = line(lang, &keys, gap, true, typing);
        if l.width() <= width {
            return l;
        }
    }
    loop {
        let Some(drop) = keys.iter().rposition(|(k, _)| *k != "esc") else {
            return line(lang, &keys, " ", true, typing);
        };
        keys.remove(drop);
        let mut l = line(lang, &keys, " ", true, typing);
        l.spans.insert(l.spans.len() - 1, Span::raw("… "));
        if l.width() <= width || keys.is_empty() {
            return l;
        }
    }
}

/// `keys`: (key, strings key of its label).
pub fn render(lang: Lang, keys: &[(&str, &str)], typing: bool, f: &mut Frame, area: Rect) {
    f.render_widget(fitted(lang, keys, area.width as usize, typing), area);
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
        let l = fitted(Lang::En, &KEYS, 200, false).to_string();
        assert!(l.contains("esc back  L language  ? help  q quit"), "{l}");
    }

    #[test]
    fn a_narrow_footer_fits_and_keeps_esc_and_the_globals() {
        for lang in [Lang::En, Lang::Zh] {
            for width in [40, 60, 80] {
                let l = fitted(lang, &KEYS, width, false);
                let text = l.to_string();
                assert!(l.width() <= width, "{width}: {text}");
                assert!(text.ends_with("L ? q"), "{width}: {text}");
                assert!(text.contains("esc "), "{width}: {text}");
            }
        }
        let l = fitted(Lang::Zh, &KEYS, 40, false).to_string();
        assert!(l.contains('…'), "keys left out are marked: {l}");
    }

    #[test]
    fn while_typing_only_keys_that_work_in_a_field_are_listed() {
        let l = fitted(Lang::En, &KEYS, 200, true).to_string();
        assert!(l.contains("^L language  F1 help  ^C quit"), "{l}");
        let l = fitted(Lang::En, &KEYS, 80, true).to_string();
        assert!(l.ends_with("^L F1 ^C") && !l.contains("L ? q"), "{l}");
    }

    #[test]
    fn a_key_listed_twice_is_shown_once() {
        let keys = [("esc", "wizard.key.back"), ("esc", "wizard.key.back")];
        let l = fitted(Lang::En, &keys, 200, false).to_string();
        assert_eq!(l.matches("esc").count(), 1, "{l}");
    }
}
