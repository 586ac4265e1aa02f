//! The consistency check of the Launch and Load balancer screens: the new
//! instances, the image, the CLB and the existing servers must share region,
//! zone and project (and VPC for the CLB), as the guide requires. Every
//! comparison becomes a line of a checklist; a mismatch blocks the step until
//! the user changes the input or explicitly overrides that line.

use serde::{Deserialize, Serialize};

use crate::cloud::models::{clb, cvm};
use crate::i18n::{t, tf, Lang};

/// Where a party of the check lives. `None` means "not known" (the API gave
/// nothing); a known expected value against an unknown actual one is a mismatch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub region: Option<String>,
    pub zone: Option<String>,
    pub project_id: Option<i64>,
    pub vpc_id: Option<String>,
}

impl Placement {
    /// Where a CVM instance lives. Instances do not carry their region: it is
    /// the region the instance was described in.
    pub fn of_instance(instance: &cvm::Instance, region: &str) -> Placement {
        let placement = instance.placement.as_ref();
        Placement {
            region: Some(region.to_string()),
            zone: placement.and_then(|p| p.zone.clone()),
            project_id: placement.and_then(|p| p.project_id),
            vpc_id: instance
                .virtual_private_cloud
                .as_ref()
                .and_then(|v| v.vpc_id.clone()),
        }
    }

    /// Where a CLB lives. Its zone is the zone of its subnet, which only an
    /// INTERNAL CLB has: pass `subnet_zone` from `DescribeSubnets` (or `None`).
    pub fn of_load_balancer(
        lb: &clb::LoadBalancer,
        region: &str,
        subnet_zone: Option<&str>,
    ) -> Placement {
        Placement {
            region: Some(region.to_string()),
            zone: subnet_zone.map(str::to_string),
            project_id: lb.project_id.map(|p| p as i64),
            vpc_id: lb.vpc_id.clone().filter(|v| !v.is_empty()),
        }
    }

    /// Where an image lives: images are regional, nothing more.
    /// The project, the default one (0) when none is set: an instance the
    /// API lists without a project is in the default project.
    pub fn project(&self) -> i64 {
        self.project_id.unwrap_or(0)
    }

    /// The first of zone, project and VPC in which `other` is not placed
    /// like `self`; `None` when it is placed alike. The one rule for
    /// "placed like the source" (servers one internal CLB can serve, and
    /// what the guide asks of new servers): `apply`'s preview and its run
    /// both use it, so they cannot disagree.
    pub fn differs_from(&self, other: &Placement) -> Option<Attribute> {
        if self.zone != other.zone {
            Some(Attribute::Zone)
        } else if self.project() != other.project() {
            Some(Attribute::Project)
        } else if self.vpc_id != other.vpc_id {
            Some(Attribute::Vpc)
        } else {
            None
        }
    }

    pub fn of_image(_image: &cvm::Image, region: &str) -> Placement {
        Placement {
            region: Some(region.to_string()),
            ..Default::default()
        }
    }
}

/// What kind of party a line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartyKind {
    Image,
    LoadBalancer,
    ExistingServer,
}

/// One party to compare against the new instances' placement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub kind: PartyKind,
    /// Id (and name) shown in the checklist, e.g. `ins-s1 mina_auth`.
    pub label: String,
    pub placement: Placement,
    /// For a CLB: INTERNAL (its subnet's zone must match). Ignored otherwise.
    pub internal: bool,
}

impl Party {
    pub fn image(image: &cvm::Image, region: &str) -> Party {
        Party {
            kind: PartyKind::Image,
            label: image.image_id.clone().unwrap_or_default(),
            placement: Placement::of_image(image, region),
            internal: false,
        }
    }

    pub fn load_balancer(lb: &clb::LoadBalancer, region: &str, subnet_zone: Option<&str>) -> Party {
        Party {
            kind: PartyKind::LoadBalancer,
            label: join_label(&lb.load_balancer_id, &lb.load_balancer_name),
            placement: Placement::of_load_balancer(lb, region, subnet_zone),
            internal: lb.load_balancer_type.as_deref() == Some("INTERNAL"),
        }
    }

    pub fn existing_server(instance: &cvm::Instance, region: &str) -> Party {
        Party {
            kind: PartyKind::ExistingServer,
            label: join_label(&instance.instance_id, &instance.instance_name),
            placement: Placement::of_instance(instance, region),
            internal: false,
        }
    }
}

fn join_label(id: &Option<String>, name: &Option<String>) -> String {
    match (id.as_deref(), name.as_deref()) {
        (Some(id), Some(n)) if !n.is_empty() => format!("{id} {n}"),
        (Some(id), _) => id.to_string(),
        (None, Some(n)) => n.to_string(),
        (None, None) => String::new(),
    }
}

/// Which attribute a line compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Attribute {
    Region,
    Zone,
    Project,
    Vpc,
}

