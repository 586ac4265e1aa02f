//! The guide as data and pure rules (no UI; the rules call nothing), and
//! the engine that performs it through the cloud client ([`runner`]).
//!
//! - [`eligibility`]: may an instance be bound to a CLB (the console's rule)
//! - [`consistency`]: do new instances, image, CLB and existing servers share placement
//! - [`security_group`]: does a security group let the CLB VIP reach the backend port
//! - [`sdk_config`]: the `authServerUrl` edit of `sdk.config`, formatting kept
//! - [`remote_op`]: the declared-operation header of remote scripts and its application
//!   to a virtual filesystem (what the simulator does instead of running a script)
//! - [`scripts`]: the real bash / PowerShell scripts sent through TAT
//! - [`validate`]: field validation shared by the plan file and the TUI forms
//! - [`plan`]: the non-interactive plan file of `tcscale apply`
//! - [`steps`]: the guide's steps per role and the API calls each makes
//! - [`journal`]: the run journal (resume / cleanup)
//! - [`run`]: how a run ended, from its journal alone (one verdict for every front end)

pub mod account;
pub mod autoscaling;
pub mod browse_tree;
pub mod consistency;
pub mod cron;
pub mod discover;
pub mod eligibility;
pub mod journal;
pub mod overview_checks;
pub mod plan;
pub mod preflight;
pub mod remote_op;
pub mod run;
pub mod runner;
pub mod scripts;
pub mod sdk_config;
pub mod security_group;
pub mod steps;
pub mod validate;
