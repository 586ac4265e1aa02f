//! Wrapping with a hanging indent. Screens indent their text with leading
//! spaces (` text`, `   → fix`, ` ✗ summary`); ratatui's wrapping sends
//! the second line to column 0. [`indented`] wraps before drawing so that
//! every continuation starts where the line's text started, by words in
//! English and by characters in Chinese (wide characters break anywhere,
//! closing punctuation stays on the line it ends, opening punctuation with
//! the character after it). A line that starts with a short `label: `
//! (`Quota: 9/50 used`, `配额：9/50`) continues under its value.

use ratatui::prelude::*;

/// Display columns of one character (CJK counts double).
fn columns(c: char) -> usize {
    // ratatui measures with unicode-width; borrowing it avoids another dependency.
    let mut buf = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut buf)).width()
}

/// Marks a line may start with (` ✗ `, ` ▶ `…): continuations align after them.
const MARKS: &[char] = &[
    '✗', '✓', '!', '?', '▶', '·', '→', '•', '-', '–', '○', '●', '◐', '◓', '◑', '◒', '◌',
];

/// Opening punctuation that must not end a line.
const OPENING: &[char] = &['（', '《', '“', '‘', '【', '「', '『', '〈', '〔', '(', '['];

/// The widest label a continuation aligns after (`Quota: `): wider ones
/// are prose, which continues under the line's text.
const LABEL_MAX: usize = 16;

/// Closing punctuation that must not start a line.
const CLOSING: &[char] = &[
    '，', '。', '；', '：', '、', '！', '？', '）', '」', '』', '》', ',', '.', ';', ':', ')', '!',
    '?',
];

/// The column continuations of `chars` start at: after the leading spaces,
/// and after a mark and its space when the line starts with one.
fn hanging_indent(chars: &[(char, Style)]) -> usize {
    let spaces = chars.iter().take_while(|(c, _)| *c == ' ').count();
    let digits = chars[spaces..]
        .iter()
        .take_while(|(c, _)| c.is_ascii_digit())
        .count();
    let after = spaces + digits;
    match (digits, chars.get(after..after + 2)) {
        // ` 1. ` numbered item
        (1.., Some([('.', _), (' ', _)])) => after + 2,
        (0, Some([(m, _), (' ', _)])) if MARKS.contains(m) => spaces + columns(*m) + 1,
        _ => spaces,
    }
}

/// The column after a short leading `label: ` (or `标签：`) that starts at
/// `start`, where a value follows, and the index of the value's first
/// character; None when the line has none.
fn label_indent(chars: &[(char, Style)], start: usize) -> Option<(usize, usize)> {
    let mut width = 0;
    for (i, &(c, _)) in chars.iter().enumerate().skip(start) {
        let after = chars.get(i + 1).map(|x| x.0);
        let label = i > start && chars[i - 1].0 != ' ';
        match c {
            ':' if label && after == Some(' ') => {
                let value = chars.get(i + 2).is_some_and(|x| x.0 != ' ');
                return value.then_some((width + 2, i + 2));
            }
            '：' if label => {
                let skip = usize::from(after == Some(' '));
                let value = chars.get(i + 1 + skip).is_some_and(|x| x.0 != ' ');
                return value.then_some((width + columns(c) + skip, i + 1 + skip));
            }
            // A sentence, not a label.
            ',' | '，' | '。' | ';' | '；' | ':' | '：' | '(' | '（' => return None,
            _ => {}
        }
        width += columns(c);
        if width > LABEL_MAX {
            return None;
        }
    }
    None
}

/// A piece that is not broken unless it alone is wider than a line: a word,
/// a run of spaces, or one wide character (with the punctuation after it).
fn tokens(chars: &[(char, Style)]) -> Vec<Vec<(char, Style)>> {
    let mut out: Vec<Vec<(char, Style)>> = Vec::new();
    for &(c, st) in chars {
        let wide = columns(c) > 1;
        let glue = match out.last() {
            None => false,
            Some(prev) => {
                let p = prev[prev.len() - 1].0;
                if CLOSING.contains(&c) && p != ' ' {
                    true
                } else if OPENING.contains(&p) && c != ' ' {
                    // `（` stays with what it opens.
                    true
                } else if c == ' ' {
                    p == ' '
                } else {
                    !wide && p != ' ' && columns(p) == 1
                }
            }
        };
        match out.last_mut() {
            Some(prev) if glue => prev.push((c, st)),
            _ => out.push(vec![(c, st)]),
        }
    }
    out
}

