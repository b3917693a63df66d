//! Who answers to which name on a network: `probe aliases`, and the owner
//! index the DNS probe maps addresses with.
//!
//! `docker network inspect` lists no aliases, so the names are gathered
//! from their real sources: each Swarm service attached to the network
//! answers to its full name (`<stack>_<service>`) and to the aliases of its
//! task template's network entry (`docker stack deploy` adds the short
//! service name, `app`); each container answers to its name and to the
//! aliases of its `NetworkSettings.Networks[net]` endpoint. A name that two
//! or more stacks (or stack-less containers) answer to is a collision
//! candidate: the embedded DNS returns all of them, round-robin.
//!
//! Aliases that are a prefix of the container's own id (Docker adds the
//! 12-hex short id) are left out: they are unique by construction and
//! would bury the names that matter.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::source::{ContainerFacts, NetworkFacts, ServiceFacts};
use super::{Prober, close_names, not_found};
use crate::error::Result;
use crate::model::Evidence;

/// How a holder came to answer to a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HolderKind {
    /// A Swarm service's full name.
    Service,
    /// An alias in a service's task template networks.
    ServiceAlias,
    /// A container's name.
    Container,
    /// An alias of a container's endpoint.
    ContainerAlias,
    /// A task of a service on another node, known only from the network.
    Task,
}

impl HolderKind {
    pub fn label(self) -> &'static str {
        match self {
            HolderKind::Service => "service",
            HolderKind::ServiceAlias => "service alias",
            HolderKind::Container => "container",
            HolderKind::ContainerAlias => "container alias",
            HolderKind::Task => "task",
        }
    }
}

/// One thing that answers to a name on a network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Holder {
    /// The name it answers to.
    pub name: String,
    /// How it answers to the name.
    pub kind: HolderKind,
    /// Its stack (`com.docker.stack.namespace`), if any.
    pub stack: Option<String>,
    /// The service it belongs to (its own name for a service).
    pub service: Option<String>,
    /// The container, for a container or task holder.
    pub container: Option<String>,
    /// The address the name gives on this network (a service's VIP, a
    /// container's own address).
    pub address: Option<String>,
    /// The network this holds on.
    pub network: String,
}

impl Holder {
    /// The group a holder counts in when deciding a collision: its stack,
    /// or for a stack-less container the container itself.
    pub fn owner(&self) -> String {
        match (&self.stack, &self.container, &self.service) {
            (Some(stack), _, _) => stack.clone(),
            (None, _, Some(service)) => format!("service {service}"),
            (None, Some(container), _) => format!("container {container}"),
            (None, None, None) => "?".to_string(),
        }
    }
}

/// Every name on one network and who answers to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AliasReport {
    /// How to see the same facts by hand.
    pub command: String,
    /// The network listed.
    pub network: String,
    /// Its id.
    pub network_id: String,
    /// Every name, sorted.
    pub names: Vec<AliasName>,
    /// The names held by two or more stacks.
    pub collisions: Vec<String>,
}

/// One resolvable name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AliasName {
    /// The resolvable name.
    pub name: String,
    /// The distinct owners (stacks; or `container X` for one in none).
    pub stacks: Vec<String>,
    /// Everything that answers to it.
    pub holders: Vec<Holder>,
    /// Two or more owners answer to it.
    pub collision: bool,
}