impl Attribute {
    fn key(self) -> &'static str {
        match self {
            Attribute::Region => "scaleout.check.region",
            Attribute::Zone => "scaleout.check.zone",
            Attribute::Project => "scaleout.check.project",
            Attribute::Vpc => "scaleout.check.vpc",
        }
    }
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub attribute: Attribute,
    pub kind: PartyKind,
    /// The party, e.g. `lb-int-4c session-clb`.
    pub subject: String,
    /// The new instances' value ("?" when unknown).
    pub expected: String,
    /// The party's value ("?" when unknown).
    pub actual: String,
    pub ok: bool,
    /// The user accepted this mismatch explicitly.
    pub overridden: bool,
}

impl Check {
    /// The line as the checklist shows it, e.g. `zone of CLB lb-1: ap-guangzhou-4 (expected ap-guangzhou-3)`.
    pub fn item(&self, lang: Lang) -> String {
        let what = t(lang, self.attribute.key());
        let kind = t(
            lang,
            match self.kind {
                PartyKind::Image => "scaleout.check.party.image",
                PartyKind::LoadBalancer => "scaleout.check.party.clb",
                PartyKind::ExistingServer => "scaleout.check.party.server",
            },
        );
        let key = if self.ok {
            "scaleout.check.line_ok"
        } else {
            "scaleout.check.line_mismatch"
        };
        tf(
            lang,
            key,
            &[
                ("what", &what),
                ("kind", &kind),
                ("subject", &self.subject),
                ("actual", &self.actual),
                ("expected", &self.expected),
            ],
        )
    }

    /// Blocks the step: a mismatch nobody overrode.
    pub fn blocks(&self) -> bool {
        !self.ok && !self.overridden
    }
}

/// The whole checklist.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    pub checks: Vec<Check>,
}

impl Checklist {
    /// The mismatches that still block the step.
    pub fn blocking(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| c.blocks()).collect()
    }

    pub fn is_blocked(&self) -> bool {
        self.checks.iter().any(Check::blocks)
    }

    /// The user accepts the mismatch of line `index` (an explicit, per-line
    /// decision; an index out of range or a line that is fine changes nothing).
    pub fn override_line(&mut self, index: usize) {
        if let Some(c) = self.checks.get_mut(index) {
            if !c.ok {
                c.overridden = true;
            }
        }
    }

    /// Accepts every mismatch (the plan file's `override_consistency = true`).
    pub fn override_all(&mut self) {
        for c in &mut self.checks {
            c.overridden = !c.ok;
        }
    }
}

/// Compares every party with `new_instances` (the placement the new
/// instances will get, normally the source instance's):
/// - image: region;
/// - existing servers: region, zone, project;
/// - CLB: region, project, VPC, and for an INTERNAL CLB the zone of its subnet.
///
/// The region must match everywhere; VPC is compared only where both sides
/// are expected to have one (the CLB), because classic-network servers have none.
pub fn check(new_instances: &Placement, parties: &[Party]) -> Checklist {
    let mut checks = Vec::new();
    for party in parties {
        let attrs: &[Attribute] = match party.kind {
            PartyKind::Image => &[Attribute::Region],
            PartyKind::ExistingServer => &[Attribute::Region, Attribute::Zone, Attribute::Project],
            PartyKind::LoadBalancer if party.internal => &[
                Attribute::Region,
                Attribute::Project,
                Attribute::Vpc,
                Attribute::Zone,
            ],
            PartyKind::LoadBalancer => &[Attribute::Region, Attribute::Project, Attribute::Vpc],
        };
        for &attribute in attrs {
            let expected = value(new_instances, attribute);
            let actual = value(&party.placement, attribute);
            // Nothing to compare against: the new instances' own value is unknown.
            if expected.is_none() {
                continue;
            }
            let ok = expected == actual;
            checks.push(Check {
                attribute,
                kind: party.kind,
                subject: party.label.clone(),
                expected: expected.unwrap_or_else(|| "?".into()),
                actual: actual.unwrap_or_else(|| "?".into()),
                ok,
                overridden: false,
            });
        }
    }
    Checklist { checks }
}