fn width_of(t: &[(char, Style)]) -> usize {
    t.iter().map(|(c, _)| columns(*c)).sum()
}

/// Spans of consecutive characters that share a style.
fn spans(chars: Vec<(char, Style)>) -> Vec<Span<'static>> {
    let mut out: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for (c, st) in chars {
        if style.is_some_and(|s| s != st) {
            out.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(st);
        text.push(c);
    }
    if !text.is_empty() {
        out.push(Span::styled(text, style.unwrap_or_default()));
    }
    out
}

/// One line cut into lines of at most `width` columns, continuations indented.
fn wrap_line(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    if line.width() <= width || width == 0 {
        return vec![line];
    }
    let chars: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect();
    let base = hanging_indent(&chars);
    // Under the value only when no word of it would have to be cut there.
    let label = label_indent(&chars, base)
        .map(|(w, value)| (base + w, value))
        .filter(|&(at, value)| {
            // A value of several sentences is prose: it continues under the line.
            let text: String = chars[value..].iter().map(|(c, _)| *c).collect();
            let sentences = text.trim_end().trim_end_matches(['.', '。']);
            if sentences.contains(". ") || sentences.contains('。') {
                return false;
            }
            let longest = tokens(&chars[value..])
                .iter()
                .map(|t| width_of(t))
                .max()
                .unwrap_or(0);
            at + longest <= width
        })
        .map(|(at, _)| at);
    // A line too narrow for its indent wraps without one.
    let indent = [label, Some(base)]
        .into_iter()
        .flatten()
        .find(|i| i * 2 <= width)
        .unwrap_or(0);
    let pad = |st: Style| vec![(' ', st); indent];
    let mut rows: Vec<Vec<(char, Style)>> = vec![Vec::new()];
    let mut used = 0;
    for mut tok in tokens(&chars) {
        // The first row starts after its own indent (spaces, mark).
        let row_start = if rows.len() == 1 { base } else { indent };
        let blank = tok.iter().all(|(c, _)| *c == ' ');
        if blank && rows.len() > 1 && used == row_start {
            continue;
        }
        if used + width_of(&tok) > width {
            let st = tok[0].1;
            if blank {
                // The break takes the place of the spaces.
                rows.push(pad(st));
                used = indent;
                continue;
            }
            if used > row_start {
                rows.push(pad(st));
                used = indent;
            }
            // A word wider than a whole line is cut where the line ends.
            while used + width_of(&tok) > width {
                let mut head = Vec::new();
                while let Some(&(c, st)) = tok.first() {
                    if used + columns(c) > width {
                        break;
                    }
                    used += columns(c);
                    head.push((c, st));
                    tok.remove(0);
                }
                if head.is_empty() {
                    break; // not even one character fits: let it overflow
                }
                rows.last_mut().expect("a row").extend(head);
                rows.push(pad(st));
                used = indent;
            }
        }
        used += width_of(&tok);
        rows.last_mut().expect("a row").extend(tok);
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, r)| {
            // Spaces where a line was broken are not kept at its end.
            let mut r = r;
            let keep = if i == 0 { base } else { indent };
            while r.len() > keep && r.last().is_some_and(|(c, _)| *c == ' ') {
                r.pop();
            }
            let mut l = Line::from(spans(r)).style(line.style);
            l.alignment = line.alignment;
            l
        })
        .collect()
}

