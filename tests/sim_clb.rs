//! The simulated CLB over real loopback HTTP with real signatures: async
//! tasks, one change at a time, bindings, and health that follows the
//! backends' security groups. The clock is moved with `SimHandle::advance`
//! (speed 1), so every intermediate state is observed deterministically.

use tcscale::cloud::models::{clb, vpc};
use tcscale::cloud::Client;
use tcscale::sim::server::SimHandle;

use crate::sim_support;
use sim_support::{error_code as code, sandbox};

const VPC: &str = "vpc-gz8k2m9a";
const SUBNET_GZ3: &str = "subnet-gz3a1b2c";
const PROJECT_WEAPP: i64 = 1002189;

async fn task_status(client: &Client, task: &str) -> clb::DescribeTaskStatusResponse {
    client
        .call(&clb::DescribeTaskStatusRequest {
            task_id: Some(task.to_string()),
            ..Default::default()
        })
        .await
        .expect("DescribeTaskStatus")
}

async fn describe_lb(client: &Client, id: &str) -> clb::LoadBalancer {
    let r = client
        .call(&clb::DescribeLoadBalancersRequest {
            load_balancer_ids: Some(vec![id.to_string()]),
            ..Default::default()
        })
        .await
        .expect("DescribeLoadBalancers");
    assert_eq!(r.total_count, Some(1));
    r.load_balancer_set.unwrap().remove(0)
}

/// Creates an INTERNAL CLB in the gz-3 subnet with a TCP:80 listener, both tasks done.
async fn internal_lb_with_listener(sim: &SimHandle, client: &Client) -> (String, String, String) {
    let created = client
        .call(&clb::CreateLoadBalancerRequest {
            load_balancer_type: Some("INTERNAL".into()),
            load_balancer_name: Some("mina-auth-int".into()),
            vpc_id: Some(VPC.into()),
            subnet_id: Some(SUBNET_GZ3.into()),
            project_id: Some(PROJECT_WEAPP),
            ..Default::default()
        })
        .await
        .expect("CreateLoadBalancer");
    let lb_id = created.load_balancer_ids.unwrap().remove(0);
    sim.advance(11.0);
    let listener = client
        .call(&clb::CreateListenerRequest {
            load_balancer_id: Some(lb_id.clone()),
            ports: Some(vec![80]),
            protocol: Some("TCP".into()),
            listener_names: Some(vec!["mina_auth".into()]),
            ..Default::default()
        })
        .await
        .expect("CreateListener");
    let listener_id = listener.listener_ids.unwrap().remove(0);
    sim.advance(4.0);
    assert_eq!(
        task_status(client, listener.request_id.as_deref().unwrap())
            .await
            .status,
        Some(0)
    );
    let vip = describe_lb(client, &lb_id)
        .await
        .load_balancer_vips
        .unwrap()
        .remove(0);
    (lb_id, listener_id, vip)
}

