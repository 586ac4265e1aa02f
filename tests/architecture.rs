//! The folder tree is the architecture, and this test keeps it so: the
//! terminal UI (`src/tui`) draws and asks; every request to the cloud is
//! made by the scale-out engine (`src/scaleout`), which `apply` drives too.
//! A screen that called the API itself would give the wizard checks and
//! requests that `apply` does not have.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A line that sends a request: a client or engine call, or an API request
/// model built by hand.
fn is_cloud_request(line: &str) -> bool {
    let code = line.split("//").next().unwrap_or("");
    if code.contains(".call(") || code.contains(".call_raw(") || code.contains(".check_call(") {
        return true;
    }
    [
        "cvm::",
        "clb::",
        "tat::",
        "vpc::",
        "tag::",
        "asm::",
        "autoscaling::",
    ]
    .iter()
    .any(|m| {
        code.match_indices(m).any(|(i, _)| {
            let rest = &code[i + m.len()..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
            name.ends_with("Request") && name.len() > "Request".len()
        })
    })
}

#[test]
fn the_tui_makes_no_cloud_request_of_its_own() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui"),
        &mut files,
    );
    assert!(files.len() > 10, "the TUI's sources are found");
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            if is_cloud_request(line) {
                found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "cloud requests in the TUI (move them to src/scaleout):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_what_it_must() {
    assert!(is_cloud_request("    let r = eng.call(&x).await?;"));
    assert!(is_cloud_request("    .call(&cvm::DescribeImagesRequest {"));
    assert!(is_cloud_request(
        "let q = cvm::DescribeImageQuotaRequest::default();"
    ));
    assert!(!is_cloud_request("pub struct SetupRequest {"));
    assert!(!is_cloud_request("// eng.call(&x) is the engine's"));
    assert!(!is_cloud_request("let _ = tx.send(JobEvent::Done);"));
}

/// The layers of `src/` and what each may import (itself and the strings
/// table `i18n` always). README's Layout section draws the same picture.
const LAYERS: &[(&str, &[&str])] = &[
    ("i18n", &[]),
    ("cloud", &[]),
    // An independent oracle: tcscale's own parsers and rules never judge its requests.
    ("sim", &["cloud"]),
    ("scaleout", &["cloud"]),
    // Judges runs: the world (sim) against the journals (scaleout).
    ("audit", &["sim", "scaleout", "cloud"]),
    // What both front ends share; they never import each other.
    ("front", &["scaleout", "cloud", "sim"]),
    ("cli", &["front", "scaleout", "cloud", "sim"]),
    ("tui", &["front", "scaleout", "cloud", "sim"]),
];

/// The module path of a source file under `src/` (`src/a/b.rs` → `[a, b]`,
/// `src/a/mod.rs` → `[a]`).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

/// The layer a path (its leading segments) reaches from a file whose module
/// path is `here`: `crate::x::…` is layer x; `super::…` climbs from `here`;
/// `self::…` stays. Other paths (std, crates, local names) reach no layer.
fn layer_of(here: &[String], segments: &[String]) -> Option<String> {
    match segments.first().map(String::as_str) {
        Some("crate") => segments.get(1).cloned(),
        Some("self") => here.first().cloned(),
        Some("super") => {
            let ups = segments.iter().take_while(|s| *s == "super").count();
            // A mod.rs/lib.rs file's own module is `here`; another file's
            // `super` is its parent.
            let mut at = here.to_vec();
            for _ in 0..ups {
                at.pop();
            }
            at.first().cloned().or_else(|| segments.get(ups).cloned())
        }
        _ => None,
    }
}

struct Paths(Vec<Vec<String>>);

impl<'ast> syn::visit::Visit<'ast> for Paths {
    fn visit_path(&mut self, p: &'ast syn::Path) {
        self.0
            .push(p.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, p);
    }
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        fn walk(t: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
            match t {
                syn::UseTree::Path(p) => {
                    prefix.push(p.ident.to_string());
                    walk(&p.tree, prefix, out);
                    prefix.pop();
                }
                syn::UseTree::Name(n) => {
                    let mut v = prefix.clone();
                    v.push(n.ident.to_string());
                    out.push(v);
                }
                syn::UseTree::Rename(r) => {
                    let mut v = prefix.clone();
                    v.push(r.ident.to_string());
                    out.push(v);
                }
                syn::UseTree::Glob(_) => out.push(prefix.clone()),
                syn::UseTree::Group(g) => {
                    for t in &g.items {
                        walk(t, prefix, out);
                    }
                }
            }
        }
        walk(&u.tree, &mut Vec::new(), &mut self.0);
    }
}

/// Every import across layers that [`LAYERS`] does not allow, as
/// `file: path (layer → layer)`.
fn layer_violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut out = Vec::new();
    for f in files {
        let rel = f.strip_prefix(src).unwrap();
        // The binaries sit above every layer.
        if rel.starts_with("bin") || rel == Path::new("main.rs") || rel == Path::new("lib.rs") {
            continue;
        }
        let here = module_path(rel);
        let layer = here[0].clone();
        let allowed = LAYERS
            .iter()
            .find(|(l, _)| *l == layer)
            .unwrap_or_else(|| panic!("{} is in no layer: add `{layer}` to LAYERS", f.display()))
            .1;
        let file = syn::parse_file(&std::fs::read_to_string(&f).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let mut paths = Paths(Vec::new());
        syn::visit::Visit::visit_file(&mut paths, &file);
        for p in paths.0 {
            let Some(to) = layer_of(&here, &p) else {
                continue;
            };
            if to == layer || to == "i18n" || allowed.contains(&to.as_str()) {
                continue;
            }
            out.push(format!(
                "{}: {} ({layer} → {to})",
                rel.display(),
                p.join("::")
            ));
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn every_import_follows_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = layer_violations(&src);
    assert!(
        found.is_empty(),
        "imports against the layers (tests/architecture.rs LAYERS):\n{}",
        found.join("\n")
    );
}

/// The check itself: a tree of made-up files with one import of each kind.
#[test]
fn the_layer_check_catches_what_it_must() {
    let root = std::env::temp_dir().join(format!("tcscale-layers-{}", std::process::id()));
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "sim/mod.rs",
        "pub mod tat;\nuse super::scaleout::cron::Cron;\n",
    );
    write(
        "sim/tat.rs",
        "use crate::cloud::models::tat;\nfn f() { let _ = crate::scaleout::remote_op::apply(); }\n",
    );
    write(
        "cli/apply.rs",
        "use crate::{front::session, tui::run};\nuse super::GlobalOpts;\n",
    );
    write(
        "tui/screens/runs.rs",
        "use super::super::app::App;\nuse crate::cli::apply as a;\n",
    );
    write("scaleout/run.rs", "use crate::i18n::t;\nuse self::x::y;\n");
    let found = layer_violations(&root);
    let _ = std::fs::remove_dir_all(&root);
    assert_eq!(
        found,
        vec![
            "cli/apply.rs: crate::tui::run (cli → tui)".to_string(),
            "sim/mod.rs: super::scaleout::cron::Cron (sim → scaleout)".to_string(),
            "sim/tat.rs: crate::scaleout::remote_op::apply (sim → scaleout)".to_string(),
            "tui/screens/runs.rs: crate::cli::apply (tui → cli)".to_string(),
        ],
        "{found:#?}"
    );
}
