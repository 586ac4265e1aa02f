//! The command line's own values, checked before anything runs: a bad
//! `--lang`, `--region`, `--endpoint` or `--poll-speed` is a usage error
//! (exit 2) naming the option and what it takes, not a network outage
//! retried for minutes or a silently ignored flag. Also `--secret-key-file`
//! (a file, or `-` for stdin), so the SecretKey need not be on the command
//! line, where other users of the machine can read it (`ps`, /proc).

use std::io::Read;
use std::path::Path;

use super::GlobalOpts;
use crate::i18n::{tf, Lang};

/// The language for messages: `--lang` when valid, else the environment's.
pub fn message_lang(global: &GlobalOpts) -> Lang {
    global
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_else(Lang::from_env)
}

/// Every global option's value; the first bad one as a message.
pub fn check_global(global: &GlobalOpts) -> Result<(), String> {
    let lang = message_lang(global);
    if let Some(l) = &global.lang {
        if Lang::parse(l).is_none() {
            return Err(tf(lang, "usage.lang", &[("value", l)]));
        }
    }
    if let Some(r) = &global.region {
        if crate::scaleout::validate::region("--region", r).is_err() || r.trim() != r {
            return Err(tf(lang, "usage.region", &[("value", r)]));
        }
    }
    if let Some(e) = &global.endpoint {
        check_endpoint(e).map_err(|why| {
            tf(
                lang,
                "usage.endpoint",
                &[("value", e), ("why", &tf(lang, why, &[]))],
            )
        })?;
    }
    if global.secret_key.is_some() && global.secret_key_file.is_some() {
        return Err(tf(lang, "usage.secret_key_both", &[]));
    }
    Ok(())
}

/// An endpoint is an `http://` or `https://` URL with a host (the strings
/// key of what is wrong otherwise).
pub fn check_endpoint(value: &str) -> Result<(), &'static str> {
    let url = reqwest::Url::parse(value).map_err(|_| "usage.endpoint_not_url")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("usage.endpoint_scheme");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("usage.endpoint_not_url");
    }
    Ok(())
}

/// `--poll-speed`: how much faster than the real cloud the endpoint runs.
pub fn poll_speed(value: f64, lang: Lang) -> Result<f64, String> {
    if value.is_finite() && value > 0.0 && value <= 1_000_000.0 {
        Ok(value)
    } else {
        Err(tf(lang, "usage.poll_speed", &[("value", &value)]))
    }
}

/// `--poll-speed` for clap (parsed before `--lang` is known: the
/// environment's language).
pub fn parse_poll_speed(s: &str) -> Result<f64, String> {
    let lang = Lang::from_env();
    let v: f64 = s
        .parse()
        .map_err(|_| tf(lang, "usage.poll_speed", &[("value", &s)]))?;
    poll_speed(v, lang)
}

/// Reads `--secret-key-file` into `secret_key`: the first line of the file,
/// or of stdin for `-`. A file others may read is refused, as the config file is.
pub fn read_secret_key_file(global: &mut GlobalOpts, stdin: impl Read) -> Result<(), String> {
    let Some(path) = global.secret_key_file.clone() else {
        return Ok(());
    };
    let lang = message_lang(global);
    let shown = path.display().to_string();
    let text = if path == Path::new("-") {
        let mut s = String::new();
        stdin.take(64 * 1024).read_to_string(&mut s).map_err(|e| {
            tf(
                lang,
                "usage.secret_key_file",
                &[("path", &shown), ("why", &e)],
            )
        })?;
        s
    } else {
        let meta = std::fs::metadata(&path).map_err(|e| {
            tf(
                lang,
                "usage.secret_key_file",
                &[("path", &shown), ("why", &e)],
            )
        })?;
        if let Some(mode) = crate::cloud::config_file::too_open(&meta) {
            return Err(tf(
                lang,
                "usage.secret_key_file_open",
                &[("path", &shown), ("mode", &format!("{mode:o}"))],
            ));
        }
        std::fs::read_to_string(&path).map_err(|e| {
            tf(
                lang,
                "usage.secret_key_file",
                &[("path", &shown), ("why", &e)],
            )
        })?
    };
    let key = text.lines().next().unwrap_or("").trim().to_string();
    if key.is_empty() {
        return Err(tf(
            lang,
            "usage.secret_key_file",
            &[
                ("path", &shown),
                ("why", &tf(lang, "usage.secret_key_empty", &[])),
            ],
        ));
    }
    global.secret_key = Some(key);
    Ok(())
}