/// `lines` wrapped to `width` columns; every continuation starts below the
/// text of its line (not at column 0).
pub fn indented(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .flat_map(|l| wrap_line(l, width))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    fn wrap(s: &str, width: usize) -> Vec<String> {
        text(&indented(vec![Line::raw(s.to_string())], width))
    }

    #[test]
    fn english_wraps_by_words_under_its_indent() {
        assert_eq!(
            wrap(" Keys are checked with a read-only call first.", 20),
            vec![" Keys are checked", " with a read-only", " call first."]
        );
        assert_eq!(
            wrap("   → run tcscale config to change it", 16),
            vec!["   → run tcscale", "     config to", "     change it"]
        );
        assert_eq!(wrap(" short", 20), vec![" short"]);
    }

    #[test]
    fn every_line_fits_and_nothing_is_lost() {
        let s = " ✗ The request signature does not match: check the SecretKey (a copy error is common) and the clock.";
        for width in 8..60 {
            let out = wrap(s, width);
            for l in &out {
                assert!(Span::raw(l.as_str()).width() <= width, "{width}: {l:?}");
            }
            let joined: String = out.concat().split_whitespace().collect();
            let want: String = s.split_whitespace().collect();
            assert_eq!(joined, want, "{width}");
            if width >= 12 {
                assert!(out[1..].iter().all(|l| l.starts_with("   ")), "{out:?}");
            }
        }
    }

    #[test]
    fn chinese_wraps_by_characters_and_keeps_the_indent() {
        let out = wrap(
            " 密钥会先通过只读调用验证，再决定是否保存；未经确认不会创建任何资源。",
            24,
        );
        assert_eq!(
            out,
            vec![
                " 密钥会先通过只读调用验",
                " 证，再决定是否保存；未",
                " 经确认不会创建任何资",
                " 源。",
            ]
        );
        for l in &out {
            assert!(Span::raw(l.as_str()).width() <= 24, "{l}");
        }
    }

    #[test]
    fn numbered_items_hang_after_their_number() {
        assert_eq!(
            wrap(" 12. cvm.CreateImage InstanceId=ins-1 ImageName=x", 24),
            vec![
                " 12. cvm.CreateImage",
                "     InstanceId=ins-1",
                "     ImageName=x"
            ]
        );
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut() {
        assert_eq!(
            wrap(" path /home/someone/.config/tcscale/config.toml", 16),
            vec![
                " path",
                " /home/someone/.",
                " config/tcscale/",
                " config.toml"
            ]
        );
    }

    #[test]
    fn continuations_hang_after_a_spinner_and_a_dash() {
        for mark in ['◐', '◓', '◑', '◒', '–'] {
            assert_eq!(
                wrap(&format!(" {mark} Image scaleout-1 being created"), 20),
                vec![
                    format!(" {mark} Image scaleout-1"),
                    "   being created".to_string()
                ],
                "{mark}"
            );
        }
    }

    #[test]
    fn opening_punctuation_stays_with_the_character_after_it() {
        for open in ['（', '《', '“', '【'] {
            // Without the rule `open` would end the first row (10 columns).
            let line = format!("一二三四{open}五六七八");
            let out = wrap(&line, 10);
            assert!(out.iter().all(|r| !r.ends_with(open)), "{open}: {out:?}");
            assert_eq!(out[0], "一二三四", "{open}");
            assert!(out[1].starts_with(&format!("{open}五")), "{out:?}");
        }
        // An opening bracket alone at the end of a line still fits where it is.
        assert_eq!(wrap("一二（三）", 20), vec!["一二（三）"]);
    }

    #[test]
    fn a_short_label_hangs_its_value() {
        assert_eq!(
            wrap(" Quota: 9/50 used in ap-guangzhou-3, 41 left", 24),
            vec![
                " Quota: 9/50 used in",
                "        ap-guangzhou-3,",
                "        41 left"
            ]
        );
        assert_eq!(
            wrap(" 配额：已用 9/50 台，本可用区按量计费剩余 41 台", 24),
            vec![
                " 配额：已用 9/50 台，本",
                "       可用区按量计费剩",
                "       余 41 台"
            ]
        );
        // Prose with a colon far in, or a sentence before it, is not a label.
        assert_eq!(
            wrap(" The request signature does not match: check the key", 24),
            vec![
                " The request signature",
                " does not match: check",
                " the key"
            ]
        );
        assert_eq!(
            wrap(" No, really: it is prose", 14),
            vec![" No, really:", " it is prose"]
        );
        // A URL's colon is no label.
        assert_eq!(
            wrap(" http://10.0.1.20/mina_auth/ is set", 20),
            vec![" http://10.0.1.20/mi", " na_auth/ is set"]
        );
        // A label before sentences: prose.
        assert_eq!(
            wrap(" In use now: sandbox. Choose other keys here", 24),
            vec![" In use now: sandbox.", " Choose other keys here"]
        );
        assert_eq!(
            wrap(" 当前使用：沙盒。可选择其他凭据或地域", 20),
            vec![" 当前使用：沙盒。可", " 选择其他凭据或地域"]
        );
        // Too narrow for the label's indent: the line's own indent.
        assert_eq!(
            wrap(" Security: ok then more", 14),
            vec![" Security: ok", " then more"]
        );
    }

    #[test]
    fn styles_survive_the_wrap() {
        let bad = Style::default().fg(Color::Red);
        let line = Line::from(vec![
            Span::raw(" ✗ "),
            Span::styled("denied: cvm:RunInstances cvm:CreateImage", bad),
        ]);
        let out = indented(vec![line], 24);
        assert_eq!(
            text(&out),
            vec![" ✗ denied:", "   cvm:RunInstances", "   cvm:CreateImage"]
        );
        assert_eq!(out[2].spans.last().unwrap().style, bad);
    }
}
