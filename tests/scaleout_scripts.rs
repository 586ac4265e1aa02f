//! Runs every generated Linux script for real, with bash, under a temporary
//! root (`TCSCALE_ROOT`), on the sample sdk.config files, and requires the
//! same result as the simulator's application of the script's header
//! (`remote_op::apply`): same files (content, backup), same exit code, same
//! `TCSCALE_*` key lines. `pm2` and `systemctl` are fake executables on PATH
//! that log their arguments.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;

use tcscale::scaleout::remote_op::{
    self, apply, exit, key_lines, parse_header, parse_read_output, parse_write_output, RemoteError,
    Restart, Runtime, VirtualFs, LINUX_CONFIG_PATH,
};
use tcscale::scaleout::scripts::{self, Script};
use tcscale::scaleout::sdk_config::{read_auth_server_url, set_auth_server_url, SdkConfigError};

const NODE: &str = include_str!("../assets/samples/sdk.config.node");
const JAVA: &str = include_str!("../assets/samples/sdk.config.java");
const BACKUP: &str = "/etc/qcloud/sdk.config.bak.20260601120000";
const VIP: &str = "10.0.1.20";

/// A temporary server: root dir, stub bin dir, log of stub calls.
struct Server {
    root: PathBuf,
    bin: PathBuf,
}