/// Everything on `net` that answers to a name. `containers` are the
/// inspections of the network's local container endpoints.
pub fn holders(
    net: &NetworkFacts,
    services: &[ServiceFacts],
    containers: &[ContainerFacts],
) -> Vec<Holder> {
    let mut out = Vec::new();
    let mut seen_services = BTreeSet::new();
    for svc in services.iter().filter(|s| s.on_network(net)) {
        seen_services.insert(svc.name.clone());
        let vip = svc
            .vips
            .iter()
            .find(|(id, _)| *id == net.id)
            .map(|(_, a)| a.clone());
        let holder = |name: &str, kind| Holder {
            name: name.to_string(),
            kind,
            stack: svc.stack().map(str::to_string),
            service: Some(svc.name.clone()),
            container: None,
            address: vip.clone(),
            network: net.name.clone(),
        };
        out.push(holder(&svc.name, HolderKind::Service));
        for entry in svc
            .networks
            .iter()
            .filter(|n| n.target == net.id || n.target == net.name)
        {
            for alias in &entry.aliases {
                out.push(holder(alias, HolderKind::ServiceAlias));
            }
        }
    }
    let mut local = BTreeSet::new();
    for c in containers {
        let Some(att) = c
            .networks
            .iter()
            .find(|a| a.network_id == net.id || a.network == net.name)
        else {
            continue;
        };
        local.insert(c.name.clone());
        let holder = |name: &str, kind| Holder {
            name: name.to_string(),
            kind,
            stack: c.stack().map(str::to_string),
            service: c.service().map(str::to_string),
            container: Some(c.name.clone()),
            address: att.address.clone(),
            network: net.name.clone(),
        };
        out.push(holder(&c.name, HolderKind::Container));
        for alias in &att.aliases {
            if alias == &c.name || c.id.starts_with(alias.as_str()) {
                continue;
            }
            out.push(holder(alias, HolderKind::ContainerAlias));
        }
    }
    // Tasks on other nodes: only the network's verbose view knows them.
    for ns in &net.services {
        let stack = services
            .iter()
            .find(|s| s.name == ns.name)
            .and_then(|s| s.stack().map(str::to_string));
        for (task, addr) in &ns.tasks {
            if local.contains(task) {
                continue;
            }
            out.push(Holder {
                name: task.clone(),
                kind: HolderKind::Task,
                stack: stack.clone(),
                service: Some(ns.name.clone()),
                container: Some(task.clone()),
                address: Some(addr.clone()),
                network: net.name.clone(),
            });
        }
    }
    out
}

/// Groups holders by name.
pub fn group(network: &NetworkFacts, holders: Vec<Holder>, command: String) -> AliasReport {
    let mut by_name: BTreeMap<String, Vec<Holder>> = BTreeMap::new();
    for h in holders {
        by_name.entry(h.name.clone()).or_default().push(h);
    }
    let names: Vec<AliasName> = by_name
        .into_iter()
        .map(|(name, holders)| {
            let stacks: Vec<String> = holders
                .iter()
                .map(Holder::owner)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            AliasName {
                name,
                collision: stacks.len() >= 2,
                stacks,
                holders,
            }
        })
        .collect();
    let collisions = names
        .iter()
        .filter(|n| n.collision)
        .map(|n| n.name.clone())
        .collect();
    AliasReport {
        command,
        network: network.name.clone(),
        network_id: network.id.clone(),
        names,
        collisions,
    }
}

impl Prober {
    /// A network's facts with its local containers inspected; a missing
    /// network is a Usage error listing close names.
    pub(crate) fn network_with_containers(
        &mut self,
        network: &str,
    ) -> Result<(NetworkFacts, Vec<ContainerFacts>)> {
        let Some(net) = self.source.network(network)? else {
            let known = self.source.networks()?;
            return Err(not_found("network", network, &close_names(network, &known)));
        };
        let mut containers = Vec::new();
        for ep in net.endpoints.iter().filter(|e| !e.key.starts_with("lb-")) {
            if let Some(c) = self.source.container(&ep.key)? {
                containers.push(c);
            }
        }
        Ok((net, containers))
    }

    /// Every name resolvable on `network`, grouped, with the stacks that
    /// hold it.
    pub fn aliases(&mut self, network: &str) -> Result<AliasReport> {
        let (net, containers) = self.network_with_containers(network)?;
        let services = self.source.services()?;
        let list = holders(&net, &services, &containers);
        let command = format!(
            "docker network inspect -v {network}; docker service inspect --format \
             '{{{{.Spec.Name}}}} {{{{json .Spec.TaskTemplate.Networks}}}}' $(docker service ls -q)"
        );
        Ok(group(&net, list, command))
    }
}

impl AliasReport {
    /// The facts a verdict cites: one per name two or more stacks hold.
    pub fn evidence(&self) -> Vec<Evidence> {
        self.names
            .iter()
            .filter(|n| n.collision)
            .map(|n| {
                let held: Vec<String> = n
                    .holders
                    .iter()
                    .map(|h| {
                        format!(
                            "{}={}",
                            h.service
                                .as_deref()
                                .or(h.container.as_deref())
                                .unwrap_or("?"),
                            h.address.as_deref().unwrap_or("-")
                        )
                    })
                    .collect();
                Evidence::new(
                    format!("probe: {}", self.command),
                    format!(
                        "`{}` on {} is held by {}: {}",
                        n.name,
                        self.network,
                        n.stacks.join(", "),
                        held.join(", ")
                    ),
                )
            })
            .collect()
    }
}
