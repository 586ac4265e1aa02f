//! Does a security group let the CLB VIP reach a backend port? Ingress rules
//! are evaluated in order, as Tencent Cloud does: the first matching rule
//! decides (ACCEPT or DROP); no matching rule means the traffic is dropped.
//!
//! Rules we cannot evaluate locally (address templates, service templates,
//! another security group as source, IPv6-only or unreadable CIDRs) are
//! skipped and reported, and any such rule placed before the deciding one
//! makes the verdict uncertain.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::cloud::models::vpc;
use crate::i18n::{t, tf, Lang};

/// The protocol of the traffic we ask about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Icmp => "ICMP",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Accept,
    Drop,
}

/// Why a rule was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CannotEvaluate {
    /// `AddressTemplate` (IP address object or group) as source.
    AddressTemplate,
    /// `ServiceTemplate` (protocol-port object or group) instead of Protocol+Port.
    ServiceTemplate,
    /// Another security group as source.
    SecurityGroupSource,
    /// A protocol, port or CIDR we do not understand (kept verbatim).
    Unreadable(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// Position in the ingress list.
    pub index: usize,
    pub why: CannotEvaluate,
}

/// The answer for one security group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub verdict: Verdict,
    /// Position in the ingress list of the rule that decided; `None` when
    /// no rule matched (implicit drop).
    pub matched: Option<usize>,
    pub skipped: Vec<Skipped>,
}

impl Evaluation {
    /// A skipped rule came before the decision: it might have decided otherwise.
    pub fn uncertain(&self) -> bool {
        let decided_at = self.matched.unwrap_or(usize::MAX);
        self.skipped.iter().any(|s| s.index < decided_at)
    }

    pub fn allows(&self) -> bool {
        self.verdict == Verdict::Accept
    }

    /// One line for the Security group screen.
    pub fn describe(&self, lang: Lang) -> String {
        let mut s = match (self.verdict, self.matched) {
            (Verdict::Accept, Some(i)) => tf(lang, "scaleout.sg.accepted_by", &[("n", &(i + 1))]),
            (Verdict::Drop, Some(i)) => tf(lang, "scaleout.sg.dropped_by", &[("n", &(i + 1))]),
            (_, None) => t(lang, "scaleout.sg.no_rule"),
        };
        if self.uncertain() {
            s.push_str(&t(lang, "scaleout.sg.uncertain"));
        }
        s
    }
}

/// Evaluates `set`'s ingress rules for traffic from `source` with `protocol` to `port`.
pub fn evaluate_ingress(
    set: &vpc::SecurityGroupPolicySet,
    source: Ipv4Addr,
    protocol: Protocol,
    port: u16,
) -> Evaluation {
    let rules = set.ingress.as_deref().unwrap_or(&[]);
    let mut skipped = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        match rule_matches(rule, source, protocol, port) {
            Ok(true) => {
                let verdict = match rule.action.as_deref().map(str::to_ascii_uppercase) {
                    Some(a) if a == "ACCEPT" => Verdict::Accept,
                    Some(a) if a == "DROP" => Verdict::Drop,
                    other => {
                        skipped.push(Skipped {
                            index,
                            why: CannotEvaluate::Unreadable(format!(
                                "Action={}",
                                other.unwrap_or_default()
                            )),
                        });
                        continue;
                    }
                };
                return Evaluation {
                    verdict,
                    matched: Some(index),
                    skipped,
                };
            }
            Ok(false) => {}
            Err(why) => skipped.push(Skipped { index, why }),
        }
    }
    Evaluation {
        verdict: Verdict::Drop,
        matched: None,
        skipped,
    }
}

/// Shorthand for the guide's question: may the CLB VIP reach TCP `port`?
pub fn vip_allowed(set: &vpc::SecurityGroupPolicySet, vip: Ipv4Addr, port: u16) -> Evaluation {
    evaluate_ingress(set, vip, Protocol::Tcp, port)
}

/// The rule tcscale adds when the VIP is not allowed: TCP from `vip/32` to
/// `port`, ACCEPT. `PolicyIndex` 0 inserts it first, so no earlier DROP can
/// shadow it.
pub fn rule_to_add(vip: &str, port: u16) -> vpc::SecurityGroupPolicy {
    vpc::SecurityGroupPolicy {
        policy_index: Some(0),
        protocol: Some("TCP".into()),
        port: Some(port.to_string()),
        cidr_block: Some(format!("{vip}/32")),
        action: Some("ACCEPT".into()),
        policy_description: Some(RULE_DESCRIPTION.into()),
        ..Default::default()
    }
}