fn value(p: &Placement, a: Attribute) -> Option<String> {
    match a {
        Attribute::Region => p.region.clone(),
        Attribute::Zone => p.zone.clone(),
        Attribute::Project => p.project_id.map(|v| v.to_string()),
        Attribute::Vpc => p.vpc_id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(id: &str, zone: &str, project: i64, vpc: &str) -> cvm::Instance {
        cvm::Instance {
            instance_id: Some(id.into()),
            instance_name: Some("mina_auth".into()),
            placement: Some(cvm::Placement {
                zone: Some(zone.into()),
                project_id: Some(project),
                ..Default::default()
            }),
            virtual_private_cloud: Some(cvm::VirtualPrivateCloud {
                vpc_id: Some(vpc.into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn internal_clb(project: u64, vpc: &str) -> clb::LoadBalancer {
        clb::LoadBalancer {
            load_balancer_id: Some("lb-int".into()),
            load_balancer_type: Some("INTERNAL".into()),
            project_id: Some(project),
            vpc_id: Some(vpc.into()),
            ..Default::default()
        }
    }

    const GZ: &str = "ap-guangzhou";

    #[test]
    fn everything_consistent_passes() {
        let src = instance("ins-s1", "ap-guangzhou-3", 1001, "vpc-1");
        let target = Placement::of_instance(&src, GZ);
        let list = check(
            &target,
            &[
                Party::image(&cvm::Image::default(), GZ),
                Party::existing_server(&src, GZ),
                Party::load_balancer(&internal_clb(1001, "vpc-1"), GZ, Some("ap-guangzhou-3")),
            ],
        );
        assert_eq!(list.checks.len(), 1 + 3 + 4);
        assert!(list.checks.iter().all(|c| c.ok), "{list:?}");
        assert!(!list.is_blocked());
    }

    #[test]
    fn mismatches_block_until_overridden() {
        let src = instance("ins-s1", "ap-guangzhou-3", 1001, "vpc-1");
        let other = instance("ins-z4", "ap-guangzhou-4", 0, "vpc-1");
        let target = Placement::of_instance(&src, GZ);
        let mut list = check(
            &target,
            &[
                Party::image(&cvm::Image::default(), "ap-shanghai"),
                Party::existing_server(&other, GZ),
                Party::load_balancer(&internal_clb(1001, "vpc-2"), GZ, Some("ap-guangzhou-3")),
            ],
        );
        let bad: Vec<_> = list
            .blocking()
            .iter()
            .map(|c| (c.kind, c.attribute, c.actual.clone()))
            .collect();
        assert_eq!(
            bad,
            vec![
                (
                    PartyKind::Image,
                    Attribute::Region,
                    "ap-shanghai".to_string()
                ),
                (
                    PartyKind::ExistingServer,
                    Attribute::Zone,
                    "ap-guangzhou-4".into()
                ),
                (PartyKind::ExistingServer, Attribute::Project, "0".into()),
                (PartyKind::LoadBalancer, Attribute::Vpc, "vpc-2".into()),
            ]
        );
        let first_bad = list.checks.iter().position(|c| !c.ok).unwrap();
        list.override_line(first_bad);
        assert_eq!(list.blocking().len(), 3);
        list.override_all();
        assert!(!list.is_blocked());
        assert_eq!(list.checks.iter().filter(|c| c.overridden).count(), 4);
    }

    #[test]
    fn unknown_actual_value_is_a_mismatch() {
        let src = instance("ins-s1", "ap-guangzhou-3", 0, "vpc-1");
        let target = Placement::of_instance(&src, GZ);
        // An internal CLB whose subnet zone we could not learn.
        let list = check(
            &target,
            &[Party::load_balancer(&internal_clb(0, "vpc-1"), GZ, None)],
        );
        let zone = list
            .checks
            .iter()
            .find(|c| c.attribute == Attribute::Zone)
            .unwrap();
        assert!(!zone.ok);
        assert_eq!(zone.actual, "?");
    }

    #[test]
    fn open_clb_zone_is_not_compared() {
        let src = instance("ins-b1", "ap-guangzhou-3", 0, "vpc-1");
        let lb = clb::LoadBalancer {
            load_balancer_type: Some("OPEN".into()),
            ..internal_clb(0, "vpc-1")
        };
        let list = check(
            &Placement::of_instance(&src, GZ),
            &[Party::load_balancer(&lb, GZ, None)],
        );
        assert!(list.checks.iter().all(|c| c.attribute != Attribute::Zone));
        assert!(!list.is_blocked());
    }

    #[test]
    fn lines_read_well_in_both_languages() {
        let src = instance("ins-s1", "ap-guangzhou-3", 0, "vpc-1");
        let other = instance("ins-z4", "ap-guangzhou-4", 0, "vpc-1");
        let list = check(
            &Placement::of_instance(&src, GZ),
            &[Party::existing_server(&other, GZ)],
        );
        let zone = &list.checks[1];
        assert_eq!(
            zone.item(Lang::En),
            "zone of server ins-z4 mina_auth: ap-guangzhou-4 (expected ap-guangzhou-3)"
        );
        for c in &list.checks {
            for lang in [Lang::En, Lang::Zh] {
                assert!(!c.item(lang).contains('['));
            }
        }
    }

    #[test]
    fn placed_alike_is_zone_then_project_then_vpc_with_the_default_project_as_0() {
        let at = |zone: &str, project: Option<i64>, vpc: &str| Placement {
            region: Some("ap-guangzhou".into()),
            zone: Some(zone.into()),
            project_id: project,
            vpc_id: Some(vpc.into()),
        };
        let source = at("ap-guangzhou-3", None, "vpc-1");
        assert_eq!(
            source.differs_from(&at("ap-guangzhou-3", Some(0), "vpc-1")),
            None
        );
        assert_eq!(
            source.differs_from(&at("ap-guangzhou-4", Some(0), "vpc-1")),
            Some(Attribute::Zone)
        );
        assert_eq!(
            source.differs_from(&at("ap-guangzhou-3", Some(7), "vpc-1")),
            Some(Attribute::Project)
        );
        assert_eq!(
            source.differs_from(&at("ap-guangzhou-3", None, "vpc-2")),
            Some(Attribute::Vpc)
        );
    }
}
