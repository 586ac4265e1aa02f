//! The simulated VPC and Tag services over real HTTP.

use crate::sim_support;

use serde_json::json;
use sim_support::*;
use tcscale::cloud::models::{tag, vpc};
use tcscale::cloud::Service;
use tcscale::sim::vpc::ingress_allows;

#[tokio::test]
async fn vpcs_subnets_and_groups() {
    let h = sim(1.0).await;
    let c = client(&h, "ap-guangzhou");
    let vpcs: vpc::DescribeVpcsResponse =
        c.call(&vpc::DescribeVpcsRequest::default()).await.unwrap();
    assert_eq!(vpcs.total_count, Some(1));
    assert_eq!(
        vpcs.vpc_set.unwrap()[0].cidr_block.as_deref(),
        Some("10.0.0.0/16")
    );

    let subnets = call(
        &c,
        Service::Vpc,
        "DescribeSubnets",
        json!({"Filters": [{"Name": "zone", "Values": ["ap-guangzhou-4"]}]}),
    )
    .await
    .unwrap();
    assert_eq!(subnets["TotalCount"], 1);
    assert_eq!(subnets["SubnetSet"][0]["SubnetId"], "subnet-gz4d5e6f");
    let gz3 = call(
        &c,
        Service::Vpc,
        "DescribeSubnets",
        json!({"SubnetIds": ["subnet-gz3a1b2c"]}),
    )
    .await
    .unwrap();
    let available = gz3["SubnetSet"][0]["AvailableIpAddressCount"]
        .as_u64()
        .unwrap();
    assert_eq!(available, 253 - 9, "9 seeded instances use gz-3 addresses");
    let by_vpc = call(&c, Service::Vpc, "DescribeSubnets", json!({"Filters": [{"Name": "vpc-id", "Values": ["vpc-gz8k2m9a"]}], "Limit": "1", "Offset": "1"})).await.unwrap();
    assert_eq!(by_vpc["TotalCount"], 2);
    assert_eq!(by_vpc["SubnetSet"].as_array().unwrap().len(), 1);
    assert_eq!(
        code(
            &c,
            Service::Vpc,
            "DescribeSubnets",
            json!({"Filters": [{"Name": "colour", "Values": ["x"]}]})
        )
        .await,
        "InvalidParameter.FilterInvalidKey"
    );

    let groups = call(&c, Service::Vpc, "DescribeSecurityGroups", json!({}))
        .await
        .unwrap();
    assert_eq!(groups["TotalCount"], 3);
    let one = call(
        &c,
        Service::Vpc,
        "DescribeSecurityGroups",
        json!({"SecurityGroupIds": ["sg-auth4c5d"]}),
    )
    .await
    .unwrap();
    assert_eq!(one["SecurityGroupSet"][0]["SecurityGroupName"], "mina-auth");
    assert_eq!(
        code(&c, Service::Vpc, "DescribeSecurityGroups", json!({"SecurityGroupIds": ["sg-auth4c5d"], "Filters": [{"Name": "project-id", "Values": ["0"]}]})).await,
        "InvalidParameter.Coexist"
    );
    let sh = client(&h, "ap-shanghai");
    let sh_groups = call(&sh, Service::Vpc, "DescribeSecurityGroups", json!({}))
        .await
        .unwrap();
    assert_eq!(sh_groups["TotalCount"], 1);
}

