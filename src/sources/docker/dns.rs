//! `probe dns`: resolve a name inside a running container the way its
//! program would, several times, and say who answered.
//!
//! This is the decisive test of a routing collision (see
//! `shared/spec/verdicts.md`): inside the proxy-side container, does bare
//! `app` reach the stack's own service, or other stacks' services on the
//! shared network? Each address `getent hosts` returns is mapped to its
//! owner (a service's VIP, a container's address, a network's load
//! balancer) from the inspections of the container's networks and of the
//! Swarm services, so the report names stacks, not bare IPs.
//!
//! The report also shows the order in which Docker's embedded DNS walks
//! the container's networks, because that order decides which stacks are
//! hit. libnetwork keeps a sandbox's endpoints sorted so that endpoints on
//! `internal: true` networks come after the others and, among equals, by
//! network name ascending; the name is answered from the FIRST network that
//! knows it. Observed on this project's Docker 20.10 test engine (see
//! `tests/probe_docker.rs`): a container on `aa…_internal` and `m…-proxy`
//! gets its own `app`; one on `m…-proxy` and `zz…_internal` gets the other
//! stacks' `app`; one on an `internal: true` network that sorts before
//! `m…-proxy` still gets the other stacks' `app`. The report states the
//! predicted network (first in that order that knows the name) beside the
//! one that actually answered, so a different engine shows up as a
//! mismatch instead of a silent wrong claim.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::aliases::{Holder, HolderKind, holders};
use super::source::{ContainerFacts, ExecFacts, NetworkFacts, ServiceFacts};
use super::{Prober, close_names, not_found};
use crate::error::{Error, Result};
use crate::model::Evidence;

/// What a resolved address belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OwnerKind {
    /// A service's virtual IP (the usual answer for a service name).
    ServiceVip,
    /// A container's own address (a task, or a plain container).
    Container,
    /// A network's load-balancer endpoint.
    LoadBalancer,
    /// Nothing on the container's networks has this address.
    Unknown,
}

/// One address `getent hosts` returned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DnsAnswer {
    /// The address (IPv4 or IPv6).
    pub address: String,
    /// In how many tries it came back.
    pub seen: u32,
    /// What kind of thing owns it.
    pub owner: OwnerKind,
    /// The owning service, if a service's VIP or task.
    pub service: Option<String>,
    /// The owning container (or load balancer endpoint).
    pub container: Option<String>,
    /// The owner's stack.
    pub stack: Option<String>,
    /// The network the address is on.
    pub network: Option<String>,
}

/// One network of the target container, in DNS walk order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WalkStep {
    /// 1 is walked first.
    pub position: usize,
    /// The network's name.
    pub network: String,
    /// `internal: true` networks are walked after all others.
    pub internal: bool,
    /// The container's own address there.
    pub address: Option<String>,
    /// Who answers to the name on this network (stacks, or `container X`).
    pub holders: Vec<String>,
}

/// One `getent hosts` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DnsTry {
    /// `getent`'s exit code: 0 found, 2 no such name.
    pub exit_code: Option<i64>,
    /// What it printed: `<address> <name>` lines.
    pub stdout: String,
    /// Its stderr.
    pub stderr: String,
}

/// What resolving a name inside a container reached.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DnsReport {
    /// How to see the same thing by hand.
    pub command: String,
    /// The container or service as asked.
    pub target: String,
    /// The container the name was resolved in.
    pub container: String,
    /// Its full id.
    pub container_id: String,
    /// Its service, when it is a Swarm task.
    pub service: Option<String>,
    /// Its stack (`com.docker.stack.namespace`).
    pub stack: Option<String>,
    /// The name resolved.
    pub name: String,
    /// The container's networks in the order the embedded DNS walks them.
    pub networks: Vec<WalkStep>,
    /// The first network in walk order that knows the name: where the
    /// answer should come from.
    pub predicted_network: Option<String>,
    /// The networks the answers actually are on.
    pub answered_from: Vec<String>,
    /// Every address returned, with its owner.
    pub answers: Vec<DnsAnswer>,
    /// Some answer belongs to the container's own stack.
    pub own_stack_reached: bool,
    /// The other stacks (or stack-less owners) answers belong to.
    pub other_stacks: Vec<String>,
    /// The name reaches another stack from a container in a stack (or, for
    /// a container in none, two or more stacks).
    pub collision: bool,
    /// One sentence saying what happened and why.
    pub summary: String,
    /// Every try's raw output, in order.
    pub tries: Vec<DnsTry>,
}

