//! The simulated CVM service over real HTTP through tcscale's own client:
//! every action's happy path, async states, idempotency, dry runs, quotas,
//! pagination edges.

use crate::sim_support;

use std::time::Duration;

use serde_json::{json, Value};
use sim_support::*;
use tcscale::cloud::models::cvm;
use tcscale::cloud::Service;
use tcscale::sim::seed::{sandbox_world, world_with_instances};

fn launch_params() -> Value {
    json!({
        "Placement": {"Zone": "ap-guangzhou-3", "ProjectId": 1002189},
        "ImageId": "img-auth2024",
        "InstanceType": "S5.MEDIUM4",
        "VirtualPrivateCloud": {"VpcId": "vpc-gz8k2m9a", "SubnetId": "subnet-gz3a1b2c"},
        "SecurityGroupIds": ["sg-auth4c5d"],
        "InternetAccessible": {"InternetChargeType": "TRAFFIC_POSTPAID_BY_HOUR", "InternetMaxBandwidthOut": 5, "PublicIpAssigned": true},
        "InstanceName": "mina_auth-{R:2}",
        "InstanceCount": 2,
    })
}

#[tokio::test]
async fn regions_zones_and_typed_describe_instances() {
    let h = sim(1.0).await;
    let c = client(&h, "ap-guangzhou");
    let regions: cvm::DescribeRegionsResponse = c
        .call(&cvm::DescribeRegionsRequest::default())
        .await
        .unwrap();
    let names: Vec<_> = regions
        .region_set
        .unwrap()
        .into_iter()
        .map(|r| r.region.unwrap())
        .collect();
    assert_eq!(names, vec!["ap-guangzhou", "ap-shanghai"]);
    let zones: cvm::DescribeZonesResponse =
        c.call(&cvm::DescribeZonesRequest::default()).await.unwrap();
    assert_eq!(zones.total_count, Some(3));

    let all: cvm::DescribeInstancesResponse = c
        .call(&cvm::DescribeInstancesRequest {
            limit: Some(100),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        all.total_count,
        Some(10),
        "ap-guangzhou has 10 seeded instances"
    );
    let biz = all
        .instance_set
        .unwrap()
        .into_iter()
        .find(|i| i.instance_id.as_deref() == Some("ins-bizn0de1"))
        .unwrap();
    assert_eq!(biz.instance_name.as_deref(), Some("node-weapp-demo"));
    assert_eq!(biz.private_ip_addresses, Some(vec!["10.0.1.4".to_string()]));
    assert_eq!(biz.placement.unwrap().project_id, Some(1002189));
    assert_eq!(
        biz.internet_accessible.unwrap().internet_max_bandwidth_out,
        Some(5)
    );

    let sh = client(&h, "ap-shanghai");
    let sh_all: cvm::DescribeInstancesResponse = sh
        .call(&cvm::DescribeInstancesRequest::default())
        .await
        .unwrap();
    assert_eq!(sh_all.total_count, Some(2));
}

#[tokio::test]
async fn instance_filters() {
    let h = sim(1.0).await;
    let c = client(&h, "ap-guangzhou");
    let count = |filters: Value| {
        let c = c.clone();
        async move {
            let r = call(
                &c,
                Service::Cvm,
                "DescribeInstances",
                json!({"Filters": filters, "Limit": 100}),
            )
            .await
            .unwrap();
            r["TotalCount"].as_u64().unwrap()
        }
    };
    assert_eq!(
        count(json!([{"Name": "zone", "Values": ["ap-guangzhou-4"]}])).await,
        1
    );
    assert_eq!(
        count(json!([{"Name": "project-id", "Values": ["0"]}])).await,
        1
    );
    assert_eq!(
        count(json!([{"Name": "project-id", "Values": [1002189]}])).await,
        9
    );
    assert_eq!(
        count(json!([{"Name": "instance-state", "Values": ["STOPPED"]}])).await,
        1
    );
    assert_eq!(
        count(json!([{"Name": "instance-name", "Values": ["mina_auth"]}])).await,
        4
    );
    assert_eq!(
        count(json!([{"Name": "instance-charge-type", "Values": ["PREPAID"]}])).await,
        1
    );
    assert_eq!(
        count(json!([{"Name": "private-ip-address", "Values": ["10.0.1.9"]}])).await,
        1
    );
    assert_eq!(
        count(json!([{"Name": "vpc-id", "Values": ["vpc-gz8k2m9a"]}])).await,
        10
    );
    assert_eq!(
        count(json!([{"Name": "zone", "Values": ["ap-guangzhou-3"]}, {"Name": "instance-id", "Values": ["ins-bizn0de1", "ins-z4auth01"]}])).await,
        1
    );
    let by_id = call(
        &c,
        Service::Cvm,
        "DescribeInstances",
        json!({"InstanceIds": ["ins-auth0001", "ins-zzzzzzzz"]}),
    )
    .await
    .unwrap();
    assert_eq!(by_id["TotalCount"], 1);
}

#[tokio::test]
async fn image_goes_creating_then_normal_and_counts_against_the_quota() {
    let h = sim(1.0).await;
    let c = client(&h, "ap-guangzhou");
    let quota = call(&c, Service::Cvm, "DescribeImageQuota", json!({}))
        .await
        .unwrap();
    assert_eq!(quota["ImageNumQuota"], 10);
    let r = call(&c, Service::Cvm, "CreateImage", json!({"InstanceId": "ins-auth0001", "ImageName": "mina_auth-2026", "ImageDescription": "session"}))
        .await
        .unwrap();
    let id = r["ImageId"].as_str().unwrap().to_string();
    let state = |c: tcscale::cloud::Client, id: String| async move {
        let r = call(
            &c,
            Service::Cvm,
            "DescribeImages",
            json!({"ImageIds": [id]}),
        )
        .await
        .unwrap();
        r["ImageSet"][0].clone()
    };
    let first = state(c.clone(), id.clone()).await;
    assert_eq!(first["ImageState"], "CREATING");
    assert_eq!(first["ImageType"], "PRIVATE_IMAGE");
    assert_eq!(
        code(
            &c,
            Service::Cvm,
            "CreateImage",
            json!({"InstanceId": "ins-bizn0de1", "ImageName": "mina_auth-2026"})
        )
        .await,
        "InvalidImageName.Duplicate"
    );
    assert_eq!(
        code(
            &c,
            Service::Cvm,
            "CreateImage",
            json!({"InstanceId": "ins-auth0001", "ImageName": "again"})
        )
        .await,
        "OperationDenied.InstanceOperationInProgress"
    );
    assert_eq!(
        code(
            &c,
            Service::Cvm,
            "CreateImage",
            json!({"InstanceId": "ins-auth0001", "ImageName": "x".repeat(61)})
        )
        .await,
        "InvalidParameterValue.TooLong"
    );
    assert_eq!(
        code(
            &c,
            Service::Cvm,
            "CreateImage",
            json!({"InstanceId": "ins-nothere", "ImageName": "x"})
        )
        .await,
        "InvalidInstanceId.Malformed"
    );
    assert_eq!(
        code(
            &c,
            Service::Cvm,
            "CreateImage",
            json!({"InstanceId": "ins-zzzzzzzz", "ImageName": "x"})
        )
        .await,
        "InvalidInstanceId.NotFound"
    );
    // Launching from a CREATING image is refused.
    let mut p = launch_params();
    p["ImageId"] = json!(id.clone());
    assert_eq!(
        code(&c, Service::Cvm, "RunInstances", p).await,
        "InvalidImageId.IncorrectState"
    );
    h.advance(30.0);
    let mid = state(c.clone(), id.clone()).await;
    assert_eq!(mid["ImageState"], "CREATING");
    h.advance(31.0);
    assert_eq!(state(c.clone(), id.clone()).await["ImageState"], "NORMAL");

    // Filters and the quota: 2 private images now; fill up to 10.
    let private = call(
        &c,
        Service::Cvm,
        "DescribeImages",
        json!({"Filters": [{"Name": "image-type", "Values": ["PRIVATE_IMAGE"]}]}),
    )
    .await
    .unwrap();
    assert_eq!(private["TotalCount"], 2);
    let named = call(
        &c,
        Service::Cvm,
        "DescribeImages",
        json!({"Filters": [{"Name": "image-name", "Values": ["2026"]}]}),
    )
    .await
    .unwrap();
    assert_eq!(named["TotalCount"], 1);
    h.with_world(|w| w.cvm.image_quota = 2);
    assert_eq!(
        code(
            &c,
            Service::Cvm,
            "CreateImage",
            json!({"InstanceId": "ins-bizn0de1", "ImageName": "biz"})
        )
        .await,
        "ImageQuotaLimitExceeded"
    );
    let q = call(
        &c,
        Service::Cvm,
        "DescribeAccountQuota",
        json!({"Filters": [{"Name": "quota-type", "Values": ["ImageQuotaSet"]}]}),
    )
    .await
    .unwrap();
    assert_eq!(
        q["AccountQuotaOverview"]["AccountQuota"]["ImageQuotaSet"][0]["UsedQuota"],
        2
    );

    // DeleteImages frees the quota; public images cannot be deleted.
    call(&c, Service::Cvm, "DeleteImages", json!({"ImageIds": [id]}))
        .await
        .unwrap();
    assert_eq!(
        code(
            &c,
            Service::Cvm,
            "DeleteImages",
            json!({"ImageIds": ["img-l8og963d"]})
        )
        .await,
        "UnauthorizedOperation.ImageNotBelongToAccount"
    );
    assert_eq!(
        code(
            &c,
            Service::Cvm,
            "DeleteImages",
            json!({"ImageIds": ["img-zzzzzzzz"]})
        )
        .await,
        "InvalidImageId.NotFound"
    );
    assert!(call(
        &c,
        Service::Cvm,
        "CreateImage",
        json!({"InstanceId": "ins-bizn0de1", "ImageName": "biz"})
    )
    .await
    .is_ok());
}

#[tokio::test]
async fn run_instances_pending_then_running_with_ips_and_files() {
    let h = sim(1.0).await;
    let c = client(&h, "ap-guangzhou");
    let r = call(&c, Service::Cvm, "RunInstances", launch_params())
        .await
        .unwrap();
    let ids: Vec<String> = serde_json::from_value(r["InstanceIdSet"].clone()).unwrap();
    assert_eq!(ids.len(), 2);
    let d = call(
        &c,
        Service::Cvm,
        "DescribeInstances",
        json!({"InstanceIds": ids}),
    )
    .await
    .unwrap();
    let set = d["InstanceSet"].as_array().unwrap();
    assert_eq!(set.len(), 2);
    let names: Vec<&str> = set
        .iter()
        .map(|i| i["InstanceName"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["mina_auth-2", "mina_auth-3"]);
    for i in set {
        assert_eq!(i["InstanceState"], "PENDING");
        assert_eq!(i["Placement"]["Zone"], "ap-guangzhou-3");
        assert_eq!(i["Placement"]["ProjectId"], 1002189);
        assert_eq!(i["SecurityGroupIds"], json!(["sg-auth4c5d"]));
        let ip = i["PrivateIpAddresses"][0].as_str().unwrap();
        assert!(ip.starts_with("10.0.1."), "{ip}");
        assert!(!["10.0.1.4", "10.0.1.9", "10.0.1.5"].contains(&ip));
        assert_eq!(i["PublicIpAddresses"].as_array().unwrap().len(), 1);
    }
    assert_ne!(set[0]["PrivateIpAddresses"], set[1]["PrivateIpAddresses"]);
    h.advance(31.0);
    let st = call(
        &c,
        Service::Cvm,
        "DescribeInstancesStatus",
        json!({"InstanceIds": ids}),
    )
    .await
    .unwrap();
    for s in st["InstanceStatusSet"].as_array().unwrap() {
        assert_eq!(s["InstanceState"], "RUNNING");
    }
    // Launched from the session server's image: same runtime.
    h.with_world(|w| {
        let inst = w.cvm.instance(&ids[0]).unwrap();
        assert_eq!(inst.runtime, "mina_auth");
        assert!(inst.tat_agent_online);
    });

    // Terminate: TERMINATING, then gone.
    call(
        &c,
        Service::Cvm,
        "TerminateInstances",
        json!({"InstanceIds": [ids[0]]}),
    )
    .await
    .unwrap();
    let st = call(
        &c,
        Service::Cvm,
        "DescribeInstancesStatus",
        json!({"InstanceIds": [ids[0]]}),
    )
    .await
    .unwrap();
    assert_eq!(st["InstanceStatusSet"][0]["InstanceState"], "TERMINATING");
    h.advance(11.0);
    let st = call(
        &c,
        Service::Cvm,
        "DescribeInstances",
        json!({"InstanceIds": [ids[0]]}),
    )
    .await
    .unwrap();
    assert_eq!(st["TotalCount"], 0);
    assert_eq!(
        code(
            &c,
            Service::Cvm,
            "TerminateInstances",
            json!({"InstanceIds": [ids[0]]})
        )
        .await,
        "InvalidInstanceId.NotFound"
    );
}

#[tokio::test]
async fn polling_at_speed_sees_the_intermediate_state() {
    let h = sim(60.0).await; // a 30 s launch takes 0.5 s
    let c = client(&h, "ap-guangzhou");
    let mut p = launch_params();
    p["InstanceCount"] = json!(1);
    let r = call(&c, Service::Cvm, "RunInstances", p).await.unwrap();
    let id = r["InstanceIdSet"][0].as_str().unwrap().to_string();
    let mut seen = Vec::new();
    let started = std::time::Instant::now();
    loop {
        let st = call(
            &c,
            Service::Cvm,
            "DescribeInstancesStatus",
            json!({"InstanceIds": [id]}),
        )
        .await
        .unwrap();
        let s = st["InstanceStatusSet"][0]["InstanceState"]
            .as_str()
            .unwrap()
            .to_string();
        if seen.last() != Some(&s) {
            seen.push(s.clone());
        }
        if s == "RUNNING" {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{seen:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, vec!["PENDING", "RUNNING"]);
}

#[tokio::test]
async fn client_token_is_idempotent_and_dry_run_creates_nothing() {
    let h = sim(1.0).await;
    let c = client(&h, "ap-guangzhou");
    let mut p = launch_params();
    p["ClientToken"] = json!("tcscale-run-1");
    let a = call(&c, Service::Cvm, "RunInstances", p.clone())
        .await
        .unwrap();
    let b = call(&c, Service::Cvm, "RunInstances", p.clone())
        .await
        .unwrap();
    assert_eq!(a["InstanceIdSet"], b["InstanceIdSet"]);
    assert_ne!(a["RequestId"], b["RequestId"]);
    let total = |c: tcscale::cloud::Client| async move {
        call(&c, Service::Cvm, "DescribeInstances", json!({}))
            .await
            .unwrap()["TotalCount"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(total(c.clone()).await, 12);

    let mut dry = launch_params();
    dry["DryRun"] = json!(true);
    let r = call(&c, Service::Cvm, "RunInstances", dry.clone())
        .await
        .unwrap();
    assert_eq!(
        r.as_object().unwrap().keys().collect::<Vec<_>>(),
        vec!["RequestId"]
    );
    assert_eq!(total(c.clone()).await, 12);
    // A dry run still checks everything.
    dry["Placement"]["Zone"] = json!("ap-shanghai-2");
    assert_eq!(
        code(&c, Service::Cvm, "RunInstances", dry).await,
        "InvalidZone.MismatchRegion"
    );
    let mut long = launch_params();
    long["ClientToken"] = json!("x".repeat(65));
    assert_eq!(
        code(&c, Service::Cvm, "RunInstances", long).await,
        "InvalidClientToken.TooLong"
    );
}

#[tokio::test]
async fn run_instances_checks_like_the_real_service() {
    let h = sim(1.0).await;
    let c = client(&h, "ap-guangzhou");
    let with = |k: &str, v: Value| {
        let mut p = launch_params();
        let mut cur = &mut p;
        let parts: Vec<&str> = k.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            cur = &mut cur[*part];
        }
        cur[parts[parts.len() - 1]] = v;
        p
    };
    let cases = vec![
        (
            with("Placement.Zone", json!("ap-guangzhou-9")),
            "InvalidZone.MismatchRegion",
        ),
        (
            with("Placement.ProjectId", json!(4242)),
            "InvalidProjectId.NotFound",
        ),
        (
            with("ImageId", json!("img-zzzzzzzz")),
            "InvalidImageId.NotFound",
        ),
        (with("ImageId", json!("centos")), "InvalidImageId.Malformed"),
        (
            with("InstanceType", json!("huge")),
            "InvalidInstanceType.Malformed",
        ),
        (
            with("VirtualPrivateCloud.SubnetId", json!("subnet-zzzzzzzz")),
            "InvalidParameterValue.SubnetNotExist",
        ),
        (
            with("VirtualPrivateCloud.SubnetId", json!("subnet-gz4d5e6f")),
            "InvalidParameterValue.SubnetIdZoneIdNotMatch",
        ),
        (
            with("VirtualPrivateCloud.VpcId", json!("vpc-zzzzzzzz")),
            "InvalidParameterValue.VpcIdNotExist",
        ),
        (
            with("SecurityGroupIds", json!(["sg-zzzzzzzz"])),
            "InvalidSecurityGroupId.NotFound",
        ),
        (
            with("InstanceCount", json!(0)),
            "InvalidParameterValue.Range",
        ),
        (
            with(
                "VirtualPrivateCloud.PrivateIpAddresses",
                json!(["10.0.1.4"]),
            ),
            "VpcIpIsUsed",
        ),
        (
            with(
                "VirtualPrivateCloud.PrivateIpAddresses",
                json!(["10.9.9.9"]),
            ),
            "VpcAddrNotInSubNet",
        ),
    ];
    for (p, want) in cases {
        assert_eq!(
            code(&c, Service::Cvm, "RunInstances", p.clone()).await,
            want,
            "{p}"
        );
    }
    // The zone quota.
    h.with_world(|w| w.cvm.instance_quota_per_zone = 10);
    assert_eq!(
        code(&c, Service::Cvm, "RunInstances", launch_params()).await,
        "InstancesQuotaLimitExceeded"
    );
    let q = call(&c, Service::Cvm, "DescribeAccountQuota", json!({}))
        .await
        .unwrap();
    let post = q["AccountQuotaOverview"]["AccountQuota"]["PostPaidQuotaSet"]
        .as_array()
        .unwrap()
        .clone();
    let gz3 = post.iter().find(|z| z["Zone"] == "ap-guangzhou-3").unwrap();
    assert_eq!(gz3["UsedQuota"], 9);
    assert_eq!(gz3["RemainingQuota"], 1);
    assert_eq!(q["AppId"], 1300000000);
}

#[tokio::test]
async fn inquiry_price_is_deterministic() {
    let h = sim(1.0).await;
    let c = client(&h, "ap-guangzhou");
    let p: cvm::InquiryPriceRunInstancesResponse = {
        let v = call(
            &c,
            Service::Cvm,
            "InquiryPriceRunInstances",
            launch_params(),
        )
        .await
        .unwrap();
        serde_json::from_value(v).unwrap()
    };
    let price = p.price.unwrap();
    let ip = price.instance_price.unwrap();
    // 2 × S5.MEDIUM4 (2 CPU, 4 GB): 2 × (0.22 + 0.20) per hour.
    assert_eq!(ip.unit_price, Some(0.84));
    assert_eq!(ip.charge_unit.as_deref(), Some("HOUR"));
    assert_eq!(
        price.bandwidth_price.unwrap().charge_unit.as_deref(),
        Some("GB")
    );
    let mut prepaid = launch_params();
    prepaid["InstanceChargeType"] = json!("PREPAID");
    prepaid["InstanceChargePrepaid"] = json!({"Period": 1});
    let v = call(&c, Service::Cvm, "InquiryPriceRunInstances", prepaid)
        .await
        .unwrap();
    assert!(
        v["Price"]["InstancePrice"]["DiscountPrice"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

async fn page_of(h: &tcscale::sim::server::SimHandle, offset: u64, limit: u64) -> (u64, usize) {
    let c = client(h, "ap-guangzhou");
    let r = call(
        &c,
        Service::Cvm,
        "DescribeInstances",
        json!({"Offset": offset, "Limit": limit}),
    )
    .await
    .unwrap();
    let set = r["InstanceSet"]
        .as_array()
        .expect("InstanceSet is a list, even empty");
    (r["TotalCount"].as_u64().unwrap(), set.len())
}

#[tokio::test]
async fn pagination_edges() {
    for (n, offset, limit, want_len) in [
        (0usize, 0u64, 20u64, 0usize),
        (1, 0, 20, 1),
        (100, 0, 100, 100),
        (101, 0, 100, 100),
        (101, 100, 100, 1),
        (101, 101, 100, 0),
    ] {
        let h = sim_with(world_with_instances(n), |_| {}).await;
        assert_eq!(
            page_of(&h, offset, limit).await,
            (n as u64, want_len),
            "n={n} offset={offset}"
        );
    }
    // Default Limit is 20.
    let h = sim_with(world_with_instances(101), |_| {}).await;
    let c = client(&h, "ap-guangzhou");
    let r = call(&c, Service::Cvm, "DescribeInstances", json!({}))
        .await
        .unwrap();
    assert_eq!(r["InstanceSet"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn ten_thousand_instances_page_completely() {
    let h = sim_with(world_with_instances(10_000), |_| {}).await;
    let c = client(&h, "ap-guangzhou");
    let mut seen = std::collections::HashSet::new();
    let mut offset = 0;
    loop {
        let r = call(
            &c,
            Service::Cvm,
            "DescribeInstances",
            json!({"Offset": offset, "Limit": 100}),
        )
        .await
        .unwrap();
        assert_eq!(r["TotalCount"], 10_000);
        let set = r["InstanceSet"].as_array().unwrap();
        for i in set {
            assert!(seen.insert(i["InstanceId"].as_str().unwrap().to_string()));
        }
        if set.len() < 100 {
            break;
        }
        offset += 100;
    }
    assert_eq!(seen.len(), 10_000);
    assert_eq!(page_of(&h, 9_950, 100).await, (10_000, 50));
}

#[tokio::test]
async fn world_is_isolated_per_simulator() {
    let a = sim_with(sandbox_world(), |_| {}).await;
    let b = sim_with(sandbox_world(), |_| {}).await;
    let ca = client(&a, "ap-guangzhou");
    let mut p = launch_params();
    p["InstanceCount"] = json!(1);
    call(&ca, Service::Cvm, "RunInstances", p).await.unwrap();
    assert_eq!(page_of(&a, 0, 100).await.0, 11);
    assert_eq!(page_of(&b, 0, 100).await.0, 10);
}

/// TagSpecification puts tags on the instances and images a call creates,
/// and DescribeInstances filters by them (`tag-key`, `tag-value`,
/// `tag:<key>`), as tcscale's cleanup relies on to find a run's work.
#[tokio::test]
async fn creations_are_tagged_and_instances_filter_by_tag() {
    let h = sim(1.0).await;
    let c = client(&h, "ap-guangzhou");
    let tags = json!([{"Key": "tcscale-run", "Value": "run-7"}]);
    let mut p = launch_params();
    p["TagSpecification"] = json!([{"ResourceType": "instance", "Tags": tags}]);
    let launched = call(&c, Service::Cvm, "RunInstances", p).await.unwrap();
    let ids = launched["InstanceIdSet"].clone();
    let found = |filter: Value| {
        let c = c.clone();
        async move {
            let r = call(
                &c,
                Service::Cvm,
                "DescribeInstances",
                json!({"Filters": [filter]}),
            )
            .await
            .unwrap();
            r["InstanceSet"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["InstanceId"].clone())
                .collect::<Vec<_>>()
        }
    };
    let by_pair = found(json!({"Name": "tag:tcscale-run", "Values": ["run-7"]})).await;
    assert_eq!(Value::Array(by_pair), ids);
    assert_eq!(
        found(json!({"Name": "tag-key", "Values": ["tcscale-run"]}))
            .await
            .len(),
        2
    );
    assert!(
        found(json!({"Name": "tag:tcscale-run", "Values": ["run-8"]}))
            .await
            .is_empty()
    );
    assert!(found(json!({"Name": "tag-value", "Values": ["nope"]}))
        .await
        .is_empty());

    let img = call(
        &c,
        Service::Cvm,
        "CreateImage",
        json!({
            "InstanceId": "ins-auth0001",
            "ImageName": "tagged",
            "TagSpecification": [{"ResourceType": "image", "Tags": tags}],
        }),
    )
    .await
    .unwrap();
    let listed = call(
        &c,
        Service::Cvm,
        "DescribeImages",
        json!({"ImageIds": [img["ImageId"].clone()]}),
    )
    .await
    .unwrap();
    assert_eq!(listed["ImageSet"][0]["Tags"], tags);
}

/// `--durations-jitter`: each instance of one launch becomes RUNNING at its
/// own jittered time (what `World::duration` says), not all at the default.
#[tokio::test]
async fn jittered_launches_end_each_at_its_own_time() {
    let mut world = sandbox_world();
    world.durations_jitter = Some(tcscale::sim::jitter::DurationsJitter { min: 0.3, max: 3.0 });
    let h = sim_with(world, |c| c.seed = 11).await;
    let c = client(&h, "ap-guangzhou");
    let mut params = launch_params();
    params["InstanceCount"] = json!(6);
    let r = call(&c, Service::Cvm, "RunInstances", params)
        .await
        .unwrap();
    let ids: Vec<String> = serde_json::from_value(r["InstanceIdSet"].clone()).unwrap();
    let ends: Vec<f64> = h.with_world(|w| {
        ids.iter()
            .map(|id| w.duration(w.durations.launch, id))
            .collect()
    });
    assert!(ends.iter().all(|e| (9.0..=90.0).contains(e)), "{ends:?}");
    assert!(ends.iter().any(|e| (e - ends[0]).abs() > 1.0), "{ends:?}");
    let mut sorted = ends.clone();
    sorted.sort_by(f64::total_cmp);
    let mut clock = 0.0;
    for end in sorted {
        h.advance(end - clock - 0.05);
        clock = end - 0.05;
        let running = |set: &Value| -> Vec<String> {
            set["InstanceSet"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["InstanceState"] == "RUNNING")
                .map(|i| i["InstanceId"].as_str().unwrap().to_string())
                .collect()
        };
        let q = json!({"InstanceIds": ids});
        let before = running(
            &call(&c, Service::Cvm, "DescribeInstances", q.clone())
                .await
                .unwrap(),
        );
        h.advance(0.1);
        clock += 0.1;
        let after = running(
            &call(&c, Service::Cvm, "DescribeInstances", q)
                .await
                .unwrap(),
        );
        let expect: Vec<&String> = ids
            .iter()
            .zip(&ends)
            .filter(|(_, e)| **e <= clock)
            .map(|(id, _)| id)
            .collect();
        assert_eq!(after.iter().collect::<Vec<_>>(), expect);
        assert_eq!(after.len(), before.len() + 1, "one ends at {end}");
    }
}