#[tokio::test]
async fn policies_are_listed_inserted_and_evaluated_in_order() {
    let h = sim(1.0).await;
    let c = client(&h, "ap-guangzhou");
    let before: vpc::DescribeSecurityGroupPoliciesResponse = c
        .call(&vpc::DescribeSecurityGroupPoliciesRequest {
            security_group_id: Some("sg-auth4c5d".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let set = before.security_group_policy_set.unwrap();
    assert_eq!(set.version.as_deref(), Some("2"));
    let ingress = set.ingress.unwrap();
    assert_eq!(ingress.len(), 3);
    assert_eq!(ingress[2].action.as_deref(), Some("DROP"));
    assert_eq!(ingress[2].policy_index, Some(2));

    // A VIP of the VPC is dropped by the last rule.
    let vip = "10.0.1.20";
    let sgs = vec!["sg-auth4c5d".to_string()];
    assert!(!h.with_world(|w| ingress_allows(w, &sgs, vip, "TCP", 80)));

    // Appending after the DROP changes nothing; inserting at 0 does.
    let rule = json!({"Protocol": "TCP", "Port": "80", "CidrBlock": "10.0.0.0/16", "Action": "ACCEPT", "PolicyDescription": "CLB VIP"});
    call(
        &c,
        Service::Vpc,
        "CreateSecurityGroupPolicies",
        json!({"SecurityGroupId": "sg-auth4c5d", "SecurityGroupPolicySet": {"Ingress": [rule]}}),
    )
    .await
    .unwrap();
    assert!(!h.with_world(|w| ingress_allows(w, &sgs, vip, "TCP", 80)));
    assert_eq!(
        code(
            &c,
            Service::Vpc,
            "CreateSecurityGroupPolicies",
            json!({"SecurityGroupId": "sg-auth4c5d", "SecurityGroupPolicySet": {"Ingress": [rule]}})
        )
        .await,
        "UnsupportedOperation.DuplicatePolicy"
    );
    let mut first = rule.clone();
    first["PolicyIndex"] = json!(0);
    first["Port"] = json!("80-90");
    call(&c, Service::Vpc, "CreateSecurityGroupPolicies", json!({"SecurityGroupId": "sg-auth4c5d", "SecurityGroupPolicySet": {"Version": "3", "Ingress": [first]}}))
        .await
        .unwrap();
    assert!(h.with_world(|w| ingress_allows(w, &sgs, vip, "TCP", 80)));
    assert!(!h.with_world(|w| ingress_allows(w, &sgs, vip, "TCP", 8080)));

    let after = call(
        &c,
        Service::Vpc,
        "DescribeSecurityGroupPolicies",
        json!({"SecurityGroupId": "sg-auth4c5d"}),
    )
    .await
    .unwrap();
    let set = &after["SecurityGroupPolicySet"];
    assert_eq!(set["Version"], "4");
    assert_eq!(set["Ingress"][0]["Port"], "80-90");
    assert_eq!(set["Ingress"][0]["PolicyIndex"], 0);
    assert_eq!(set["Ingress"].as_array().unwrap().len(), 5);

    // Stale version, bad rules, unknown group.
    let stale = json!({"SecurityGroupId": "sg-auth4c5d", "SecurityGroupPolicySet": {"Version": "1", "Ingress": [{"Protocol": "TCP", "Port": "81", "CidrBlock": "10.0.0.0/16", "Action": "ACCEPT"}]}});
    assert_eq!(
        code(&c, Service::Vpc, "CreateSecurityGroupPolicies", stale).await,
        "UnsupportedOperation.VersionMismatch"
    );
    for bad in [
        json!({"Protocol": "TCP", "Port": "99999", "CidrBlock": "10.0.0.0/16", "Action": "ACCEPT"}),
        json!({"Protocol": "ICMP", "Port": "80", "CidrBlock": "10.0.0.0/16", "Action": "ACCEPT"}),
        json!({"Protocol": "TCP", "Port": "80", "CidrBlock": "10.0.0/99", "Action": "ACCEPT"}),
        json!({"Protocol": "TCP", "Port": "80", "CidrBlock": "10.0.0.0/16", "Action": "MAYBE"}),
    ] {
        assert_eq!(
            code(&c, Service::Vpc, "CreateSecurityGroupPolicies", json!({"SecurityGroupId": "sg-auth4c5d", "SecurityGroupPolicySet": {"Ingress": [bad]}})).await,
            "InvalidParameterValue.Malformed",
            "{bad}"
        );
    }
    assert_eq!(
        code(
            &c,
            Service::Vpc,
            "DescribeSecurityGroupPolicies",
            json!({"SecurityGroupId": "sg-zzzzzzzz"})
        )
        .await,
        "ResourceNotFound"
    );
}

#[tokio::test]
async fn projects_page_and_filter() {
    let h = sim(1.0).await;
    let c = client(&h, "ap-guangzhou");
    let all: tag::DescribeProjectsResponse = c
        .call(&tag::DescribeProjectsRequest {
            all_list: Some(1),
            limit: Some(1000),
            offset: Some(0),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.total, Some(3));
    let names: Vec<_> = all
        .projects
        .unwrap()
        .into_iter()
        .map(|p| p.project_name.unwrap())
        .collect();
    assert_eq!(names, vec!["默认项目", "微信小程序", "运维工具"]);
    let one = call(
        &c,
        Service::Tag,
        "DescribeProjects",
        json!({"AllList": 1, "Limit": 1000, "Offset": 0, "ProjectId": 1002189}),
    )
    .await
    .unwrap();
    assert_eq!(one["Projects"][0]["ProjectName"], "微信小程序");
    let page = call(
        &c,
        Service::Tag,
        "DescribeProjects",
        json!({"AllList": 1, "Limit": 1, "Offset": 2}),
    )
    .await
    .unwrap();
    assert_eq!(page["Total"], 3);
    assert_eq!(page["Projects"][0]["ProjectId"], 1002190);
}