#[tokio::test]
async fn public_clb_is_created_asynchronously_and_reported_by_task_and_deal() {
    let (sim, client) = sandbox().await;
    let created = client
        .call(&clb::CreateLoadBalancerRequest {
            load_balancer_type: Some("OPEN".into()),
            load_balancer_name: Some("weapp-public-2".into()),
            vpc_id: Some(VPC.into()),
            project_id: Some(PROJECT_WEAPP),
            forward: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    let ids = created.load_balancer_ids.clone().unwrap();
    assert_eq!(ids.len(), 1);
    assert!(ids[0].starts_with("lb-") && ids[0].len() == 11, "{ids:?}");
    let deal = created.deal_name.clone().unwrap();
    assert!(
        deal.len() > 10 && deal.chars().all(|c| c.is_ascii_digit()),
        "{deal}"
    );
    let request_id = created.request_id.clone().unwrap();

    // Creating: task running, Status 0.
    assert_eq!(task_status(&client, &request_id).await.status, Some(2));
    let lb = describe_lb(&client, &ids[0]).await;
    assert_eq!(lb.status, Some(0));
    assert_eq!(lb.load_balancer_type.as_deref(), Some("OPEN"));
    assert_eq!(lb.project_id, Some(PROJECT_WEAPP as u64));
    let vip = lb.load_balancer_vips.clone().unwrap().remove(0);
    assert!(vip.starts_with("119.29."), "a public VIP: {vip}");

    sim.advance(11.0);
    let done = task_status(&client, &request_id).await;
    assert_eq!(done.status, Some(0));
    assert_eq!(done.load_balancer_ids, Some(ids.clone()));
    let by_deal = client
        .call(&clb::DescribeTaskStatusRequest {
            deal_name: Some(deal),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_deal.status, Some(0));
    assert_eq!(describe_lb(&client, &ids[0]).await.status, Some(1));

    let missing = client
        .call(&clb::DescribeTaskStatusRequest::default())
        .await
        .unwrap_err();
    assert_eq!(code(missing), "MissingParameter");
}

#[tokio::test]
async fn client_token_makes_create_idempotent() {
    let (sim, client) = sandbox().await;
    let req = clb::CreateLoadBalancerRequest {
        load_balancer_type: Some("OPEN".into()),
        vpc_id: Some(VPC.into()),
        client_token: Some("wizard-run-1-public-clb".into()),
        ..Default::default()
    };
    let count = |sim: &SimHandle| sim.with_world(|w| w.clb.load_balancers.len());
    let before = count(&sim);
    let first = client.call(&req).await.unwrap();
    let second = client.call(&req).await.unwrap();
    assert_eq!(first.load_balancer_ids, second.load_balancer_ids);
    assert_eq!(first.deal_name, second.deal_name);
    assert_eq!(count(&sim), before + 1);
    // The retry's own RequestId finds the same task.
    sim.advance(11.0);
    let s = task_status(&client, second.request_id.as_deref().unwrap()).await;
    assert_eq!(s.status, Some(0));
    assert_eq!(s.load_balancer_ids, first.load_balancer_ids);

    let other = client
        .call(&clb::CreateLoadBalancerRequest {
            client_token: Some("wizard-run-2-public-clb".into()),
            ..req.clone()
        })
        .await
        .unwrap();
    assert_ne!(other.load_balancer_ids, first.load_balancer_ids);
}

#[tokio::test]
async fn internal_clb_gets_its_vip_from_the_subnet_and_needs_one() {
    let (sim, client) = sandbox().await;
    let (lb_id, _, vip) = internal_lb_with_listener(&sim, &client).await;
    assert!(vip.starts_with("10.0.1."), "VIP from 10.0.1.0/24: {vip}");
    let used: Vec<String> = sim.with_world(|w| {
        w.cvm
            .instances
            .iter()
            .flat_map(|i| i.instance.private_ip_addresses.clone().unwrap_or_default())
            .collect()
    });
    assert!(
        !used.contains(&vip),
        "the VIP {vip} is not an instance's IP"
    );
    let lb = describe_lb(&client, &lb_id).await;
    assert_eq!(lb.subnet_id.as_deref(), Some(SUBNET_GZ3));
    assert_eq!(lb.vip_isp.as_deref(), Some("INTERNAL"));

    let no_subnet = client
        .call(&clb::CreateLoadBalancerRequest {
            load_balancer_type: Some("INTERNAL".into()),
            vpc_id: Some(VPC.into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(code(no_subnet), "MissingParameter");
    let open_with_subnet = client
        .call(&clb::CreateLoadBalancerRequest {
            load_balancer_type: Some("OPEN".into()),
            vpc_id: Some(VPC.into()),
            subnet_id: Some(SUBNET_GZ3.into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(code(open_with_subnet), "InvalidParameterCombination");
}

#[tokio::test]
async fn a_clb_accepts_one_change_at_a_time_and_ports_are_unique() {
    let (sim, client) = sandbox().await;
    let (lb_id, _, _) = internal_lb_with_listener(&sim, &client).await;
    let first = client
        .call(&clb::CreateListenerRequest {
            load_balancer_id: Some(lb_id.clone()),
            ports: Some(vec![8080]),
            protocol: Some("TCP".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    // While that task runs, any other change is refused.
    let busy = client
        .call(&clb::CreateListenerRequest {
            load_balancer_id: Some(lb_id.clone()),
            ports: Some(vec![9090]),
            protocol: Some("UDP".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(code(busy), "FailedOperation.ResourceInOperating");
    let busy_bind = client
        .call(&clb::RegisterTargetsRequest {
            load_balancer_id: Some(lb_id.clone()),
            listener_id: first.listener_ids.clone().unwrap().first().cloned(),
            targets: Some(vec![clb::Target {
                instance_id: Some("ins-auth0001".into()),
                port: Some(80),
                ..Default::default()
            }]),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(code(busy_bind), "FailedOperation.ResourceInOperating");
    // Reads are fine meanwhile, and the new listener is not there yet.
    let listeners = client
        .call(&clb::DescribeListenersRequest {
            load_balancer_id: Some(lb_id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listeners.total_count, Some(1));

    sim.advance(4.0);
    assert_eq!(
        task_status(&client, first.request_id.as_deref().unwrap())
            .await
            .status,
        Some(0)
    );
    let listeners = client
        .call(&clb::DescribeListenersRequest {
            load_balancer_id: Some(lb_id.clone()),
            port: Some(8080),
            ..Default::default()
        })
        .await
        .unwrap();
    let l = &listeners.listeners.unwrap()[0];
    assert_eq!(l.protocol.as_deref(), Some("TCP"));
    assert_eq!(
        l.health_check.as_ref().and_then(|h| h.health_switch),
        Some(1)
    );

    // Port 80 is taken (TCP space), port 80/UDP is not.
    let dup = client
        .call(&clb::CreateListenerRequest {
            load_balancer_id: Some(lb_id.clone()),
            ports: Some(vec![80]),
            protocol: Some("HTTP".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(code(dup), "InvalidParameter.PortCheckFailed");
    client
        .call(&clb::CreateListenerRequest {
            load_balancer_id: Some(lb_id.clone()),
            ports: Some(vec![80]),
            protocol: Some("UDP".into()),
            ..Default::default()
        })
        .await
        .expect("UDP 80 does not clash with TCP 80");
}

#[tokio::test]
async fn health_turns_alive_only_once_the_security_group_allows_the_vip() {
    let (sim, client) = sandbox().await;
    let (lb_id, listener_id, vip) = internal_lb_with_listener(&sim, &client).await;
    let bind = client
        .call(&clb::RegisterTargetsRequest {
            load_balancer_id: Some(lb_id.clone()),
            listener_id: Some(listener_id.clone()),
            targets: Some(vec![clb::Target {
                instance_id: Some("ins-auth0001".into()),
                port: Some(80),
                weight: Some(10),
                ..Default::default()
            }]),
            ..Default::default()
        })
        .await
        .unwrap();
    let task = bind.request_id.clone().unwrap();
    assert_eq!(task_status(&client, &task).await.status, Some(2));
    sim.advance(4.0);
    assert_eq!(task_status(&client, &task).await.status, Some(0));

    let targets = client
        .call(&clb::DescribeTargetsRequest {
            load_balancer_id: Some(lb_id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    let listener = &targets.listeners.unwrap()[0];
    let t = &listener.targets.as_ref().unwrap()[0];
    assert_eq!(t.instance_id.as_deref(), Some("ins-auth0001"));
    assert_eq!(t.port, Some(80));
    assert_eq!(t.weight, Some(10));
    assert_eq!(t.r#type.as_deref(), Some("CVM"));
    assert_eq!(t.instance_name.as_deref(), Some("mina_auth"));
    assert_eq!(t.private_ip_addresses, Some(vec!["10.0.1.9".to_string()]));

    let health = |client: &Client| {
        let lb_id = lb_id.clone();
        let client = client.clone();
        async move {
            let r = client
                .call(&clb::DescribeTargetHealthRequest {
                    load_balancer_ids: Some(vec![lb_id]),
                    ..Default::default()
                })
                .await
                .unwrap();
            let lb = &r.load_balancers.unwrap()[0];
            let rule = &lb.listeners.as_ref().unwrap()[0].rules.as_ref().unwrap()[0];
            let t = rule.targets.as_ref().unwrap()[0].clone();
            (
                t.health_status.unwrap(),
                t.health_status_detail.unwrap(),
                t.ip,
            )
        }
    };
    // Just bound: no verdict yet.
    let (ok, detail, ip) = health(&client).await;
    assert_eq!((ok, detail.as_str()), (false, "Unknown"));
    assert_eq!(ip.as_deref(), Some("10.0.1.9"));
    // sg-auth4c5d lets only 10.0.1.4 reach port 80, then drops everything.
    sim.advance(6.0);
    assert_eq!(health(&client).await.1, "Dead");

    // The guide's fix: allow the VIP on port 80, ahead of the DROP rule.
    client
        .call(&vpc::CreateSecurityGroupPoliciesRequest {
            security_group_id: Some("sg-auth4c5d".into()),
            security_group_policy_set: Some(vpc::SecurityGroupPolicySet {
                ingress: Some(vec![vpc::SecurityGroupPolicy {
                    policy_index: Some(0),
                    protocol: Some("TCP".into()),
                    port: Some("80".into()),
                    cidr_block: Some(vip.clone()),
                    action: Some("ACCEPT".into()),
                    policy_description: Some("CLB VIP".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
        })
        .await
        .expect("CreateSecurityGroupPolicies");
    let (ok, detail, _) = health(&client).await;
    assert_eq!((ok, detail.as_str()), (true, "Alive"));
}

#[tokio::test]
async fn a_failed_task_reports_1_and_changes_nothing() {
    let (sim, client) = sandbox().await;
    let (lb_id, listener_id, _) = internal_lb_with_listener(&sim, &client).await;
    sim.with_world(|w| w.faults.task_fail = 1.0);
    let bind = client
        .call(&clb::RegisterTargetsRequest {
            load_balancer_id: Some(lb_id.clone()),
            listener_id: Some(listener_id.clone()),
            targets: Some(vec![clb::Target {
                instance_id: Some("ins-auth0001".into()),
                port: Some(80),
                ..Default::default()
            }]),
            ..Default::default()
        })
        .await
        .unwrap();
    sim.advance(4.0);
    let s = task_status(&client, bind.request_id.as_deref().unwrap()).await;
    assert_eq!(s.status, Some(1));
    assert!(s.message.unwrap_or_default().contains("failed"));
    let targets = client
        .call(&clb::DescribeTargetsRequest {
            load_balancer_id: Some(lb_id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(targets.listeners.unwrap()[0]
        .targets
        .as_ref()
        .unwrap()
        .is_empty());

    // A failed create leaves no CLB behind.
    let created = client
        .call(&clb::CreateLoadBalancerRequest {
            load_balancer_type: Some("OPEN".into()),
            vpc_id: Some(VPC.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    sim.advance(11.0);
    assert_eq!(
        task_status(&client, created.request_id.as_deref().unwrap())
            .await
            .status,
        Some(1)
    );
    let gone = client
        .call(&clb::DescribeLoadBalancersRequest {
            load_balancer_ids: created.load_balancer_ids.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(gone.total_count, Some(0));
}

#[tokio::test]
async fn bindings_are_validated_reweighted_and_removed() {
    let (sim, client) = sandbox().await;
    let (lb_id, listener_id, _) = internal_lb_with_listener(&sim, &client).await;
    let target = |id: &str, port: i64, weight: Option<i64>| clb::Target {
        instance_id: Some(id.into()),
        port: Some(port),
        weight,
        ..Default::default()
    };
    let register = |targets: Vec<clb::Target>| clb::RegisterTargetsRequest {
        load_balancer_id: Some(lb_id.clone()),
        listener_id: Some(listener_id.clone()),
        targets: Some(targets),
        ..Default::default()
    };
    let bad_weight = client
        .call(&register(vec![target("ins-auth0001", 80, Some(101))]))
        .await
        .unwrap_err();
    assert_eq!(code(bad_weight), "InvalidParameterValue.Range");
    let bad_port = client
        .call(&register(vec![target("ins-auth0001", 0, None)]))
        .await
        .unwrap_err();
    assert_eq!(code(bad_port), "InvalidParameterValue.Range");
    let unknown = client
        .call(&register(vec![target("ins-zzzzzzzz", 80, None)]))
        .await
        .unwrap_err();
    assert_eq!(code(unknown), "InvalidParameterValue");
    let other_region = client
        .call(&register(vec![target("ins-shauth01", 80, None)]))
        .await
        .unwrap_err();
    assert_eq!(code(other_region), "InvalidParameterValue");
    let unknown_listener = client
        .call(&clb::RegisterTargetsRequest {
            listener_id: Some("lbl-zzzzzzzz".into()),
            ..register(vec![target("ins-auth0001", 80, None)])
        })
        .await
        .unwrap_err();
    assert_eq!(
        code(unknown_listener),
        "InvalidParameter.ListenerIdNotFound"
    );
    let unknown_lb = client
        .call(&clb::RegisterTargetsRequest {
            load_balancer_id: Some("lb-zzzzzzzz".into()),
            ..register(vec![target("ins-auth0001", 80, None)])
        })
        .await
        .unwrap_err();
    assert_eq!(code(unknown_lb), "InvalidParameter.LBIdNotFound");

    // BatchRegisterTargets binds two (default weight 10).
    client
        .call(&clb::BatchRegisterTargetsRequest {
            load_balancer_id: Some(lb_id.clone()),
            targets: Some(vec![
                clb::BatchTarget {
                    listener_id: Some(listener_id.clone()),
                    instance_id: Some("ins-auth0001".into()),
                    port: Some(80),
                    ..Default::default()
                },
                clb::BatchTarget {
                    listener_id: Some(listener_id.clone()),
                    instance_id: Some("ins-z4auth01".into()),
                    port: Some(80),
                    weight: Some(20),
                    ..Default::default()
                },
            ]),
        })
        .await
        .unwrap();
    sim.advance(4.0);
    // Registering an already-bound target again is accepted (a safe retry).
    client
        .call(&register(vec![target("ins-auth0001", 80, Some(10))]))
        .await
        .unwrap();
    sim.advance(4.0);
    client
        .call(&clb::ModifyTargetWeightRequest {
            load_balancer_id: Some(lb_id.clone()),
            listener_id: Some(listener_id.clone()),
            targets: Some(vec![target("ins-auth0001", 80, None)]),
            weight: Some(50),
            ..Default::default()
        })
        .await
        .unwrap();
    sim.advance(4.0);
    let weights = |targets: &clb::DescribeTargetsResponse| -> Vec<(String, i64)> {
        let mut v: Vec<(String, i64)> = targets.listeners.as_ref().unwrap()[0]
            .targets
            .as_ref()
            .unwrap()
            .iter()
            .map(|t| (t.instance_id.clone().unwrap(), t.weight.unwrap()))
            .collect();
        v.sort();
        v
    };
    let describe = clb::DescribeTargetsRequest {
        load_balancer_id: Some(lb_id.clone()),
        ..Default::default()
    };
    let now = client.call(&describe).await.unwrap();
    assert_eq!(
        weights(&now),
        vec![
            ("ins-auth0001".to_string(), 50),
            ("ins-z4auth01".to_string(), 20)
        ]
    );
    client
        .call(&clb::DeregisterTargetsRequest {
            load_balancer_id: Some(lb_id.clone()),
            listener_id: Some(listener_id.clone()),
            targets: Some(vec![target("ins-z4auth01", 80, None)]),
            ..Default::default()
        })
        .await
        .unwrap();
    sim.advance(4.0);
    let now = client.call(&describe).await.unwrap();
    assert_eq!(weights(&now), vec![("ins-auth0001".to_string(), 50)]);
    let not_bound = client
        .call(&clb::DeregisterTargetsRequest {
            load_balancer_id: Some(lb_id.clone()),
            listener_id: Some(listener_id.clone()),
            targets: Some(vec![target("ins-z4auth01", 80, None)]),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(code(not_bound), "InvalidParameter");
    // Filters on DescribeTargets.
    let filtered = client
        .call(&clb::DescribeTargetsRequest {
            load_balancer_id: Some(lb_id.clone()),
            filters: Some(vec![clb::Filter {
                name: Some("private-ip-address".into()),
                values: Some(vec!["10.0.9.9".into()]),
            }]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(filtered.listeners.unwrap()[0]
        .targets
        .as_ref()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn the_seeded_public_clb_serves_the_business_server() {
    let (_sim, client) = sandbox().await;
    let open = client
        .call(&clb::DescribeLoadBalancersRequest {
            load_balancer_type: Some("OPEN".into()),
            project_id: Some(PROJECT_WEAPP),
            ..Default::default()
        })
        .await
        .unwrap();
    let set = open.load_balancer_set.unwrap();
    let lb = set
        .iter()
        .find(|l| l.load_balancer_id.as_deref() == Some("lb-8xk2pub1"))
        .expect("seeded CLB");
    assert_eq!(lb.load_balancer_vips, Some(vec!["119.29.10.8".to_string()]));
    assert_eq!(lb.status, Some(1));
    assert!(set
        .iter()
        .all(|l| l.load_balancer_type.as_deref() == Some("OPEN")));

    // The internal CLB of another project is filtered out by ProjectId.
    let by_project = client
        .call(&clb::DescribeLoadBalancersRequest {
            project_id: Some(PROJECT_WEAPP),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(by_project
        .load_balancer_set
        .unwrap()
        .iter()
        .all(|l| l.load_balancer_id.as_deref() != Some("lb-ops4int1")));
    let all = client
        .call(&clb::DescribeLoadBalancersRequest::default())
        .await
        .unwrap();
    assert_eq!(all.total_count, Some(2));
    let paged = client
        .call(&clb::DescribeLoadBalancersRequest {
            offset: Some(1),
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (paged.total_count, paged.load_balancer_set.unwrap().len()),
        (Some(2), 1)
    );

    let health = client
        .call(&clb::DescribeTargetHealthRequest {
            load_balancer_ids: Some(vec!["lb-8xk2pub1".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    let l = &health.load_balancers.unwrap()[0].listeners.clone().unwrap()[0];
    assert_eq!((l.port, l.protocol.as_deref()), (Some(80), Some("TCP")));
    let t = &l.rules.as_ref().unwrap()[0].targets.as_ref().unwrap()[0];
    assert_eq!(t.target_id.as_deref(), Some("ins-bizn0de1"));
    assert_eq!(t.health_status_detail.as_deref(), Some("Alive"));
}

#[tokio::test]
async fn listeners_and_load_balancers_are_deleted_by_tasks() {
    let (sim, client) = sandbox().await;
    let (lb_id, listener_id, _) = internal_lb_with_listener(&sim, &client).await;
    let del = client
        .call(&clb::DeleteListenerRequest {
            load_balancer_id: Some(lb_id.clone()),
            listener_id: Some(listener_id.clone()),
        })
        .await
        .unwrap();
    sim.advance(4.0);
    assert_eq!(
        task_status(&client, del.request_id.as_deref().unwrap())
            .await
            .status,
        Some(0)
    );
    let listeners = client
        .call(&clb::DescribeListenersRequest {
            load_balancer_id: Some(lb_id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listeners.total_count, Some(0));
    client
        .call(&clb::DeleteLoadBalancerRequest {
            load_balancer_ids: Some(vec![lb_id.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        describe_lb(&client, &lb_id).await.status,
        Some(1),
        "still there while the task runs"
    );
    sim.advance(4.0);
    let gone = client
        .call(&clb::DescribeLoadBalancersRequest {
            load_balancer_ids: Some(vec![lb_id.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(gone.total_count, Some(0));
}
