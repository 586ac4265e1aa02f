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
