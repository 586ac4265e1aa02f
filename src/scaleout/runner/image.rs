//! Step "Image": a custom image of the source server, waited on until NORMAL.
//!
//! CreateImage takes no ClientToken, so before every attempt the step looks
//! for an image of that name made from that instance (tagged by tcscale) and
//! re-attaches to it instead of creating a second one. A new image may be
//! missing from DescribeImages for a while (eventual consistency): a
//! `InvalidImageName.Duplicate` for a name no listed image has is that image,
//! waited for until it is listed, never a reason to fail or create again.
//! Before creating, the region's custom-image quota is checked
//! (DescribeImageQuota): a full region stops the step with the images
//! tcscale made that could be reused or deleted.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::cloud::models::cvm;

use super::record::{Phase, ResourceKind, Step};
use super::wait::{deadline, Polled, Sent};
use super::{Engine, Progress, StepError};

/// The tag tcscale puts on what it creates, so it can recognise its own work.
pub const SOURCE_TAG: &str = "tcscale-source";
pub const RUN_TAG: &str = "tcscale-run";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageInput {
    pub instance_id: String,
    pub name: String,
    pub description: Option<String>,
    /// Use this existing image instead of making one.
    pub reuse_image_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageOutput {
    pub image_id: String,
    /// True when the image existed before this run (reused or re-attached from an earlier run).
    pub reused: bool,
}

/// The CreateImage request of `input` for run `run_id`, exactly as it is
/// sent (the wizard's confirm shows it): tagged with its source and run, so
/// a retry or a resume finds the image again.
pub fn create_image_request(input: &ImageInput, run_id: &str) -> cvm::CreateImageRequest {
    cvm::CreateImageRequest {
        image_name: Some(input.name.clone()),
        instance_id: Some(input.instance_id.clone()),
        image_description: input.description.clone().filter(|d| !d.is_empty()),
        tag_specification: Some(vec![cvm::TagSpecification {
            resource_type: Some("image".into()),
            tags: Some(vec![
                tag(SOURCE_TAG, &input.instance_id),
                tag(RUN_TAG, run_id),
            ]),
        }]),
        ..Default::default()
    }
}

/// `under_way` is called once the image exists (made, found, or reused),
/// before the wait for NORMAL: what overlapped work waits for.
pub async fn create_image(
    eng: &Engine,
    phase: Phase,
    input: &ImageInput,
    under_way: &(dyn Fn() + Sync),
) -> Result<ImageOutput, StepError> {
    if let Some(id) = &input.reuse_image_id {
        // A reused image that is not listed never appears: waiting on it
        // as if it were still CREATING would only time out.
        if image_state(eng, id).await?.is_none() {
            return Err(StepError::Blocked(crate::i18n::Text::new(
                "check.image_missing",
                &[("id", id), ("region", &eng.client.region())],
            )));
        }
        eng.log("engine.image.reuse", &[("id", id)]);
        under_way();
        wait_normal(eng, id).await?;
        return Ok(ImageOutput {
            image_id: id.clone(),
            reused: true,
        });
    }
    let run_id = eng.recorded(|r| r.id().to_string());
    loop {
        if let Some(img) = find_own_image(eng, input, &run_id).await? {
            let id = img.image_id.clone().unwrap_or_default();
            let ours = has_tag(&img, RUN_TAG, &run_id);
            if ours {
                record_image(eng, phase, &id, &input.name)?;
            }
            eng.log("engine.image.reattach", &[("id", &id)]);
            under_way();
            wait_normal(eng, &id).await?;
            return Ok(ImageOutput {
                image_id: id,
                reused: !ours,
            });
        }
        let req = create_image_request(input, &run_id);
        check_image_quota(eng).await?;
        eng.journal(|r| r.add_intent(ResourceKind::Image, None, &input.name))?;
        let sent = match eng.send(&req).await {
            Err(StepError::Cloud(e)) if e.is("InvalidImageName.Duplicate") => {
                wait_listed(eng, input, &run_id).await?;
                continue;
            }
            other => other?,
        };
        match sent {
            Sent::Done(resp) => {
                let id = resp.image_id.unwrap_or_default();
                if id.is_empty() {
                    // Some regions answer without the id: the image appears in DescribeImages.
                    continue;
                }
                record_image(eng, phase, &id, &input.name)?;
                under_way();
                wait_normal(eng, &id).await?;
                return Ok(ImageOutput {
                    image_id: id,
                    reused: false,
                });
            }
            Sent::Unknown => continue,
        }
    }
}

/// The name is taken, yet [`find_own_image`] saw no image of it: one made
/// moments ago (by this run, before a crash or a lost answer) and not listed
/// yet. Waits until it is listed; the caller's loop then re-attaches to it.
async fn wait_listed(eng: &Engine, input: &ImageInput, run_id: &str) -> Result<(), StepError> {
    eng.log("engine.image.not_listed_yet", &[("name", &input.name)]);
    eng.poll_until(
        &format!("image {}", input.name),
        deadline::LISTED,
        || async {
            Ok(match find_own_image(eng, input, run_id).await? {
                Some(_) => Polled::Ready(()),
                None => Polled::Pending("not listed yet".into()),
            })
        },
    )
    .await
}

/// Whether the region has room for one more custom image; a full region
/// stops the step before CreateImage (which would answer
/// `ImageQuotaLimitExceeded`), naming tcscale's own images that could be
/// reused or deleted to make room.
async fn check_image_quota(eng: &Engine) -> Result<(), StepError> {
    let quota = crate::scaleout::account::image_quota(eng).await?;
    let private = crate::scaleout::account::private_images(eng).await?;
    if private.total < quota {
        return Ok(());
    }
    Err(StepError::Blocked(crate::i18n::Text::per_lang(|lang| {
        quota_full_message(lang, private.total, quota, &private.images)
    })))
}

/// What to tell the user when the region's image quota is used up: the
/// figures, and tcscale's images (tagged with their source) to reuse or delete.
pub fn quota_full_message(
    lang: crate::i18n::Lang,
    used: i64,
    total: i64,
    images: &[cvm::Image],
) -> String {
    let ours: Vec<String> = images
        .iter()
        .filter(|i| {
            i.tags
                .iter()
                .flatten()
                .any(|t| t.key.as_deref() == Some(SOURCE_TAG))
        })
        .map(|i| {
            format!(
                "{} ({})",
                i.image_id.as_deref().unwrap_or(""),
                i.image_name.as_deref().unwrap_or("")
            )
        })
        .collect();
    let key = if ours.is_empty() {
        "engine.image.quota_full_none"
    } else {
        "engine.image.quota_full"
    };
    let first = images
        .iter()
        .find(|i| {
            i.tags
                .iter()
                .flatten()
                .any(|t| t.key.as_deref() == Some(SOURCE_TAG))
        })
        .and_then(|i| i.image_id.clone())
        .unwrap_or_else(|| "img-…".into());
    crate::i18n::tf(
        lang,
        key,
        &[
            ("used", &used),
            ("total", &total),
            ("ours", &ours.join(", ")),
            ("id", &first),
        ],
    )
}

fn has_tag(img: &cvm::Image, key: &str, value: &str) -> bool {
    img.tags
        .iter()
        .flatten()
        .any(|t| t.key.as_deref() == Some(key) && t.value.as_deref() == Some(value))
}

fn tag(k: &str, v: &str) -> cvm::Tag {
    cvm::Tag {
        key: Some(k.to_string()),
        value: Some(v.to_string()),
    }
}

/// The image is the run's: journaled with its name (which answers the
/// intent written before CreateImage) and as the step's output.
fn record_image(eng: &Engine, phase: Phase, id: &str, name: &str) -> Result<(), StepError> {
    eng.journal(|r| {
        r.add_created(ResourceKind::Image, id, None, name);
        r.set_output(
            phase.key(),
            Step::Image,
            serde_json::json!({ "image_id": id }),
        )
    })?
    .map_err(StepError::Journal)
}

/// An image named `input.name` made from `input.instance_id`, not failed.
/// Images of that name without tcscale's source tag are someone else's:
/// the name is taken, and the step says so rather than guess. A failed
/// image this run made is deleted first: it can never become usable, and
/// its name would refuse the retry (InvalidImageName.Duplicate).
async fn find_own_image(
    eng: &Engine,
    input: &ImageInput,
    run_id: &str,
) -> Result<Option<cvm::Image>, StepError> {
    let resp = eng
        .call(&cvm::DescribeImagesRequest {
            filters: Some(vec![
                cvm::Filter {
                    name: Some("image-name".into()),
                    values: Some(vec![input.name.clone()]),
                },
                cvm::Filter {
                    name: Some("image-type".into()),
                    values: Some(vec!["PRIVATE_IMAGE".into()]),
                },
            ]),
            limit: Some(100),
            ..Default::default()
        })
        .await?;
    let (failed, usable): (Vec<cvm::Image>, Vec<cvm::Image>) = resp
        .image_set
        .unwrap_or_default()
        .into_iter()
        .filter(|i| i.image_name.as_deref() == Some(input.name.as_str()))
        .partition(|i| {
            matches!(
                i.image_state.as_deref(),
                Some("CREATEFAILED" | "IMPORTFAILED")
            )
        });
    let failed_ours: Vec<String> = failed
        .iter()
        .filter(|i| has_tag(i, RUN_TAG, run_id) && has_tag(i, SOURCE_TAG, &input.instance_id))
        .filter_map(|i| i.image_id.clone())
        .collect();
    if !failed_ours.is_empty() {
        eng.call(&cvm::DeleteImagesRequest {
            image_ids: Some(failed_ours.clone()),
            ..Default::default()
        })
        .await?;
        eng.log(
            "engine.image.failed_removed",
            &[("ids", &failed_ours.join(", "))],
        );
    }
    let mut same_name = usable.into_iter().peekable();
    let mut foreign = None;
    for img in same_name.by_ref() {
        if has_tag(&img, SOURCE_TAG, &input.instance_id) {
            return Ok(Some(img));
        }
        foreign = img.image_id.clone();
    }
    match foreign {
        Some(id) => Err(StepError::Blocked(crate::i18n::Text::new(
            "engine.image.name_taken",
            &[("name", &input.name), ("id", &id)],
        ))),
        None => Ok(None),
    }
}

/// The `ImageState` of image `id`; `None` when it is not listed.
pub async fn image_state(eng: &Engine, id: &str) -> Result<Option<String>, StepError> {
    let resp = eng
        .call(&cvm::DescribeImagesRequest {
            image_ids: Some(vec![id.to_string()]),
            ..Default::default()
        })
        .await?;
    Ok(resp
        .image_set
        .unwrap_or_default()
        .into_iter()
        .find(|i| i.image_id.as_deref() == Some(id))
        .map(|i| i.image_state.unwrap_or_default()))
}

/// Polls `ImageState` until NORMAL; CREATEFAILED stops the step.
pub async fn wait_normal(eng: &Engine, id: &str) -> Result<(), StepError> {
    let start = Instant::now();
    eng.poll_until(&format!("image {id}"), deadline::IMAGE, || {
        async move {
            let state = image_state(eng, id)
                .await?
                // Freshly created images may not be listed yet.
                .unwrap_or_else(|| "CREATING".to_string());
            eng.report(Progress::ImageState {
                id: id.to_string(),
                state: state.clone(),
                elapsed: start.elapsed(),
            });
            match state.as_str() {
                "NORMAL" => Ok(Polled::Ready(())),
                "CREATEFAILED" | "IMPORTFAILED" => Err(StepError::Failed {
                    what: format!("CreateImage {id}"),
                    request_id: None,
                    reason: crate::i18n::Text::new("engine.image.failed", &[("state", &state)]),
                }),
                _ => Ok(Polled::Pending(state)),
            }
        }
    })
    .await
}