/// The addresses in `getent hosts` output: the first field of each line,
/// when it is an IP address (anything else is not getent's answer).
pub fn parse_getent(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|a| a.parse::<std::net::IpAddr>().is_ok())
        .map(str::to_string)
        .collect()
}

/// Sorts networks the way libnetwork orders a sandbox's endpoints for name
/// resolution: non-internal first, then by name.
pub fn walk_order(networks: &mut [NetworkFacts]) {
    networks.sort_by(|a, b| walk_key(a).cmp(&walk_key(b)));
}

fn walk_key(n: &NetworkFacts) -> (bool, &str) {
    (n.internal, &n.name)
}

/// Whether `addr` lies in `subnet` (IPv4 CIDR); false for anything else.
fn in_subnet(addr: &str, subnet: &str) -> bool {
    let Some((base, len)) = subnet.split_once('/') else {
        return false;
    };
    let (Ok(a), Ok(b), Ok(len)) = (
        addr.parse::<Ipv4Addr>(),
        base.parse::<Ipv4Addr>(),
        len.parse::<u32>(),
    ) else {
        return false;
    };
    if len > 32 {
        return false;
    }
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    u32::from(a) & mask == u32::from(b) & mask
}

/// Who owns `addr`, looked up on the container's networks in walk order.
fn owner_of(
    addr: &str,
    nets: &[(NetworkFacts, Vec<Holder>)],
    services: &[ServiceFacts],
) -> (
    OwnerKind,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
) {
    for (net, hs) in nets {
        // A service name resolves to its VIP; a container name (or a dnsrr
        // service) to a container address.
        if let Some(h) = hs
            .iter()
            .find(|h| h.kind == HolderKind::Service && h.address.as_deref() == Some(addr))
        {
            return (
                OwnerKind::ServiceVip,
                h.service.clone(),
                None,
                h.stack.clone(),
                Some(net.name.clone()),
            );
        }
        if let Some(ns) = net.services.iter().find(|s| s.vip.as_deref() == Some(addr)) {
            let stack = services
                .iter()
                .find(|s| s.name == ns.name)
                .and_then(|s| s.stack().map(str::to_string));
            return (
                OwnerKind::ServiceVip,
                Some(ns.name.clone()),
                None,
                stack,
                Some(net.name.clone()),
            );
        }
        if let Some(h) = hs.iter().find(|h| {
            matches!(h.kind, HolderKind::Container | HolderKind::Task)
                && h.address.as_deref() == Some(addr)
        }) {
            return (
                OwnerKind::Container,
                h.service.clone(),
                h.container.clone(),
                h.stack.clone(),
                Some(net.name.clone()),
            );
        }
        if let Some(ep) = net
            .endpoints
            .iter()
            .find(|e| e.key.starts_with("lb-") && e.address.as_deref() == Some(addr))
        {
            return (
                OwnerKind::LoadBalancer,
                None,
                Some(ep.name.clone()),
                net.stack().map(str::to_string),
                Some(net.name.clone()),
            );
        }
    }
    let net = nets
        .iter()
        .find(|(n, _)| n.subnets.iter().any(|s| in_subnet(addr, s)))
        .map(|(n, _)| n.name.clone());
    (OwnerKind::Unknown, None, None, None, net)
}