/// `tcscale runs`' lines for what it could not read: each journal file
/// with why, or the runs folder itself.
pub fn unreadable_runs(
    dir: &Path,
    errors: &[crate::scaleout::journal::JournalError],
    lang: Lang,
) -> Vec<String> {
    let mut out: Vec<String> = errors
        .iter()
        .map(|e| tf(lang, "usage.run_unreadable", &[("reason", e)]))
        .collect();
    if let Err(e) = std::fs::read_dir(dir) {
        if e.kind() != std::io::ErrorKind::NotFound {
            out.push(tf(
                lang,
                "usage.runs_dir_unreadable",
                &[("path", &dir.display()), ("reason", &e)],
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(f: impl FnOnce(&mut GlobalOpts)) -> GlobalOpts {
        let mut g = GlobalOpts::default();
        f(&mut g);
        g
    }

    #[test]
    fn bad_global_values_name_the_option_and_what_it_takes() {
        let e = check_global(&opts(|g| g.lang = Some("klingon".into()))).unwrap_err();
        assert!(
            e.contains("--lang") && e.contains("klingon") && e.contains("zh-CN"),
            "{e}"
        );
        let e = check_global(&opts(|g| g.region = Some(String::new()))).unwrap_err();
        assert!(e.contains("--region") && e.contains("ap-guangzhou"), "{e}");
        let e = check_global(&opts(|g| {
            g.region = Some("Guangzhou".into());
            g.lang = Some("zh-CN".into());
        }))
        .unwrap_err();
        assert!(e.contains("--region") && e.contains("地域"), "{e}");
        for bad in ["notaurl", "ftp://x", "http://", "127.0.0.1:9000"] {
            let e = check_global(&opts(|g| g.endpoint = Some(bad.into()))).unwrap_err();
            assert!(e.contains("--endpoint") && e.contains(bad), "{bad}: {e}");
        }
        for good in ["http://127.0.0.1:9000", "https://cvm.tencentcloudapi.com"] {
            check_global(&opts(|g| g.endpoint = Some(good.into()))).unwrap();
        }
        check_global(&opts(|g| {
            g.region = Some("ap-guangzhou".into());
            g.lang = Some("en".into());
        }))
        .unwrap();
        let both = opts(|g| {
            g.secret_key = Some("k".into());
            g.secret_key_file = Some("-".into());
        });
        assert!(check_global(&both)
            .unwrap_err()
            .contains("--secret-key-file"));
    }

    #[test]
    fn poll_speed_is_a_positive_number() {
        assert_eq!(poll_speed(100.0, Lang::En), Ok(100.0));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = poll_speed(bad, Lang::En).unwrap_err();
            assert!(e.contains("--poll-speed"), "{e}");
        }
    }

    #[test]
    fn the_secret_key_comes_from_stdin_or_a_private_file_and_never_shows() {
        let mut g = opts(|g| g.secret_key_file = Some("-".into()));
        read_secret_key_file(&mut g, "s3cretKeyValue\nignored\n".as_bytes()).unwrap();
        assert_eq!(g.secret_key.as_deref(), Some("s3cretKeyValue"));

        let mut g = opts(|g| g.secret_key_file = Some("-".into()));
        let e = read_secret_key_file(&mut g, "\n".as_bytes()).unwrap_err();
        assert!(e.contains("empty"), "{e}");

        let dir = std::env::temp_dir().join(format!("tcscale-skf-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("key");
        std::fs::write(&file, "fileSecretValue\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
            let mut g = opts(|g| g.secret_key_file = Some(file.clone()));
            let e = read_secret_key_file(&mut g, std::io::empty()).unwrap_err();
            assert!(e.contains("644") && !e.contains("fileSecretValue"), "{e}");
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let mut g = opts(|g| g.secret_key_file = Some(file.clone()));
        read_secret_key_file(&mut g, std::io::empty()).unwrap();
        assert_eq!(g.secret_key.as_deref(), Some("fileSecretValue"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