/// The description tcscale puts on the rules it adds (to find them again).
pub const RULE_DESCRIPTION: &str = "tcscale: CLB VIP";

/// Whether `rules` hold the very rule tcscale adds for (`vip`, `port`): how
/// a rule sent before a crash is recognised as this run's, in whatever form
/// the API hands it back ([`same_policy`]).
pub fn has_added_rule(rules: &[vpc::SecurityGroupPolicy], vip: &str, port: u16) -> bool {
    let want = rule_to_add(vip, port);
    rules.iter().any(|r| same_policy(r, &want))
}

/// Whether two rules say the same thing, compared by meaning rather than
/// text: the VPC may hand a rule back normalised (`10.0.1.13/32` as
/// `10.0.1.13`, `tcp` for `TCP`, `80-80` for `80`). The description must
/// match too (trimmed): it is what marks a rule as tcscale's.
pub fn same_policy(a: &vpc::SecurityGroupPolicy, b: &vpc::SecurityGroupPolicy) -> bool {
    let upper = |s: &Option<String>| s.as_deref().map(|v| v.trim().to_ascii_uppercase());
    let trimmed = |s: &Option<String>| s.as_deref().map(str::trim).unwrap_or("").to_string();
    let cidr = |p: &vpc::SecurityGroupPolicy| p.cidr_block.as_deref().map(canonical_cidr);
    let ports = |p: &vpc::SecurityGroupPolicy| canonical_ports(p.port.as_deref().unwrap_or(""));
    upper(&a.protocol) == upper(&b.protocol)
        && upper(&a.action) == upper(&b.action)
        && cidr(a).is_some_and(|c| c.is_some())
        && cidr(a) == cidr(b)
        && ports(a).is_some()
        && ports(a) == ports(b)
        && trimmed(&a.policy_description) == trimmed(&b.policy_description)
}

/// A CIDR as (network address, prefix length): `10.0.1.13`, `10.0.1.13/32`
/// and ` 10.0.1.13/32 ` are one; `None` when unreadable.
pub fn canonical_cidr(cidr: &str) -> Option<(Ipv4Addr, u8)> {
    let (addr, bits) = match cidr.trim().split_once('/') {
        Some((a, b)) => (a.trim(), b.trim().parse::<u8>().ok()?),
        None => (cidr.trim(), 32),
    };
    let addr: Ipv4Addr = addr.parse().ok()?;
    if bits > 32 {
        return None;
    }
    Some((Ipv4Addr::from(u32::from(addr) & prefix_mask(bits)), bits))
}

/// A port spec as sorted, merged ranges: `80`, `80-80` and ` 80 ` are one,
/// `80,81` is `80-81`, `ALL` and empty are every port; `None` when unreadable.
pub fn canonical_ports(spec: &str) -> Option<Vec<(u16, u16)>> {
    let s = spec.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("all") {
        return Some(vec![(0, u16::MAX)]);
    }
    let mut ranges = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
            None => {
                let p: u16 = part.parse().ok()?;
                (p, p)
            }
        };
        if a > b {
            return None;
        }
        ranges.push((a, b));
    }
    ranges.sort_unstable();
    let mut merged: Vec<(u16, u16)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if u32::from(a) <= u32::from(last.1) + 1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    Some(merged)
}

/// `rule_to_add` wrapped as `CreateSecurityGroupPolicies` wants it.
pub fn policy_set_to_add(vip: &str, port: u16) -> vpc::SecurityGroupPolicySet {
    vpc::SecurityGroupPolicySet {
        ingress: Some(vec![rule_to_add(vip, port)]),
        ..Default::default()
    }
}

