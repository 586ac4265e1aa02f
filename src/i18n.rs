//! The strings table: every piece of UI text, in zh-CN and en.
//!
//! Text lives in `assets/i18n/*.toml` (one file per area of the app), each
//! entry `[key]` with `en = "…"` and `zh = "…"`; placeholders are `{name}`.
//! Files are compiled in, so a missing translation is a test failure, not a
//! blank on screen.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum Lang {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    Zh,
}

impl Lang {
    /// From `LC_ALL`, then `LC_MESSAGES`, then `LANG` (the POSIX order); `zh*` means Chinese.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                if !v.is_empty() {
                    return Lang::from_locale(&v);
                }
            }
        }
        Lang::En
    }

    /// The language the environment names explicitly: a `zh*` or `en*`
    /// locale in `LC_ALL`, `LC_MESSAGES` or `LANG` (first set wins); `None`
    /// for none set or a neutral one (`C`, `POSIX`, `C.UTF-8`), where a
    /// saved choice should decide.
    pub fn from_env_explicit() -> Option<Lang> {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                if !v.is_empty() {
                    return Lang::explicit_locale(&v);
                }
            }
        }
        None
    }

    /// `Some` for a Chinese or English locale, `None` for a neutral one.
    pub fn explicit_locale(v: &str) -> Option<Lang> {
        let v = v.to_ascii_lowercase();
        if v.starts_with("zh") {
            Some(Lang::Zh)
        } else if v.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    pub fn from_locale(v: &str) -> Lang {
        if v.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    pub fn toggle(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }

    /// The code used in config files and `X-TC-Language`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en-US",
            Lang::Zh => "zh-CN",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "en" | "en-us" | "english" => Some(Lang::En),
            "zh" | "zh-cn" | "cn" | "中文" => Some(Lang::Zh),
            _ => None,
        }
    }
}

/// Every strings file, compiled in. Add a file here when an area gets one.
const FILES: &[(&str, &str)] = &[
    ("common", include_str!("../assets/i18n/common.toml")),
    ("cloud", include_str!("../assets/i18n/cloud.toml")),
    ("wizard", include_str!("../assets/i18n/wizard.toml")),
    ("browse", include_str!("../assets/i18n/browse.toml")),
    ("onboarding", include_str!("../assets/i18n/onboarding.toml")),
    ("scaleout", include_str!("../assets/i18n/scaleout.toml")),
    ("engine", include_str!("../assets/i18n/engine.toml")),
    (
        "autoscaling",
        include_str!("../assets/i18n/autoscaling.toml"),
    ),
    ("runs", include_str!("../assets/i18n/runs.toml")),
    ("checks", include_str!("../assets/i18n/checks.toml")),
];

#[derive(serde::Deserialize)]
struct Entry {
    en: String,
    zh: String,
}

type Table = HashMap<String, (String, String)>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = HashMap::new();
        for (file, text) in FILES {
            let entries: HashMap<String, Entry> = toml::from_str(text)
                .unwrap_or_else(|e| panic!("assets/i18n/{file}.toml is not valid: {e}"));
            for (k, e) in entries {
                t.insert(k, (e.en, e.zh));
            }
        }
        t
    })
}

/// The text of `key` in `lang`. An unknown key shows itself, bracketed, so a
/// typo is visible on screen and caught by the snapshot tests.
pub fn t(lang: Lang, key: &str) -> String {
    match table().get(key) {
        Some((en, zh)) => match lang {
            Lang::En => en.clone(),
            Lang::Zh => zh.clone(),
        },
        None => format!("[{key}]"),
    }
}

/// `t` with `{name}` placeholders filled in.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut s = t(lang, key);
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), &value.to_string());
    }
    s
}

