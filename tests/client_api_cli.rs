//! `tcscale api` as a user runs it: the real binary, a temporary HOME,
//! credentials from the environment / flags / a tccli profile, against a
//! loopback server that checks every signature.

use crate::loopback;

use std::path::Path;
use std::process::Output;

use loopback::{temp_dir, Reply, Server, SECRET_ID, SECRET_KEY};
use serde_json::{json, Value};

/// Runs the binary with only PATH and HOME (plus `env`) in its environment.
async fn tcscale(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tcscale"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().await.unwrap()
}

fn creds() -> [(&'static str, &'static str); 2] {
    [
        ("TENCENTCLOUD_SECRET_ID", SECRET_ID),
        ("TENCENTCLOUD_SECRET_KEY", SECRET_KEY),
    ]
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

async fn server() -> Server {
    Server::start(|s| match s.action.as_str() {
        "DescribeRegions" => Reply::Ok(json!({
            "TotalCount": 1,
            "RegionSet": [{"Region": "ap-guangzhou", "RegionName": "华南地区(广州)", "RegionState": "AVAILABLE"}],
        })),
        "DescribeInstances" if s.body["Limit"].as_i64() > Some(100) => {
            Reply::Error("InvalidParameterValue.Limit", "Limit must be between 1 and 100")
        }
        "DescribeInstances" => Reply::Ok(json!({"TotalCount": 0, "InstanceSet": []})),
        _ => Reply::Error("InvalidAction", "unknown action"),
    })
    .await
}

#[tokio::test]
async fn bad_input_exits_2_without_sending_anything() {
    let home = temp_dir("cli-bad");
    let out = tcscale(
        &home,
        &creds(),
        &[
            "api",
            "cvm",
            "DescribeInstances",
            "{Limit: 1}",
            "--lang",
            "en",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("not a valid JSON object"),
        "{}",
        text(&out.stderr)
    );

    let out = tcscale(
        &home,
        &creds(),
        &["api", "cvm", "DescribeInstances", "[1, 2]", "--lang", "en"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));

    let out = tcscale(
        &home,
        &creds(),
        &["api", "ecs", "DescribeInstances", "--lang", "en"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("Unknown service \"ecs\""),
        "{}",
        text(&out.stderr)
    );

    let out = tcscale(
        &home,
        &creds(),
        &["api", "ecs", "DescribeInstances", "--lang", "zh-CN"],
    )
    .await;
    assert!(
        text(&out.stderr).contains("未知服务"),
        "{}",
        text(&out.stderr)
    );

    // no credentials anywhere in an empty HOME
    let out = tcscale(
        &home,
        &[],
        &["api", "cvm", "DescribeRegions", "--lang", "en"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("TENCENTCLOUD_SECRET_ID"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn success_prints_the_response_and_an_api_error_exits_1_with_the_explanation() {
    let server = server().await;
    let home = temp_dir("cli-ok");
    let out = tcscale(
        &home,
        &creds(),
        &[
            "api",
            "cvm",
            "DescribeRegions",
            "--endpoint",
            &server.endpoint,
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let response: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(response["RegionSet"][0]["Region"], "ap-guangzhou");
    assert!(response["RequestId"].is_string());
    assert!(
        response.get("Response").is_none(),
        "prints the inner object"
    );
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    assert_eq!(server.seen()[0].headers["x-tc-region"], "ap-guangzhou");

    let out = tcscale(
        &home,
        &[
            creds()[0],
            creds()[1],
            ("TENCENTCLOUD_REGION", "ap-shanghai"),
        ],
        &[
            "api",
            "cvm",
            "DescribeInstances",
            r#"{"Limit": 1000}"#,
            "--endpoint",
            &server.endpoint,
            "--lang",
            "en",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("Code: InvalidParameterValue.Limit"), "{err}");
    assert!(err.contains("Limit must be between 1 and 100"), "{err}");
    assert!(err.contains("RequestId: "), "{err}");
    assert!(err.contains("What to do:"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        server.seen().last().unwrap().headers["x-tc-region"],
        "ap-shanghai"
    );

    let out = tcscale(
        &home,
        &creds(),
        &[
            "api",
            "cvm",
            "DescribeInstances",
            r#"{"Limit": 1000}"#,
            "--endpoint",
            &server.endpoint,
            "--lang",
            "zh-CN",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("错误码: InvalidParameterValue.Limit"),
        "{}",
        text(&out.stderr)
    );

    // every call is in this run's audit file under the data dir, 0600, without secrets
    let audit_dir = home.join(".local/share/tcscale/audit");
    let files: Vec<_> = std::fs::read_dir(&audit_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 3, "one file per run");
    let mut all = String::new();
    for f in &files {
        all.push_str(&std::fs::read_to_string(f).unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
    assert!(all.contains("\"InvalidParameterValue.Limit\""));
    assert!(!all.contains(SECRET_KEY) && !all.contains(SECRET_ID));
}

#[tokio::test]
async fn flags_and_tccli_profiles_supply_credentials() {
    let server = server().await;
    let home = temp_dir("cli-profile");
    let out = tcscale(
        &home,
        &[],
        &[
            "api",
            "cvm",
            "DescribeRegions",
            "--endpoint",
            &server.endpoint,
            "--secret-id",
            SECRET_ID,
            "--secret-key",
            SECRET_KEY,
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    std::fs::create_dir_all(home.join(".tccli")).unwrap();
    std::fs::write(
        home.join(".tccli/ci.credential"),
        json!({"secretId": SECRET_ID, "secretKey": SECRET_KEY}).to_string(),
    )
    .unwrap();
    std::fs::write(
        home.join(".tccli/ci.configure"),
        json!({"_sys_param": {"region": "ap-chengdu", "output": "json"}}).to_string(),
    )
    .unwrap();
    let out = tcscale(
        &home,
        &[],
        &[
            "api",
            "cvm",
            "DescribeRegions",
            "--endpoint",
            &server.endpoint,
            "--profile",
            "ci",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        server.seen().last().unwrap().headers["x-tc-region"],
        "ap-chengdu"
    );

    // a wrong key: the server refuses, exit 1 with the signature explanation
    let out = tcscale(
        &home,
        &[
            ("TENCENTCLOUD_SECRET_ID", SECRET_ID),
            ("TENCENTCLOUD_SECRET_KEY", "wrong-key-000000000000"),
        ],
        &[
            "api",
            "cvm",
            "DescribeRegions",
            "--endpoint",
            &server.endpoint,
            "--lang",
            "en",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("AuthFailure.SignatureFailure") && err.contains("SecretKey"),
        "{err}"
    );
    assert!(!err.contains("wrong-key-000000000000"), "{err}");
}

/// `--sandbox` (a global option `tcscale api --help` lists): the call goes
/// to the built-in simulated cloud, with no credentials anywhere, and is
/// audited in the process's file (`api` works on no run).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_answers_without_any_credentials() {
    use crate::e2e_support::{bare_command, Home};
    let home = Home::new("api-sandbox");
    let run = |args: &'static [&'static str]| {
        let mut cmd = bare_command(&home, args, &[]);
        async move {
            tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output())
                .await
                .expect("tcscale api --sandbox finishes (the sandbox is shut down)")
                .unwrap()
        }
    };

    let out = run(&["--sandbox", "api", "cvm", "DescribeRegions", "--lang", "en"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let regions: Vec<&str> = v["RegionSet"]
        .as_array()
        .expect("a RegionSet")
        .iter()
        .filter_map(|r| r["Region"].as_str())
        .collect();
    assert!(regions.contains(&"ap-guangzhou"), "{v}");
    assert!(v["RequestId"].is_string(), "{v}");

    let out = run(&["--sandbox", "api", "cvm", "DescribeInstances"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let ids: Vec<&str> = v["InstanceSet"]
        .as_array()
        .expect("an InstanceSet")
        .iter()
        .filter_map(|i| i["InstanceId"].as_str())
        .collect();
    assert!(ids.contains(&"ins-auth0001"), "{v}");

    // An API error from the sandbox is reported like the cloud's: exit 1.
    let out = run(&["--sandbox", "api", "cvm", "NoSuchAction", "--lang", "en"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));

    // Audited under the process's name (no run): time, then a random suffix.
    let audit = home.dir.join("data/tcscale/audit");
    let files: Vec<_> = std::fs::read_dir(&audit)
        .unwrap_or_else(|e| panic!("{}: {e}", audit.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 3, "one file per process: {files:?}");
    let all: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert!(all.contains("\"DescribeRegions\"") && all.contains("\"DescribeInstances\""));
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy();
        assert!(
            name.len() == "20260101T000000Z-0123abcd.jsonl".len() && name.as_bytes()[15] == b'Z',
            "{name}"
        );
    }
}