fn rule_matches(
    rule: &vpc::SecurityGroupPolicy,
    source: Ipv4Addr,
    protocol: Protocol,
    port: u16,
) -> Result<bool, CannotEvaluate> {
    if rule.address_template.as_ref().is_some_and(|a| {
        a.address_id.as_deref().is_some_and(|s| !s.is_empty())
            || a.address_group_id.as_deref().is_some_and(|s| !s.is_empty())
    }) {
        return Err(CannotEvaluate::AddressTemplate);
    }
    if rule.service_template.as_ref().is_some_and(|s| {
        s.service_id.as_deref().is_some_and(|v| !v.is_empty())
            || s.service_group_id.as_deref().is_some_and(|v| !v.is_empty())
    }) {
        return Err(CannotEvaluate::ServiceTemplate);
    }
    let cidr = rule.cidr_block.as_deref().map(str::trim).unwrap_or("");
    if cidr.is_empty() {
        if rule
            .security_group_id
            .as_deref()
            .is_some_and(|s| !s.is_empty())
        {
            return Err(CannotEvaluate::SecurityGroupSource);
        }
        if rule
            .ipv6_cidr_block
            .as_deref()
            .is_some_and(|s| !s.is_empty())
        {
            // An IPv6 rule never matches an IPv4 source.
            return Ok(false);
        }
        return Err(CannotEvaluate::Unreadable("CidrBlock=".into()));
    }
    if !protocol_matches(rule.protocol.as_deref().unwrap_or(""), protocol)? {
        return Ok(false);
    }
    if protocol != Protocol::Icmp && !port_matches(rule.port.as_deref().unwrap_or(""), port)? {
        return Ok(false);
    }
    cidr_contains(cidr, source)
        .ok_or_else(|| CannotEvaluate::Unreadable(format!("CidrBlock={cidr}")))
}

fn protocol_matches(rule: &str, protocol: Protocol) -> Result<bool, CannotEvaluate> {
    let r = rule.trim().to_ascii_uppercase();
    match r.as_str() {
        "ALL" => Ok(true),
        "TCP" | "UDP" | "ICMP" => Ok(r == protocol.name()),
        "ICMPV6" | "GRE" => Ok(false),
        _ => Err(CannotEvaluate::Unreadable(format!("Protocol={rule}"))),
    }
}