/// A message worded only when shown, in the language on screen then: the
/// engine reports these (and its errors carry them), so a line already on
/// screen follows `L`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(Repr);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Repr {
    /// A strings-table key and its arguments.
    Key {
        key: String,
        args: Vec<(String, Arg)>,
    },
    /// Pieces shown one after the other (`raw` is one plain piece).
    Words(Vec<Arg>),
    /// Worded in both languages when made, by code that words its own
    /// messages (`message(lang)` of a domain error).
    PerLang { en: String, zh: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Arg {
    Plain(String),
    Text(Text),
}

impl Arg {
    fn in_lang(&self, lang: Lang) -> String {
        match self {
            Arg::Plain(s) => s.clone(),
            Arg::Text(t) => t.in_lang(lang),
        }
    }
}

impl Default for Text {
    fn default() -> Text {
        Text(Repr::Words(Vec::new()))
    }
}

impl Text {
    pub fn new(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> Text {
        Text(Repr::Key {
            key: key.to_string(),
            args: args
                .iter()
                .map(|(n, v)| (n.to_string(), Arg::Plain(v.to_string())))
                .collect(),
        })
    }

    /// Words that have no key (API output, ids, text worded elsewhere).
    pub fn raw(words: impl Into<String>) -> Text {
        Text(Repr::Words(vec![Arg::Plain(words.into())]))
    }

    /// A message from code that words its own text for a language: worded
    /// now in both, shown later in either.
    pub fn per_lang(word: impl Fn(Lang) -> String) -> Text {
        Text(Repr::PerLang {
            en: word(Lang::En),
            zh: word(Lang::Zh),
        })
    }

    /// `parts` one after the other, `sep` between them.
    pub fn join(parts: impl IntoIterator<Item = Text>, sep: &str) -> Text {
        let mut words = Vec::new();
        for (i, p) in parts.into_iter().enumerate() {
            if i > 0 {
                words.push(Arg::Plain(sep.to_string()));
            }
            words.push(Arg::Text(p));
        }
        Text(Repr::Words(words))
    }

    /// This text followed by `more`.
    pub fn then(self, more: Text) -> Text {
        Text(Repr::Words(vec![Arg::Text(self), Arg::Text(more)]))
    }

    /// Adds placeholder `name`, itself a text worded in the same language
    /// (a step's title, a reason). No effect on a text without a key.
    pub fn with(mut self, name: &str, value: Text) -> Text {
        if let Repr::Key { args, .. } = &mut self.0 {
            args.push((name.to_string(), Arg::Text(value)));
        }
        self
    }

    /// The strings-table key; empty for words without one.
    pub fn key(&self) -> &str {
        match &self.0 {
            Repr::Key { key, .. } => key,
            _ => "",
        }
    }

    pub fn in_lang(&self, lang: Lang) -> String {
        match &self.0 {
            Repr::Key { key, args } => {
                let shown: Vec<(&str, String)> = args
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.in_lang(lang)))
                    .collect();
                let args: Vec<(&str, &dyn std::fmt::Display)> = shown
                    .iter()
                    .map(|(n, v)| (*n, v as &dyn std::fmt::Display))
                    .collect();
                tf(lang, key, &args)
            }
            Repr::Words(words) => words.iter().map(|w| w.in_lang(lang)).collect(),
            Repr::PerLang { en, zh } => match lang {
                Lang::En => en.clone(),
                Lang::Zh => zh.clone(),
            },
        }
    }
}

impl From<&str> for Text {
    fn from(words: &str) -> Text {
        Text::raw(words)
    }
}

impl From<String> for Text {
    fn from(words: String) -> Text {
        Text::raw(words)
    }
}

/// Whether a key exists (for tests of code that builds keys from data).
pub fn has(key: &str) -> bool {
    table().contains_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_every_entry_has_both_languages() {
        for (k, (en, zh)) in table() {
            assert!(!en.trim().is_empty(), "{k}: empty en");
            assert!(!zh.trim().is_empty(), "{k}: empty zh");
        }
    }

    #[test]
    fn placeholders_match_between_languages() {
        let re = |s: &str| {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                .collect();
            v.sort();
            v
        };
        for (k, (en, zh)) in table() {
            assert_eq!(re(en), re(zh), "{k}: placeholders differ");
        }
    }

    #[test]
    fn a_text_is_worded_in_the_language_asked_for() {
        let step = Text::new("scaleout.step.bind", &[]);
        let m = Text::new("engine.recovery.cannot_skip", &[]).with("step", step);
        assert!(m.in_lang(Lang::En).contains("step Bind cannot"));
        assert!(m.in_lang(Lang::Zh).contains("绑定后端服务"));
        assert_eq!(Text::raw("lb-1").in_lang(Lang::Zh), "lb-1");
        assert_eq!(Text::raw("lb-1").key(), "");
        let both = Text::per_lang(|l| format!("{l:?}"));
        assert_eq!(both.in_lang(Lang::Zh), "Zh");
        let joined = Text::join([Text::raw("a"), both], "; ");
        assert_eq!(joined.in_lang(Lang::En), "a; En");
        assert_eq!(Text::default().in_lang(Lang::En), "");
    }

    #[test]
    fn locale_detection() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::Zh);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
        assert_eq!(t(Lang::Zh, "app.name"), "tcscale");
        assert_eq!(t(Lang::En, "no.such.key"), "[no.such.key]");
        assert_eq!(
            tf(Lang::En, "common.step_of", &[("n", &2), ("total", &9)]),
            "Step 2/9"
        );
    }
}