impl Server {
    fn new(name: &str) -> Server {
        let base = std::env::temp_dir().join(format!(
            "tcscale-scripts-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        let root = base.join("root");
        let bin = base.join("bin");
        fs::create_dir_all(root.join("etc/qcloud")).unwrap();
        fs::create_dir_all(root.join("data/release/node-weapp-demo")).unwrap();
        fs::write(
            root.join("data/release/node-weapp-demo/process.json"),
            "{\"name\": \"weapp\", \"script\": \"app.js\"}\n",
        )
        .unwrap();
        fs::create_dir_all(&bin).unwrap();
        let log = base.join("calls.log");
        for tool in ["pm2", "systemctl"] {
            // Logs "tool args (in cwd)"; fails when $STUB_FAIL names it, or
            // for `pm2 restart` when $PM2_NOT_RUNNING is set.
            let stub = format!(
                "#!/bin/bash\necho \"{tool} $* (in $PWD)\" >> {log}\n\
                 [ \"${{STUB_FAIL:-}}\" = {tool} ] && exit 1\n\
                 [ {tool} = pm2 ] && [ \"$1\" = restart ] && [ -n \"${{PM2_NOT_RUNNING:-}}\" ] && exit 1\n\
                 exit 0\n",
                log = log.display()
            );
            let p = bin.join(tool);
            fs::write(&p, stub).unwrap();
            fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        }
        Server { root, bin }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.root.join(p.trim_start_matches('/'))
    }

    fn put(&self, p: &str, content: &str) {
        fs::write(self.path(p), content).unwrap();
    }

    fn calls(&self) -> String {
        fs::read_to_string(self.root.parent().unwrap().join("calls.log")).unwrap_or_default()
    }

    /// Runs the script with bash; (exit code, stdout+stderr).
    fn run(&self, script: &Script, env: &[(&str, &str)]) -> (i64, String) {
        let file = self.root.parent().unwrap().join("script.sh");
        fs::write(&file, &script.text).unwrap();
        let path = format!("{}:{}", self.bin.display(), std::env::var("PATH").unwrap());
        let mut cmd = Command::new("bash");
        cmd.arg(&file)
            .env("TCSCALE_ROOT", &self.root)
            .env("PATH", path)
            .env_remove("STUB_FAIL")
            .env_remove("PM2_NOT_RUNNING");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        (out.status.code().unwrap_or(-1) as i64, text)
    }

    /// Every regular file under /etc/qcloud, as the simulator would key it.
    fn files(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        for e in fs::read_dir(self.path("/etc/qcloud")).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            m.insert(
                format!("/etc/qcloud/{name}"),
                fs::read_to_string(e.path()).unwrap(),
            );
        }
        m
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let base = self.root.parent().unwrap().to_path_buf();
        // Restore write permission so the directory can be removed.
        let _ = Command::new("chmod")
            .arg("-R")
            .arg("u+w")
            .arg(&base)
            .status();
        let _ = fs::remove_dir_all(base);
    }
}

fn vfs_with(content: &str) -> VirtualFs {
    let mut v = VirtualFs::default();
    v.files.insert(LINUX_CONFIG_PATH.into(), content.into());
    v
}

/// Runs `script` both ways and requires the same exit code, key lines and files.
fn run_both(
    server: &Server,
    vfs: &mut VirtualFs,
    script: &Script,
    env: &[(&str, &str)],
) -> (i64, String) {
    let (code, output) = server.run(script, env);
    let op = parse_header(&script.text).expect("header");
    assert_eq!(op, script.op);
    let sim = apply(&op, vfs, "unused-label");
    assert_eq!(
        code, sim.exit_code,
        "exit code\n--- bash:\n{output}\n--- sim:\n{}",
        sim.output
    );
    assert_eq!(
        key_lines(&output),
        key_lines(&sim.output),
        "key lines\n--- bash:\n{output}\n--- sim:\n{}",
        sim.output
    );
    assert_eq!(server.files(), vfs.files, "files after {}", op.name());
    (code, output)
}

fn full_flow(sample: &str, runtime: Runtime, name: Option<&str>, env: &[(&str, &str)]) -> Server {
    let server = Server::new(&format!("{runtime:?}"));
    server.put(LINUX_CONFIG_PATH, sample);
    let mut vfs = vfs_with(sample);

    let (code, out) = run_both(
        &server,
        &mut vfs,
        &scripts::read_file(LINUX_CONFIG_PATH),
        env,
    );
    let read = parse_read_output(code, &out).unwrap();
    assert_eq!(read.content, sample);

    let new = set_auth_server_url(&read.content, VIP).unwrap();
    let restart = Restart {
        runtime,
        name: name.map(str::to_string),
    };
    let write = scripts::cas_write(LINUX_CONFIG_PATH, &read.sha256, &new, BACKUP, Some(restart));
    let (code, out) = run_both(&server, &mut vfs, &write, env);
    let result = parse_write_output(code, &out).unwrap();
    assert_eq!(result.backup_path, BACKUP);
    assert_eq!(result.restarted, Some(true));
    assert_eq!(result.sha256, remote_op::sha256_hex(new.as_bytes()));

    let on_disk = fs::read_to_string(server.path(LINUX_CONFIG_PATH)).unwrap();
    assert_eq!(on_disk, new);
    assert_eq!(
        read_auth_server_url(&on_disk).as_deref(),
        Some("http://10.0.1.20/mina_auth/")
    );
    assert_eq!(fs::read_to_string(server.path(BACKUP)).unwrap(), sample);
    // No temporary file left behind (files() compared equal to the sim's two).
    assert_eq!(server.files().len(), 2);
    server
}

#[test]
fn node_read_write_restart_matches_the_simulator() {
    let server = full_flow(NODE, Runtime::NodeJs, None, &[]);
    let calls = server.calls();
    assert!(
        calls.starts_with("pm2 restart process.json (in "),
        "{calls}"
    );
    assert!(calls.contains("data/release/node-weapp-demo)"), "{calls}");
    assert_eq!(calls.lines().count(), 1, "{calls}");
}

#[test]
fn node_starts_the_process_when_it_is_not_running() {
    let server = full_flow(
        NODE,
        Runtime::NodeJs,
        Some("weapp"),
        &[("PM2_NOT_RUNNING", "1")],
    );
    let calls: Vec<String> = server
        .calls()
        .lines()
        .map(|l| l.split(" (in ").next().unwrap().to_string())
        .collect();
    assert_eq!(calls, vec!["pm2 restart weapp", "pm2 start process.json"]);
}

#[test]
fn java_read_write_restart_matches_the_simulator() {
    let server = full_flow(JAVA, Runtime::Java, None, &[]);
    assert!(server.calls().starts_with("systemctl restart tomcat"));
}

#[test]
fn restart_only_matches_the_simulator() {
    let server = Server::new("restart");
    let mut vfs = VirtualFs::default();
    let s = scripts::restart(Restart {
        runtime: Runtime::Java,
        name: Some("tomcat9".into()),
    });
    let (code, _) = run_both(&server, &mut vfs, &s, &[]);
    assert_eq!(code, exit::OK);
    assert_eq!(vfs.restarts, vec!["systemctl restart tomcat9"]);
    assert!(server.calls().starts_with("systemctl restart tomcat9"));
}

#[test]
fn failed_restart_is_reported_after_a_complete_write() {
    let server = Server::new("restart-fails");
    server.put(LINUX_CONFIG_PATH, JAVA);
    let mut vfs = vfs_with(JAVA);
    vfs.fail_restart = true;
    let sha = remote_op::sha256_hex(JAVA.as_bytes());
    let new = set_auth_server_url(JAVA, VIP).unwrap();
    let s = scripts::cas_write(
        LINUX_CONFIG_PATH,
        &sha,
        &new,
        BACKUP,
        Some(Restart {
            runtime: Runtime::Java,
            name: None,
        }),
    );
    let (code, out) = run_both(&server, &mut vfs, &s, &[("STUB_FAIL", "systemctl")]);
    assert_eq!(code, exit::RESTART_FAILED);
    assert_eq!(
        parse_write_output(code, &out),
        Err(RemoteError::RestartFailed)
    );
}

#[test]
fn missing_file_fails_clearly_and_creates_nothing() {
    let server = Server::new("missing");
    let mut vfs = VirtualFs::default();
    let (code, out) = run_both(
        &server,
        &mut vfs,
        &scripts::read_file(LINUX_CONFIG_PATH),
        &[],
    );
    assert_eq!(code, exit::MISSING);
    assert_eq!(parse_read_output(code, &out), Err(RemoteError::Missing));
    assert!(
        out.contains("/etc/qcloud/sdk.config does not exist"),
        "{out}"
    );

    let s = scripts::cas_write(LINUX_CONFIG_PATH, "00", "{}", BACKUP, None);
    let (code, _) = run_both(&server, &mut vfs, &s, &[]);
    assert_eq!(code, exit::MISSING);
    assert!(server.files().is_empty());
}

#[test]
fn malformed_json_is_refused_before_any_write() {
    let server = Server::new("malformed");
    let broken = "{\n  \"serverHost\": \"a\",\n  \"authServerUrl\" \"http://x/\"\n}\n";
    server.put(LINUX_CONFIG_PATH, broken);
    let mut vfs = vfs_with(broken);
    let (code, out) = run_both(
        &server,
        &mut vfs,
        &scripts::read_file(LINUX_CONFIG_PATH),
        &[],
    );
    let read = parse_read_output(code, &out).unwrap();
    // The Rust side computes the new content and refuses: no write script exists.
    let err = set_auth_server_url(&read.content, VIP).unwrap_err();
    assert!(
        matches!(err, SdkConfigError::Malformed { line: 3, .. }),
        "{err:?}"
    );
    assert_eq!(
        fs::read_to_string(server.path(LINUX_CONFIG_PATH)).unwrap(),
        broken
    );
    assert_eq!(server.files().len(), 1);
}

#[test]
fn read_only_file_is_refused_and_untouched() {
    // Tests run as root, for whom permission bits do not stop a write; the
    // script therefore treats "no write bit for anyone" (chmod a-w) as a
    // deliberate lock and refuses, which the simulator mirrors with its
    // `readonly` set. This is checked with the real chmod here.
    let server = Server::new("readonly");
    server.put(LINUX_CONFIG_PATH, NODE);
    let target = server.path(LINUX_CONFIG_PATH);
    fs::set_permissions(&target, fs::Permissions::from_mode(0o444)).unwrap();
    let mut vfs = vfs_with(NODE);
    vfs.readonly.insert(LINUX_CONFIG_PATH.into());

    let sha = remote_op::sha256_hex(NODE.as_bytes());
    let new = set_auth_server_url(NODE, VIP).unwrap();
    let s = scripts::cas_write(LINUX_CONFIG_PATH, &sha, &new, BACKUP, None);
    let (code, out) = run_both(&server, &mut vfs, &s, &[]);
    assert_eq!(code, exit::READ_ONLY);
    assert_eq!(parse_write_output(code, &out), Err(RemoteError::ReadOnly));
    assert_eq!(fs::read_to_string(&target).unwrap(), NODE);
    assert!(!server.path(BACKUP).exists());
    assert_eq!(
        fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o444
    );
}

#[test]
fn changed_sha256_is_refused_and_the_concurrent_edit_kept() {
    let server = Server::new("conflict");
    server.put(LINUX_CONFIG_PATH, NODE);
    let mut vfs = vfs_with(NODE);
    let (code, out) = run_both(
        &server,
        &mut vfs,
        &scripts::read_file(LINUX_CONFIG_PATH),
        &[],
    );
    let read = parse_read_output(code, &out).unwrap();

    // Someone edits the file between our read and our write.
    let theirs = NODE.replace("30000", "60000");
    server.put(LINUX_CONFIG_PATH, &theirs);
    vfs.files.insert(LINUX_CONFIG_PATH.into(), theirs.clone());

    let new = set_auth_server_url(&read.content, VIP).unwrap();
    let s = scripts::cas_write(LINUX_CONFIG_PATH, &read.sha256, &new, BACKUP, None);
    let (code, out) = run_both(&server, &mut vfs, &s, &[]);
    assert_eq!(code, exit::CONFLICT);
    match parse_write_output(code, &out) {
        Err(RemoteError::Conflict { actual }) => {
            assert_eq!(actual, remote_op::sha256_hex(theirs.as_bytes()))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        fs::read_to_string(server.path(LINUX_CONFIG_PATH)).unwrap(),
        theirs
    );
    assert!(!server.path(BACKUP).exists());
}

#[test]
fn scripts_run_from_a_path_with_spaces_and_quotes() {
    // The declared path is data, never code.
    let server = Server::new("quotes");
    let weird = "/etc/qcloud/it's a \"config\"";
    server.put(weird, "{}");
    let (code, out) = server.run(&scripts::read_file(weird), &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(parse_read_output(code, &out).unwrap().content, "{}");
}

#[test]
fn an_existing_backup_is_never_overwritten_and_nothing_is_written() {
    // An earlier run's backup under the same name (what the old
    // second-resolution names allowed): it may be the only original left.
    let server = Server::new("backup-exists");
    server.put(LINUX_CONFIG_PATH, NODE);
    let earlier = "{\"authServerUrl\": \"the only copy of the original\"}\n";
    server.put(BACKUP, earlier);
    let mut vfs = vfs_with(NODE);
    vfs.files.insert(BACKUP.into(), earlier.into());

    let sha = remote_op::sha256_hex(NODE.as_bytes());
    let new = set_auth_server_url(NODE, VIP).unwrap();
    let s = scripts::cas_write(LINUX_CONFIG_PATH, &sha, &new, BACKUP, None);
    let (code, out) = run_both(&server, &mut vfs, &s, &[]);
    assert_eq!(code, exit::BACKUP_EXISTS, "{out}");
    assert_eq!(
        parse_write_output(code, &out),
        Err(RemoteError::BackupExists)
    );
    assert_eq!(fs::read_to_string(server.path(BACKUP)).unwrap(), earlier);
    assert_eq!(
        fs::read_to_string(server.path(LINUX_CONFIG_PATH)).unwrap(),
        NODE
    );
}

/// A Node.js write whose content `JSON.parse` rejects (tcscale never sends
/// one; this is the script's own last check before the restart): with
/// `node` installed the backup goes back and nothing is restarted.
#[test]
fn a_node_write_that_json_parse_rejects_is_rolled_back_before_the_restart() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("SKIPPED: node is not installed (the script skips its check too)");
        return;
    }
    let server = Server::new("node-json");
    server.put(LINUX_CONFIG_PATH, NODE);
    let sha = remote_op::sha256_hex(NODE.as_bytes());
    let commented = include_str!("../assets/samples/sdk.config.node.hand-edited");
    let restart = Restart {
        runtime: Runtime::NodeJs,
        name: None,
    };
    let s = scripts::cas_write(
        LINUX_CONFIG_PATH,
        &sha,
        commented,
        BACKUP,
        Some(restart.clone()),
    );
    let (code, out) = server.run(&s, &[]);
    assert_eq!(code, exit::VERIFY_FAILED, "{out}");
    assert!(out.contains("JSON.parse"), "{out}");
    assert_eq!(
        fs::read_to_string(server.path(LINUX_CONFIG_PATH)).unwrap(),
        NODE
    );
    assert!(
        !server.calls().contains("pm2"),
        "restarted: {}",
        server.calls()
    );
    // and a strict file goes through to the restart (its own backup: the
    // rolled-back attempt's is never overwritten)
    let good = set_auth_server_url(NODE, VIP).unwrap();
    let second_backup = format!("{BACKUP}.2");
    let s = scripts::cas_write(
        LINUX_CONFIG_PATH,
        &sha,
        &good,
        &second_backup,
        Some(restart),
    );
    let (code, out) = server.run(&s, &[]);
    assert_eq!(code, exit::OK, "{out}");
    assert!(server.calls().contains("pm2"), "{}", server.calls());
}

#[test]
fn two_writes_in_the_same_second_keep_two_backups() {
    // Two runs (or one run's two attempts) editing one file within a
    // second: each names its backup by run id and microsecond.
    let now = chrono::Utc::now();
    let a = remote_op::run_backup_path(LINUX_CONFIG_PATH, "20260601-120000-aaaaaaaa", now);
    let b = remote_op::run_backup_path(LINUX_CONFIG_PATH, "20260601-120000-bbbbbbbb", now);
    let later = remote_op::run_backup_path(
        LINUX_CONFIG_PATH,
        "20260601-120000-aaaaaaaa",
        now + chrono::Duration::microseconds(1),
    );
    assert!(a != b && a != later && b != later, "{a} {b} {later}");
    for p in [&a, &b, &later] {
        assert_eq!(remote_op::backed_up_path(p), Some(LINUX_CONFIG_PATH));
    }

    let server = Server::new("two-writes");
    server.put(LINUX_CONFIG_PATH, NODE);
    let mut vfs = vfs_with(NODE);
    let sha = remote_op::sha256_hex(NODE.as_bytes());
    let first = set_auth_server_url(NODE, VIP).unwrap();
    let s = scripts::cas_write(LINUX_CONFIG_PATH, &sha, &first, &a, None);
    assert_eq!(run_both(&server, &mut vfs, &s, &[]).0, exit::OK);
    let second = set_auth_server_url(&first, "10.0.1.21").unwrap();
    let sha = remote_op::sha256_hex(first.as_bytes());
    let s = scripts::cas_write(LINUX_CONFIG_PATH, &sha, &second, &b, None);
    assert_eq!(run_both(&server, &mut vfs, &s, &[]).0, exit::OK);
    // The original survives in the first backup.
    assert_eq!(fs::read_to_string(server.path(&a)).unwrap(), NODE);
    assert_eq!(fs::read_to_string(server.path(&b)).unwrap(), first);
}