/// Builds the report from the facts; pure, so replay gives the same report.
#[allow(clippy::too_many_arguments)]
pub fn analyse(
    target: &str,
    name: &str,
    container: &ContainerFacts,
    mut nets: Vec<(NetworkFacts, Vec<Holder>)>,
    services: &[ServiceFacts],
    tries: Vec<ExecFacts>,
) -> DnsReport {
    nets.sort_by(|(a, _), (b, _)| walk_key(a).cmp(&walk_key(b)));
    let own = container.stack().map(str::to_string);
    let steps: Vec<WalkStep> = nets
        .iter()
        .enumerate()
        .map(|(i, (net, hs))| WalkStep {
            position: i + 1,
            network: net.name.clone(),
            internal: net.internal,
            address: container
                .networks
                .iter()
                .find(|a| a.network_id == net.id || a.network == net.name)
                .and_then(|a| a.address.clone()),
            holders: hs
                .iter()
                .filter(|h| h.name == name)
                .map(Holder::owner)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        })
        .collect();
    let predicted = steps
        .iter()
        .find(|s| !s.holders.is_empty())
        .map(|s| s.network.clone());

    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for t in tries.iter().filter(|t| t.exit_code == Some(0)) {
        let addrs: BTreeSet<String> = parse_getent(&t.stdout).into_iter().collect();
        for a in addrs {
            if !seen.contains_key(&a) {
                order.push(a.clone());
            }
            *seen.entry(a).or_default() += 1;
        }
    }
    let answers: Vec<DnsAnswer> = order
        .iter()
        .map(|addr| {
            let (owner, service, ctr, stack, network) = owner_of(addr, &nets, services);
            DnsAnswer {
                address: addr.clone(),
                seen: seen[addr],
                owner,
                service,
                container: ctr,
                stack,
                network,
            }
        })
        .collect();
    let answered_from: Vec<String> = answers
        .iter()
        .filter_map(|a| a.network.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let owner_label = |a: &DnsAnswer| -> String {
        match (&a.stack, &a.service, &a.container) {
            (Some(s), _, _) => s.clone(),
            (None, Some(s), _) => format!("service {s}"),
            (None, None, Some(c)) => format!("container {c}"),
            _ => format!("unknown {}", a.address),
        }
    };
    let own_stack_reached = own
        .as_ref()
        .is_some_and(|o| answers.iter().any(|a| a.stack.as_ref() == Some(o)));
    let other_stacks: Vec<String> = answers
        .iter()
        // An address nothing owns proves nothing about another stack.
        .filter(|a| a.owner != OwnerKind::Unknown)
        .filter(|a| own.is_none() || a.stack != own)
        .map(owner_label)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let collision = match own {
        Some(_) => !other_stacks.is_empty(),
        None => other_stacks.len() >= 2,
    };
    let summary = summarise(
        name,
        container,
        own.as_deref(),
        &steps,
        predicted.as_deref(),
        &answered_from,
        own_stack_reached,
        &other_stacks,
        collision,
        &answers,
        &tries,
    );
    DnsReport {
        command: format!("docker exec {} getent hosts {name}", container.name),
        target: target.to_string(),
        container: container.name.clone(),
        container_id: container.id.clone(),
        service: container.service().map(str::to_string),
        stack: own,
        name: name.to_string(),
        networks: steps,
        predicted_network: predicted,
        answered_from,
        answers,
        own_stack_reached,
        other_stacks,
        collision,
        summary,
        tries: tries
            .into_iter()
            .map(|t| DnsTry {
                exit_code: t.exit_code,
                stdout: t.stdout,
                stderr: t.stderr,
            })
            .collect(),
    }
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    name: &str,
    container: &ContainerFacts,
    own: Option<&str>,
    steps: &[WalkStep],
    predicted: Option<&str>,
    answered_from: &[String],
    own_reached: bool,
    others: &[String],
    collision: bool,
    answers: &[DnsAnswer],
    tries: &[ExecFacts],
) -> String {
    let ctr = &container.name;
    let unknown: Vec<&str> = answers
        .iter()
        .filter(|a| a.owner == OwnerKind::Unknown)
        .map(|a| a.address.as_str())
        .collect();
    let unknown_note = if unknown.is_empty() {
        String::new()
    } else {
        format!(
            " ({} owned by nothing inspected: a task on another node, or outside Docker)",
            unknown.join(", ")
        )
    };
    let ran = |t: &ExecFacts| matches!(t.exit_code, Some(0) | Some(2));
    if answers.is_empty() && !tries.iter().any(ran) {
        // Images without getent (or a shell-less exec failure) give 126/127.
        let why = tries
            .iter()
            .flat_map(|t| t.stderr.lines().chain(t.stdout.lines()))
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no output");
        return format!(
            "getent could not run in {ctr} (exit {}): {why}; resolve `{name}` there by other means",
            tries
                .first()
                .and_then(|t| t.exit_code)
                .map_or("?".to_string(), |c| c.to_string())
        );
    }
    if answers.is_empty() {
        let codes: BTreeSet<String> = tries
            .iter()
            .map(|t| t.exit_code.map_or("?".to_string(), |c| c.to_string()))
            .collect();
        return format!(
            "`{name}` does not resolve in {ctr} (getent exit {} in {} tries)",
            codes.into_iter().collect::<Vec<_>>().join("/"),
            tries.len()
        );
    }
    let position = |net: &str| {
        steps
            .iter()
            .find(|s| s.network == net)
            .map_or("?".to_string(), |s| ordinal(s.position))
    };
    let nets = answered_from
        .iter()
        .map(|n| format!("{n} (walked {})", position(n)))
        .collect::<Vec<_>>()
        .join(", ");
    let why = "non-internal networks first, then by name";
    // Said whenever the answer did not come from where the order predicts:
    // an engine that walks differently must not pass silently.
    let mismatch = match predicted {
        Some(p) if !answered_from.iter().any(|a| a == p) => {
            format!(" (the walk order predicted {p}: this engine may order differently)")
        }
        _ => String::new(),
    };
    match own {
        Some(own) if collision => {
            let own_net = steps
                .iter()
                .find(|s| s.holders.iter().any(|h| h == own))
                .map(|s| {
                    format!(
                        "; its own `{name}` is on {} (walked {})",
                        s.network,
                        ordinal(s.position)
                    )
                })
                .unwrap_or_default();
            let never = if own_reached {
                "as well as its own"
            } else {
                "never its own"
            };
            format!(
                "routing collision: `{name}` in {ctr} (stack {own}) reached {} on {nets}, \
                 {never}{own_net}; Docker's DNS walks {why}{mismatch}{unknown_note}",
                others.join(", ")
            )
        }
        Some(own) if !own_reached => format!(
            "`{name}` in {ctr} (stack {own}) reached no owner that could be named{unknown_note}"
        ),
        Some(own) => format!(
            "no collision: `{name}` in {ctr} reached only its own stack {own}, on \
             {nets}{mismatch}{unknown_note}"
        ),
        None => {
            format!(
                "`{name}` in {ctr} (in no stack) reached {} on {nets}{}",
                others.join(", "),
                if collision {
                    ": more than one stack answers"
                } else {
                    ""
                }
            ) + &unknown_note
        }
    }
}

impl Prober {
    /// The running container behind `target` (a container name or id, or a
    /// service name); a Usage error listing close names when neither exists.
    pub(crate) fn target_container(&mut self, target: &str) -> Result<ContainerFacts> {
        if let Some(c) = self.source.container(target)? {
            if !c.running {
                return Err(Error::usage(format!(
                    "container {} is not running ({}): nothing to resolve in",
                    c.name, c.state
                )));
            }
            return Ok(c);
        }
        let services = self.source.services()?;
        if let Some(svc) = services
            .iter()
            .find(|s| s.name == target || s.id == target)
            .cloned()
        {
            let tasks = self.source.tasks(&svc)?;
            let running: Vec<_> = tasks
                .iter()
                .filter(|t| t.desired_state == "running" && t.state == "running")
                .collect();
            for t in &running {
                if let Some(id) = &t.container_id
                    && let Some(c) = self.source.container(id)?
                    && c.running
                {
                    return Ok(c);
                }
            }
            return Err(Error::usage(if running.is_empty() {
                format!("service {} has no running task to resolve in", svc.name)
            } else {
                format!(
                    "service {}'s running tasks are on other nodes: run the probe there",
                    svc.name
                )
            })
            .with_hint(format!("docker service ps {}", svc.name)));
        }
        let mut known: Vec<String> = self
            .source
            .containers()?
            .into_iter()
            .map(|c| c.name)
            .collect();
        known.extend(services.into_iter().map(|s| s.name));
        Err(not_found(
            "running container or service",
            target,
            &close_names(target, &known),
        ))
    }

    /// Resolves `name` inside `target` `tries` times and maps every answer
    /// to its owner: is this a routing collision?
    pub fn dns(&mut self, target: &str, name: &str, tries: u32) -> Result<DnsReport> {
        if name.is_empty() || name.starts_with('-') || name.chars().any(char::is_whitespace) {
            return Err(Error::usage(format!("`{name}` is not a host name")));
        }
        let container = self.target_container(target)?;
        let services = self.source.services()?;
        let mut nets = Vec::new();
        for att in &container.networks {
            let key = if att.network_id.is_empty() {
                &att.network
            } else {
                &att.network_id
            };
            let (net, containers) = self.network_with_containers(key)?;
            let hs = holders(&net, &services, &containers);
            nets.push((net, hs));
        }
        let mut runs = Vec::new();
        for _ in 0..tries.max(1) {
            runs.push(self.source.getent(&container.name, name)?);
        }
        Ok(analyse(target, name, &container, nets, &services, runs))
    }
}

impl DnsReport {
    /// The facts a verdict cites: what the tries returned and who owns it,
    /// and the walk order that explains it.
    pub fn evidence(&self) -> Vec<Evidence> {
        let answers = if self.answers.is_empty() {
            format!(
                "no address in {} tries ({})",
                self.tries.len(),
                self.summary
            )
        } else {
            self.answers
                .iter()
                .map(|a| {
                    format!(
                        "{} {}/{}: {} (stack {}, network {})",
                        a.address,
                        a.seen,
                        self.tries.len(),
                        a.service
                            .as_deref()
                            .or(a.container.as_deref())
                            .unwrap_or("unknown owner"),
                        a.stack.as_deref().unwrap_or("-"),
                        a.network.as_deref().unwrap_or("-")
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let walk = self
            .networks
            .iter()
            .map(|s| {
                format!(
                    "{}. {}{} ({}: {})",
                    s.position,
                    s.network,
                    if s.internal { " [internal]" } else { "" },
                    self.name,
                    if s.holders.is_empty() {
                        "-".to_string()
                    } else {
                        s.holders.join(", ")
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        vec![
            Evidence::new(format!("probe: {}", self.command), answers),
            Evidence::new(
                format!(
                    "probe: docker container inspect {} (networks)",
                    self.container
                ),
                format!("DNS walk order (non-internal first, then by name): {walk}"),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn getent_output_gives_first_field_of_each_line() {
        let out = "10.0.1.2        app\n10.0.1.4        app\n\n";
        assert_eq!(parse_getent(out), vec!["10.0.1.2", "10.0.1.4"]);
        assert!(parse_getent("").is_empty());
        assert!(parse_getent("OCI runtime exec failed\n").is_empty());
        assert_eq!(parse_getent("fe80::1 app\n"), vec!["fe80::1"]);
    }

    #[test]
    fn subnets_contain_their_addresses_only() {
        assert!(in_subnet("10.0.1.9", "10.0.1.0/24"));
        assert!(!in_subnet("10.0.2.9", "10.0.1.0/24"));
        assert!(!in_subnet("10.0.1.9", "garbage"));
        assert!(!in_subnet("fe80::1", "10.0.1.0/24"));
    }

    fn net(name: &str, internal: bool) -> NetworkFacts {
        NetworkFacts {
            id: format!("id-{name}"),
            name: name.to_string(),
            driver: "overlay".into(),
            scope: "swarm".into(),
            internal,
            labels: Default::default(),
            subnets: vec![],
            endpoints: vec![],
            services: vec![],
        }
    }

    #[test]
    fn walk_puts_internal_networks_last_then_sorts_by_name() {
        let mut nets = vec![
            net("zz_internal", false),
            net("bb_internal", true),
            net("proxy", false),
            net("aa_internal", false),
        ];
        walk_order(&mut nets);
        let names: Vec<_> = nets.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["aa_internal", "proxy", "zz_internal", "bb_internal"]
        );
    }

    fn container(stack: &str) -> ContainerFacts {
        ContainerFacts {
            id: "c0ffee".into(),
            name: format!("{stack}_web.1.x"),
            running: true,
            state: "running".into(),
            labels: [(
                super::super::source::STACK_LABEL.to_string(),
                stack.to_string(),
            )]
            .into_iter()
            .collect(),
            networks: vec![],
        }
    }

    #[test]
    fn an_image_without_getent_is_said_so_not_taken_for_an_unknown_name() {
        let tries = vec![ExecFacts {
            stdout: "OCI runtime exec failed: exec: \"getent\": executable file not found".into(),
            stderr: String::new(),
            exit_code: Some(126),
        }];
        let r = analyse("st_web", "app", &container("st"), vec![], &[], tries);
        assert!(
            r.summary.starts_with("getent could not run"),
            "{}",
            r.summary
        );
        assert!(
            r.summary.contains("executable file not found"),
            "{}",
            r.summary
        );
        assert!(!r.collision);
    }

    #[test]
    fn addresses_outside_every_network_have_an_unknown_owner() {
        let mut proxy = net("proxy", false);
        proxy.subnets = vec!["10.0.1.0/24".into()];
        let tries = vec![ExecFacts {
            stdout: "10.0.1.77 app\n".into(),
            stderr: String::new(),
            exit_code: Some(0),
        }];
        let r = analyse(
            "st_web",
            "app",
            &container("st"),
            vec![(proxy, vec![])],
            &[],
            tries,
        );
        assert_eq!(r.answers[0].owner, OwnerKind::Unknown);
        assert_eq!(r.answers[0].network.as_deref(), Some("proxy"));
        assert!(!r.own_stack_reached);
        // An owner nobody can name proves no collision.
        assert!(!r.collision);
        assert!(r.other_stacks.is_empty());
        assert!(
            r.summary.contains("10.0.1.77 owned by nothing"),
            "{}",
            r.summary
        );
    }

    #[test]
    fn ordinals_read_as_english() {
        assert_eq!(ordinal(1), "1st");
        assert_eq!(ordinal(2), "2nd");
        assert_eq!(ordinal(3), "3rd");
        assert_eq!(ordinal(11), "11th");
        assert_eq!(ordinal(22), "22nd");
    }
}
