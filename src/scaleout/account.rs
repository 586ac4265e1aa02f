//! What the account holds, read for the Overview and the forms: the custom
//! images and their quota, which servers' TAT agents are online, the health
//! of bound targets, the price of a launch, the regions the keys can use.
//! Reads only, made with [`Engine::check_call`]: nothing here creates, so
//! no kill point of the tests is armed.
//! The wizard and `apply` both read through these (the TUI makes no cloud
//! request of its own), and they answer plain facts; what to say about them
//! is the caller's, in the user's language, at render time.

use crate::cloud::models::{clb, cvm, tat};
use crate::cloud::{Client, CloudError};
use crate::scaleout::runner::{Engine, StepError};

/// The custom (private) images of the region, as DescribeImages lists them,
/// and how many there are in all (more than the 100 listed is possible).
pub struct PrivateImages {
    pub images: Vec<cvm::Image>,
    pub total: i64,
}

pub async fn private_images(eng: &Engine) -> Result<PrivateImages, StepError> {
    let resp = eng
        .check_call(&cvm::DescribeImagesRequest {
            filters: Some(vec![cvm::Filter {
                name: Some("image-type".into()),
                values: Some(vec!["PRIVATE_IMAGE".into()]),
            }]),
            limit: Some(100),
            ..Default::default()
        })
        .await?;
    let images = resp.image_set.unwrap_or_default();
    let total = resp.total_count.unwrap_or(images.len() as i64);
    Ok(PrivateImages { images, total })
}

/// How many custom images the region may hold (DescribeImageQuota; the
/// documented default when the answer leaves it out).
pub async fn image_quota(eng: &Engine) -> Result<i64, StepError> {
    Ok(eng
        .check_call(&cvm::DescribeImageQuotaRequest::default())
        .await?
        .image_num_quota
        .unwrap_or(crate::cloud::limits::CUSTOM_IMAGES_PER_REGION))
}

/// Which of `ids` have their TAT agent online (asked 100 at a time, the
/// API's page).
pub async fn agents_online(eng: &Engine, ids: &[String]) -> Result<Vec<String>, StepError> {
    let mut online = Vec::new();
    for chunk in ids.chunks(crate::cloud::limits::DESCRIBE_IDS_PER_CALL) {
        let resp = eng
            .check_call(&tat::DescribeAutomationAgentStatusRequest {
                instance_ids: Some(chunk.to_vec()),
                limit: Some(chunk.len() as u64),
                ..Default::default()
            })
            .await?;
        online.extend(
            resp.automation_agent_set
                .unwrap_or_default()
                .into_iter()
                .filter(|a| a.agent_status.as_deref() == Some("Online"))
                .filter_map(|a| a.instance_id),
        );
    }
    Ok(online)
}

/// One bound target's health check verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetHealth {
    pub load_balancer: String,
    pub listener: String,
    pub target: String,
    /// `None` while the CLB has not checked it yet.
    pub healthy: Option<bool>,
}

/// The health of every target bound to `load_balancers`.
pub async fn target_health(
    eng: &Engine,
    load_balancers: &[String],
) -> Result<Vec<TargetHealth>, StepError> {
    if load_balancers.is_empty() {
        return Ok(Vec::new());
    }
    let resp = eng
        .check_call(&clb::DescribeTargetHealthRequest {
            load_balancer_ids: Some(load_balancers.to_vec()),
            ..Default::default()
        })
        .await?;
    let mut out = Vec::new();
    for lb in resp.load_balancers.unwrap_or_default() {
        let lb_id = lb.load_balancer_id.unwrap_or_default();
        for l in lb.listeners.unwrap_or_default() {
            let listener = l.listener_id.unwrap_or_default();
            for r in l.rules.unwrap_or_default() {
                for t in r.targets.unwrap_or_default() {
                    let Some(target) = t.target_id else { continue };
                    out.push(TargetHealth {
                        load_balancer: lb_id.clone(),
                        listener: listener.clone(),
                        target,
                        healthy: t.health_status,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// What one instance of a launch costs, as InquiryPriceRunInstances quotes it.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitPrice {
    /// Yuan per `charge_unit`, the discounted price where there is one.
    pub amount: f64,
    /// `HOUR` for pay-as-you-go.
    pub charge_unit: String,
}

pub async fn launch_price(
    eng: &Engine,
    zone: &str,
    instance_type: &str,
    image_id: Option<String>,
    count: i64,
) -> Result<UnitPrice, StepError> {
    let resp = eng
        .check_call(&cvm::InquiryPriceRunInstancesRequest {
            placement: Some(cvm::Placement {
                zone: Some(zone.to_string()),
                ..Default::default()
            }),
            image_id,
            instance_type: Some(instance_type.to_string()),
            instance_count: Some(count),
            ..Default::default()
        })
        .await?;
    let item = resp
        .price
        .unwrap_or_default()
        .instance_price
        .unwrap_or_default();
    Ok(UnitPrice {
        amount: item
            .unit_price_discount
            .or(item.unit_price)
            .or(item.discount_price)
            .unwrap_or(0.0),
        charge_unit: item.charge_unit.unwrap_or_default(),
    })
}

/// The regions the keys may use (id, name), available ones only, sorted;
/// `None` when CAM refuses DescribeRegions (the keys work all the same:
/// the caller falls back to the built-in list). Proves a key pair with one
/// read-only call, so it takes a [`Client`]: there is no run yet.
pub async fn regions(client: &Client) -> Result<Option<Vec<(String, String)>>, CloudError> {
    match client.call(&cvm::DescribeRegionsRequest::default()).await {
        Ok(r) => {
            let mut v: Vec<(String, String)> = r
                .region_set
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r.region_state.as_deref().unwrap_or("AVAILABLE") == "AVAILABLE")
                .filter_map(|r| Some((r.region?, r.region_name.unwrap_or_default())))
                .collect();
            v.sort();
            Ok(Some(v))
        }
        Err(e) if crate::scaleout::preflight::is_permission_denied(&e) => Ok(None),
        Err(e) => Err(e),
    }
}
