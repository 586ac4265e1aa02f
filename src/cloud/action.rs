//! What every API action has in common: which service it belongs to, its
//! name on the wire and its response type. The generated models implement
//! [`Action`] for each request object, so a call is typed end to end.

use serde::{de::DeserializeOwned, Serialize};

/// The Tencent Cloud services tcscale talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    Cvm,
    Clb,
    Vpc,
    As,
    Tat,
    Tag,
}

impl Service {
    pub const ALL: [Service; 6] = [
        Service::Cvm,
        Service::Clb,
        Service::Vpc,
        Service::As,
        Service::Tat,
        Service::Tag,
    ];

    /// The name used in the host and the credential scope (`as` for Auto Scaling).
    pub fn name(self) -> &'static str {
        match self {
            Service::Cvm => "cvm",
            Service::Clb => "clb",
            Service::Vpc => "vpc",
            Service::As => "as",
            Service::Tat => "tat",
            Service::Tag => "tag",
        }
    }

    /// The API version tcscale speaks for this service (`X-TC-Version`).
    pub fn version(self) -> &'static str {
        match self {
            Service::Cvm => "2017-03-12",
            Service::Clb => "2018-03-17",
            Service::Vpc => "2017-03-12",
            Service::As => "2018-04-19",
            Service::Tat => "2020-10-28",
            Service::Tag => "2018-08-13",
        }
    }

    /// The public endpoint host. Regional hosts (`cvm.ap-guangzhou.…`) also
    /// exist; the global one routes by `X-TC-Region`, which is what the SDKs use.
    pub fn host(self) -> String {
        format!("{}.tencentcloudapi.com", self.name())
    }

    /// Parses a service name as typed by a user (`autoscaling` is accepted for `as`,
    /// as tccli calls it).
    pub fn parse(s: &str) -> Option<Service> {
        match s.to_ascii_lowercase().as_str() {
            "cvm" => Some(Service::Cvm),
            "clb" => Some(Service::Clb),
            "vpc" => Some(Service::Vpc),
            "as" | "autoscaling" => Some(Service::As),
            "tat" => Some(Service::Tat),
            "tag" => Some(Service::Tag),
            _ => None,
        }
    }

    /// Whether the service answers without `X-TC-Region` (Tag is global).
    pub fn is_global(self) -> bool {
        matches!(self, Service::Tag)
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A request object of one API action. Implemented by the generated models.
pub trait Action: Serialize {
    const SERVICE: Service;
    const NAME: &'static str;
    type Response: DeserializeOwned;

    /// The request's idempotency key, for the actions whose definition has
    /// a `ClientToken` (the generated models say which).
    fn client_token(&self) -> Option<&str> {
        None
    }

    /// The request only asks whether it would pass (`DryRun: true`), for
    /// the actions whose definition has a `DryRun`.
    fn dry_run(&self) -> bool {
        false
    }
}

/// The type of one member in the official definitions; used by the simulator
/// to validate requests exactly as declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Str,
    Int,
    UInt,
    Bool,
    Float,
    Object(&'static str),
    List(&'static Ty),
}

#[derive(Debug, Clone, Copy)]
pub struct MemberSpec {
    pub name: &'static str,
    pub ty: Ty,
    /// Required in a request.
    pub required: bool,
    /// Always present in an answer (`output_required` of the definitions).
    pub output_required: bool,
    /// May be `null` in an answer (`value_allowed_null`).
    pub nullable: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct ObjectSpec {
    pub name: &'static str,
    pub members: &'static [MemberSpec],
}

/// Everything generated for one service, in one place.
pub struct ServiceSpec {
    pub service: Service,
    pub version: &'static str,
    /// (action, request object, response object)
    pub actions: &'static [(&'static str, &'static str, &'static str)],
    pub objects: &'static [ObjectSpec],
    pub error_codes: &'static [(&'static str, &'static str)],
}

impl ServiceSpec {
    pub fn object(&self, name: &str) -> Option<&'static ObjectSpec> {
        self.objects.iter().find(|o| o.name == name)
    }
    pub fn action(&self, name: &str) -> Option<(&'static str, &'static str)> {
        self.actions
            .iter()
            .find(|(a, _, _)| *a == name)
            .map(|(_, i, o)| (*i, *o))
    }
    pub fn error_description(&self, code: &str) -> Option<&'static str> {
        self.error_codes
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, d)| *d)
    }
}

/// The generated tables of a service.
pub fn spec(service: Service) -> ServiceSpec {
    use crate::cloud::models::*;
    macro_rules! s {
        ($m:ident) => {
            ServiceSpec {
                service,
                version: $m::VERSION,
                actions: $m::ACTIONS,
                objects: $m::OBJECTS,
                error_codes: $m::ERROR_CODES,
            }
        };
    }
    match service {
        Service::Cvm => s!(cvm),
        Service::Clb => s!(clb),
        Service::Vpc => s!(vpc),
        Service::As => s!(autoscaling),
        Service::Tat => s!(tat),
        Service::Tag => s!(tag),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_versions_match_the_wire_versions() {
        for s in Service::ALL {
            assert_eq!(spec(s).version, s.version(), "{s}");
            assert!(!spec(s).actions.is_empty());
        }
    }

    #[test]
    fn every_action_has_its_objects() {
        for s in Service::ALL {
            let sp = spec(s);
            for (a, i, _) in sp.actions {
                assert!(sp.object(i).is_some(), "{s} {a} lacks {i}");
            }
        }
    }
}
