//! The pager against a loopback server that pages like Tencent Cloud
//! (Offset/Limit, TotalCount): every item exactly once and in order, one
//! request per page, bounded concurrency, for several list actions.

use crate::loopback;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use loopback::{config, temp_dir, Reply, Server};
use serde_json::json;
use tcscale::cloud::models::{clb, cvm};
use tcscale::cloud::Client;

/// A server holding `n` instances, load balancers and images.
async fn server(n: Arc<AtomicI64>) -> Server {
    Server::start(move |s| {
        let total = n.load(Ordering::SeqCst);
        let offset = s.body["Offset"].as_i64().unwrap_or(0);
        let limit = s.body["Limit"].as_i64().unwrap_or(20);
        if limit > 100 {
            return Reply::Error("InvalidParameterValue.Limit", "Limit must be <= 100");
        }
        let ids = offset.min(total)..(offset + limit).min(total);
        match s.action.as_str() {
            "DescribeInstances" => Reply::Ok(json!({
                "TotalCount": total,
                "InstanceSet": ids.map(|i| json!({"InstanceId": format!("ins-{i}")})).collect::<Vec<_>>(),
            })),
            "DescribeLoadBalancers" => Reply::Ok(json!({
                "TotalCount": total,
                "LoadBalancerSet": ids.map(|i| json!({"LoadBalancerId": format!("lb-{i}")})).collect::<Vec<_>>(),
            })),
            "DescribeImages" => Reply::Ok(json!({
                "TotalCount": total,
                "ImageSet": ids.map(|i| json!({"ImageId": format!("img-{i}")})).collect::<Vec<_>>(),
            })),
            _ => Reply::Error("InvalidAction", "no such action"),
        }
    })
    .await
}

#[tokio::test]
async fn all_pages_of_describe_instances() {
    let n = Arc::new(AtomicI64::new(0));
    let server = server(n.clone()).await;
    let dir = temp_dir("pager");
    let client = Client::new(config(&server, &dir)).unwrap();
    let mut requests_before = 0;
    for count in [0i64, 1, 100, 101, 250] {
        n.store(count, Ordering::SeqCst);
        let instances = client
            .fetch_all_pages(
                |offset, limit| cvm::DescribeInstancesRequest {
                    offset: Some(offset),
                    limit: Some(limit),
                    ..Default::default()
                },
                |r| (r.instance_set.unwrap_or_default(), r.total_count),
            )
            .await
            .unwrap();
        let ids: Vec<String> = instances
            .into_iter()
            .map(|i| i.instance_id.unwrap())
            .collect();
        let expected: Vec<String> = (0..count).map(|i| format!("ins-{i}")).collect();
        assert_eq!(ids, expected, "{count} instances");
        let seen = server.seen();
        let requests = &seen[requests_before..];
        requests_before = seen.len();
        let pages = ((count.max(1) + 99) / 100) as usize;
        assert_eq!(requests.len(), pages, "{count} instances");
        let mut offsets: Vec<i64> = requests
            .iter()
            .map(|s| s.body["Offset"].as_i64().unwrap())
            .collect();
        offsets.sort();
        assert_eq!(
            offsets,
            (0..pages as i64).map(|p| p * 100).collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn other_list_actions_and_page_sizes() {
    let n = Arc::new(AtomicI64::new(250));
    let server = server(n.clone()).await;
    let dir = temp_dir("pager2");
    let client = Client::new(config(&server, &dir)).unwrap();

    let lbs = client
        .fetch_all_pages_with(
            20,
            8,
            |offset, limit| clb::DescribeLoadBalancersRequest {
                offset: Some(offset),
                limit: Some(limit),
                ..Default::default()
            },
            |r| {
                (
                    r.load_balancer_set.unwrap_or_default(),
                    r.total_count.map(|t| t as i64),
                )
            },
        )
        .await
        .unwrap();
    assert_eq!(lbs.len(), 250);
    assert_eq!(lbs[249].load_balancer_id.as_deref(), Some("lb-249"));
    assert_eq!(server.count("DescribeLoadBalancers"), 13);

    let images = client
        .fetch_all_pages(
            |offset, limit| cvm::DescribeImagesRequest {
                offset: Some(offset as u64),
                limit: Some(limit as u64),
                ..Default::default()
            },
            |r| (r.image_set.unwrap_or_default(), r.total_count),
        )
        .await
        .unwrap();
    let ids: Vec<String> = images.into_iter().map(|i| i.image_id.unwrap()).collect();
    assert_eq!(
        ids,
        (0..250).map(|i| format!("img-{i}")).collect::<Vec<_>>()
    );

    // an error on a page is the pager's error
    let err = client
        .fetch_all_pages_with(
            500,
            2,
            |offset, limit| cvm::DescribeInstancesRequest {
                offset: Some(offset),
                limit: Some(limit),
                ..Default::default()
            },
            |r| (r.instance_set.unwrap_or_default(), r.total_count),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameterValue.Limit"));
}