/// Port syntax: `ALL`, `80`, `80-90`, `22,80,443` (an empty port means all,
/// as with protocol ALL).
pub fn port_matches(rule: &str, port: u16) -> Result<bool, CannotEvaluate> {
    let r = rule.trim();
    if r.is_empty() || r.eq_ignore_ascii_case("all") {
        return Ok(true);
    }
    let bad = || CannotEvaluate::Unreadable(format!("Port={rule}"));
    for part in r.split(',') {
        let part = part.trim();
        let hit = match part.split_once('-') {
            Some((a, b)) => {
                let a: u16 = a.trim().parse().map_err(|_| bad())?;
                let b: u16 = b.trim().parse().map_err(|_| bad())?;
                (a..=b).contains(&port)
            }
            None => part.parse::<u16>().map_err(|_| bad())? == port,
        };
        if hit {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `10.0.0.0/8`, `0.0.0.0/0` or a single address; `None` when unreadable.
/// Tencent maps every `0.0.0.0/n` to `0.0.0.0/0`.
pub fn cidr_contains(cidr: &str, ip: Ipv4Addr) -> Option<bool> {
    let (net, bits) = canonical_cidr(cidr)?;
    if net.is_unspecified() {
        return Some(true);
    }
    Some(u32::from(net) == u32::from(ip) & prefix_mask(bits))
}

fn prefix_mask(bits: u8) -> u32 {
    if bits == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(bits.min(32)))
    }
}

#[cfg(test)]
mod added_rule_tests {
    use super::*;

    #[test]
    fn the_added_rule_is_recognised_and_lookalikes_are_not() {
        let mine = rule_to_add("10.0.1.13", 80);
        assert!(has_added_rule(std::slice::from_ref(&mine), "10.0.1.13", 80));
        assert!(!has_added_rule(
            std::slice::from_ref(&mine),
            "10.0.1.13",
            8080
        ));
        assert!(!has_added_rule(
            std::slice::from_ref(&mine),
            "10.0.1.14",
            80
        ));
        let someones = vpc::SecurityGroupPolicy {
            policy_description: Some("opened by ops".into()),
            ..mine.clone()
        };
        assert!(!has_added_rule(&[someones], "10.0.1.13", 80));
        let lower = vpc::SecurityGroupPolicy {
            protocol: Some("tcp".into()),
            action: Some("accept".into()),
            ..mine
        };
        assert!(has_added_rule(&[lower], "10.0.1.13", 80));
    }

    #[test]
    fn the_added_rule_is_recognised_in_normalised_forms() {
        let mine = rule_to_add("10.0.1.13", 80);
        for (cidr, port, proto) in [
            ("10.0.1.13", "80", "tcp"),
            (" 10.0.1.13/32 ", "80-80", "Tcp"),
            ("10.0.1.13/32", " 80 ", "TCP"),
        ] {
            let normalised = vpc::SecurityGroupPolicy {
                cidr_block: Some(cidr.into()),
                port: Some(port.into()),
                protocol: Some(proto.into()),
                policy_index: Some(3),
                modify_time: Some("2026-12-02 10:00:00".into()),
                ..mine.clone()
            };
            assert!(
                has_added_rule(&[normalised], "10.0.1.13", 80),
                "{cidr} {port} {proto}"
            );
        }
        // a wider network, another port set or protocol is not the rule
        for (cidr, port, proto) in [
            ("10.0.1.0/24", "80", "TCP"),
            ("10.0.1.13", "80-81", "TCP"),
            ("10.0.1.13", "ALL", "TCP"),
            ("10.0.1.13", "80", "UDP"),
            ("10.0.1.13/33", "80", "TCP"),
        ] {
            let other = vpc::SecurityGroupPolicy {
                cidr_block: Some(cidr.into()),
                port: Some(port.into()),
                protocol: Some(proto.into()),
                ..mine.clone()
            };
            assert!(
                !has_added_rule(&[other], "10.0.1.13", 80),
                "{cidr} {port} {proto}"
            );
        }
    }

    #[test]
    fn canonical_forms() {
        let host = Some((Ipv4Addr::new(10, 0, 1, 13), 32));
        assert_eq!(canonical_cidr("10.0.1.13"), host);
        assert_eq!(canonical_cidr(" 10.0.1.13/32"), host);
        assert_eq!(
            canonical_cidr("10.0.1.77/24"),
            Some((Ipv4Addr::new(10, 0, 1, 0), 24))
        );
        assert_eq!(canonical_cidr("10.0.1.13/40"), None);
        assert_eq!(canonical_cidr("vpc-x"), None);
        assert_eq!(canonical_ports("80"), Some(vec![(80, 80)]));
        assert_eq!(canonical_ports("80-80"), canonical_ports(" 80 "));
        assert_eq!(canonical_ports("81,80"), Some(vec![(80, 81)]));
        assert_eq!(
            canonical_ports("22,80-90,85"),
            Some(vec![(22, 22), (80, 90)])
        );
        assert_eq!(canonical_ports("all"), canonical_ports(""));
        assert_eq!(canonical_ports("90-80"), None);
        assert_eq!(canonical_ports("http"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(proto: &str, port: &str, cidr: &str, action: &str) -> vpc::SecurityGroupPolicy {
        vpc::SecurityGroupPolicy {
            protocol: Some(proto.into()),
            port: Some(port.into()),
            cidr_block: Some(cidr.into()),
            action: Some(action.into()),
            ..Default::default()
        }
    }

    fn set(rules: Vec<vpc::SecurityGroupPolicy>) -> vpc::SecurityGroupPolicySet {
        vpc::SecurityGroupPolicySet {
            ingress: Some(rules),
            ..Default::default()
        }
    }

    const VIP: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 20);

    #[test]
    fn first_match_decides() {
        let s = set(vec![
            rule("TCP", "22", "0.0.0.0/0", "ACCEPT"),
            rule("TCP", "80", "10.0.1.20", "DROP"),
            rule("ALL", "ALL", "0.0.0.0/0", "ACCEPT"),
        ]);
        let e = vip_allowed(&s, VIP, 80);
        assert_eq!((e.verdict, e.matched), (Verdict::Drop, Some(1)));
        let e = vip_allowed(&s, VIP, 8080);
        assert_eq!((e.verdict, e.matched), (Verdict::Accept, Some(2)));
        assert!(!e.uncertain());
    }

    #[test]
    fn no_match_drops() {
        let e = vip_allowed(
            &set(vec![rule("TCP", "22", "0.0.0.0/0", "ACCEPT")]),
            VIP,
            80,
        );
        assert_eq!((e.verdict, e.matched), (Verdict::Drop, None));
        let e = vip_allowed(&vpc::SecurityGroupPolicySet::default(), VIP, 80);
        assert!(!e.allows());
    }

    #[test]
    fn port_forms() {
        for (p, port, want) in [
            ("80", 80, true),
            ("80", 81, false),
            ("80-90", 85, true),
            ("80-90", 91, false),
            ("ALL", 1, true),
            ("all", 65535, true),
            ("22,80,443", 443, true),
            ("22,80,443", 8080, false),
            ("22, 8000-8100", 8080, true),
        ] {
            assert_eq!(port_matches(p, port), Ok(want), "{p} {port}");
        }
        assert!(port_matches("eighty", 80).is_err());
    }

    #[test]
    fn cidr_forms() {
        assert_eq!(cidr_contains("0.0.0.0/0", VIP), Some(true));
        assert_eq!(cidr_contains("0.0.0.0/16", VIP), Some(true));
        assert_eq!(cidr_contains("10.0.0.0/16", VIP), Some(true));
        assert_eq!(cidr_contains("10.1.0.0/16", VIP), Some(false));
        assert_eq!(cidr_contains("10.0.1.20/32", VIP), Some(true));
        assert_eq!(cidr_contains("10.0.1.20", VIP), Some(true));
        assert_eq!(cidr_contains("10.0.1.21", VIP), Some(false));
        assert_eq!(cidr_contains("10.0.1.0/33", VIP), None);
        assert_eq!(cidr_contains("banana", VIP), None);
    }

    #[test]
    fn protocols() {
        let s = set(vec![
            rule("UDP", "80", "0.0.0.0/0", "ACCEPT"),
            rule("ICMP", "", "0.0.0.0/0", "ACCEPT"),
            rule("tcp", "80", "0.0.0.0/0", "accept"),
        ]);
        let e = vip_allowed(&s, VIP, 80);
        assert_eq!((e.verdict, e.matched), (Verdict::Accept, Some(2)));
        let e = evaluate_ingress(&s, VIP, Protocol::Icmp, 0);
        assert_eq!(e.matched, Some(1));
        let e = evaluate_ingress(&s, VIP, Protocol::Udp, 80);
        assert_eq!(e.matched, Some(0));
    }

    #[test]
    fn templates_and_sg_sources_are_skipped_and_make_it_uncertain() {
        let mut tmpl = rule("TCP", "80", "", "DROP");
        tmpl.address_template = Some(vpc::AddressTemplateSpecification {
            address_id: Some("ipm-1".into()),
            ..Default::default()
        });
        let mut sg_src = rule("TCP", "80", "", "DROP");
        sg_src.security_group_id = Some("sg-other".into());
        let s = set(vec![tmpl, sg_src, rule("TCP", "80", "0.0.0.0/0", "ACCEPT")]);
        let e = vip_allowed(&s, VIP, 80);
        assert_eq!((e.verdict, e.matched), (Verdict::Accept, Some(2)));
        assert_eq!(
            e.skipped,
            vec![
                Skipped {
                    index: 0,
                    why: CannotEvaluate::AddressTemplate
                },
                Skipped {
                    index: 1,
                    why: CannotEvaluate::SecurityGroupSource
                },
            ]
        );
        assert!(e.uncertain());
        assert!(e.describe(Lang::En).contains("rule 3"));
    }

    #[test]
    fn the_added_rule_makes_it_allowed() {
        let mut rules = vec![rule("ALL", "ALL", "0.0.0.0/0", "DROP")];
        assert!(!vip_allowed(&set(rules.clone()), VIP, 80).allows());
        let add = rule_to_add("10.0.1.20", 80);
        assert_eq!(add.cidr_block.as_deref(), Some("10.0.1.20/32"));
        assert_eq!(add.policy_description.as_deref(), Some(RULE_DESCRIPTION));
        rules.insert(0, add);
        let e = vip_allowed(&set(rules), VIP, 80);
        assert_eq!((e.verdict, e.matched), (Verdict::Accept, Some(0)));
        assert_eq!(policy_set_to_add("10.0.1.20", 80).ingress.unwrap().len(), 1);
    }
}
