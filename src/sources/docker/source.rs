//! Where a probe's answers come from: the live Docker engine, or a
//! recording of an earlier live session.
//!
//! Every question a probe asks the engine goes through [`Source::ask`] as a
//! *call* (a key that is also the `docker` command a person would type to
//! see the same fact, e.g. `docker network inspect -v proxy`) and comes back
//! as one of the small fact types below, never as a raw bollard model. The
//! facts are what gets recorded, so a recording is compact, readable, and
//! can be written by hand for a verdict test; and replay runs the very same
//! analysis code as a live probe, so a report rebuilt from a recording is the
//! report the live probe printed.
//!
//! Guarantees:
//! - Read-only. The only calls are inspections, lists, and an exec of
//!   `getent hosts <name>`; nothing on the node is created, changed or
//!   removed. (An exec instance is the engine's own bookkeeping: it leaves
//!   the container as it was.)
//! - Bounded. Every call runs under the probe's timeout; a call that takes
//!   longer is an error naming the call, never a hang.
//! - Stable answers within one [`Source`]: an inspection or list is asked
//!   once and its answer reused, so one report never mixes two states of
//!   the node. Execs are not cached: each try is a fresh resolution.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::Path;
use std::time::Duration;

use bollard::Docker;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use bollard::query_parameters::{
    InspectContainerOptions, InspectNetworkOptions, ListContainersOptions, ListNetworksOptions,
    ListServicesOptions, ListTasksOptions,
};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The label `docker stack deploy` puts on every service, task container
/// and network of a stack.
pub const STACK_LABEL: &str = "com.docker.stack.namespace";
/// The label Swarm puts on a task's container: the service it belongs to.
pub const SERVICE_LABEL: &str = "com.docker.swarm.service.name";

/// Version of the recording's JSON shape.
pub const RECORDING_SCHEMA: u32 = 1;

/// Everything a live session learnt, in the order it was asked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    /// [`RECORDING_SCHEMA`].
    pub schema: u32,
    /// The engine that answered (`Docker 20.10.24, API 1.41`), when known.
    #[serde(default)]
    pub engine: Option<String>,
    /// Each question and its answer.
    pub calls: Vec<Call>,
}

/// One question to the engine and its answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// The question, written as the `docker` command that shows the same fact.
    pub call: String,
    /// The answer: one of the fact types of this module, as JSON (`null`
    /// when the object does not exist).
    pub answer: serde_json::Value,
}

/// A container, as `docker container inspect` shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContainerFacts {
    /// The full id.
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    /// Whether it runs (an exec needs it running).
    pub running: bool,
    /// `running`, `exited`, ...
    pub state: String,
    /// Its labels (stack, service, task).
    pub labels: BTreeMap<String, String>,
    /// Its networks, sorted by network name.
    pub networks: Vec<Attachment>,
}

impl ContainerFacts {
    /// The stack it belongs to (`com.docker.stack.namespace`).
    pub fn stack(&self) -> Option<&str> {
        self.labels.get(STACK_LABEL).map(String::as_str)
    }

    /// The Swarm service whose task it is.
    pub fn service(&self) -> Option<&str> {
        self.labels.get(SERVICE_LABEL).map(String::as_str)
    }
}

/// A container's endpoint on one network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// The network's name.
    pub network: String,
    /// The network's id.
    pub network_id: String,
    /// Its IPv4 address there, without the prefix length.
    pub address: Option<String>,
    /// `NetworkSettings.Networks[net].Aliases`.
    pub aliases: Vec<String>,
}

/// A network, as `docker network inspect -v` shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkFacts {
    /// The full id.
    pub id: String,
    /// The name.
    pub name: String,
    /// `overlay`, `bridge`, ...
    pub driver: String,
    /// `swarm` or `local`.
    pub scope: String,
    /// `internal: true`: no route out, and walked last by the embedded DNS.
    pub internal: bool,
    /// Its labels (`com.docker.stack.namespace` for a stack's own).
    pub labels: BTreeMap<String, String>,
    /// IPAM subnets (`10.0.1.0/24`).
    pub subnets: Vec<String>,
    /// Endpoints on this node: task and plain containers, and the network's
    /// load balancer (`lb-<network>`).
    pub endpoints: Vec<NetEndpoint>,
    /// Swarm services on the network (verbose inspect), with every task's
    /// address, including tasks on other nodes.
    pub services: Vec<NetService>,
}

impl NetworkFacts {
    /// The stack that declared it, if a stack did.
    pub fn stack(&self) -> Option<&str> {
        self.labels.get(STACK_LABEL).map(String::as_str)
    }
}

/// One endpoint of `docker network inspect`'s `Containers`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetEndpoint {
    /// The container id, or `lb-<network>` for the load balancer.
    pub key: String,
    /// The container's name (`<network>-endpoint` for the load balancer).
    pub name: String,
    /// Its IPv4 address, without the prefix length.
    pub address: Option<String>,
}

/// One entry of `docker network inspect -v`'s `Services`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetService {
    /// The service's full name.
    pub name: String,
    /// Its virtual IP on this network (vip mode).
    pub vip: Option<String>,
    /// (task name, address) pairs.
    pub tasks: Vec<(String, String)>,
}

/// A Swarm service, as `docker service inspect` shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceFacts {
    /// The full id.
    pub id: String,
    /// The full name (`<stack>_<service>`).
    pub name: String,
    /// The spec's labels.
    pub labels: BTreeMap<String, String>,
    /// Desired replicas; `None` for a global service (one task per node).
    pub replicas: Option<u64>,
    /// `vip` or `dnsrr`.
    pub endpoint_mode: String,
    /// The task template's networks with their aliases.
    pub networks: Vec<ServiceNetwork>,
    /// `Endpoint.VirtualIPs`: (network id, address without prefix).
    pub vips: Vec<(String, String)>,
    /// `UpdateStatus.State` (`completed`, `paused`, `rollback_*`), if any.
    pub update_state: Option<String>,
    /// `UpdateStatus.Message`, if any.
    pub update_message: Option<String>,
}

impl ServiceFacts {
    /// The stack it belongs to.
    pub fn stack(&self) -> Option<&str> {
        self.labels.get(STACK_LABEL).map(String::as_str)
    }

    /// Whether it is attached to the network (by id or by name).
    pub fn on_network(&self, net: &NetworkFacts) -> bool {
        self.networks
            .iter()
            .any(|n| n.target == net.id || n.target == net.name)
            || self.vips.iter().any(|(id, _)| *id == net.id)
    }
}

/// One network of a service's task template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceNetwork {
    /// A network id (or name, as written in the spec).
    pub target: String,
    /// The names the service answers to there (the short name, from a stack).
    pub aliases: Vec<String>,
}

/// A Swarm task, as `docker service ps --no-trunc` shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskFacts {
    /// The task id.
    pub id: String,
    /// Its service's id.
    pub service_id: String,
    /// Its slot (replicated services).
    pub slot: Option<i64>,
    /// The node it was scheduled on.
    pub node_id: Option<String>,
    /// What the orchestrator wants (`running`, `shutdown`).
    pub desired_state: String,
    /// What it is (`running`, `failed`, `rejected`, ...).
    pub state: String,
    /// `Status.Message`.
    pub message: String,
    /// `Status.Err`, when it stopped with an error.
    pub err: Option<String>,
    /// Its container, once it has one.
    pub container_id: Option<String>,
    /// When its state last changed (RFC 3339).
    pub timestamp: Option<String>,
}

/// A running container's name and labels, from `docker ps`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContainerBrief {
    /// The full id.
    pub id: String,
    /// Its name, without the leading `/`.
    pub name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
}

/// One `docker exec <ctr> getent hosts <name>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExecFacts {
    /// What it printed on stdout.
    pub stdout: String,
    /// What it printed on stderr.
    pub stderr: String,
    /// `getent`: 0 found, 2 no such name.
    pub exit_code: Option<i64>,
}

/// The live engine: a client, the runtime it runs on, and the timeout.
pub struct Live {
    docker: Docker,
    rt: tokio::runtime::Runtime,
    timeout: Duration,
}

/// Where answers come from, and what has been learnt so far.
pub struct Source {
    live: Option<Live>,
    recording: Recording,
    /// How many execs of each call have been answered (replay).
    exec_cursor: HashMap<String, usize>,
    /// What a `--probe-replay` file is called, for messages.
    replay_path: Option<String>,
}

/// What a live call can fail with, before it becomes an [`Error`].
type Failure = bollard::errors::Error;

/// Whether the engine said "no such object" (404).
fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// Whether the engine said it is no Swarm manager (503 on /services).
fn is_not_swarm(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 503,
            ..
        }
    )
}

/// What to check when the engine cannot be reached.
fn unreachable_hint(host: &str) -> String {
    format!(
        "check that the Docker engine runs (`docker info`) and that DOCKER_HOST \
         ({host}) points at its socket, and that you may use it (root or the docker group)"
    )
}

fn strip_prefix_len(addr: &str) -> String {
    addr.split('/').next().unwrap_or(addr).to_string()
}

fn labels(map: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    map.unwrap_or_default().into_iter().collect()
}

impl Source {
    /// Connects to the engine at `host` (a `DOCKER_HOST` value) and agrees
    /// on an API version. Unreachable: an [`Error`] of kind Usage.
    pub fn live(host: &str, timeout: Duration) -> Result<Source> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("cannot start the probe runtime: {e}")))?;
        let unreachable = |what: String| {
            Error::usage(format!("cannot reach the Docker engine at {host}: {what}"))
                .with_hint(unreachable_hint(host))
        };
        let connected = rt.block_on(async {
            let docker = Docker::connect_with_host(host)
                .map_err(|e| unreachable(e.to_string()))?
                .with_timeout(timeout);
            let docker = match tokio::time::timeout(timeout, docker.negotiate_version()).await {
                Ok(Ok(d)) => d,
                Ok(Err(e)) => return Err(unreachable(e.to_string())),
                Err(_) => {
                    return Err(unreachable(format!(
                        "no answer within {} s",
                        timeout.as_secs_f32()
                    )));
                }
            };
            let engine = match tokio::time::timeout(timeout, docker.version()).await {
                Ok(Ok(v)) => Some(format!(
                    "Docker {}, API {}",
                    v.version.unwrap_or_default(),
                    v.api_version.unwrap_or_default()
                )),
                _ => None,
            };
            Ok((docker, engine))
        });
        let (docker, engine) = connected?;
        Ok(Source {
            live: Some(Live {
                docker,
                rt,
                timeout,
            }),
            recording: Recording {
                schema: RECORDING_SCHEMA,
                engine,
                calls: Vec::new(),
            },
            exec_cursor: HashMap::new(),
            replay_path: None,
        })
    }

    /// Reads a recording saved by [`Source::recording`]; no engine is used.
    pub fn replay(path: &Path) -> Result<Source> {
        // A FIFO or a device never blocks or fills memory: regular files
        // only, up to the cap.
        let (text, _) =
            crate::fsx::read_text(path, crate::fsx::cap::PROBE_REPLAY).map_err(|e| {
                Error::usage(format!(
                    "{}: cannot read the probe recording: it {e}",
                    path.display()
                ))
                .with_hint("pass a file written by --probe-record")
            })?;
        let recording: Recording = serde_json::from_str(&text).map_err(|e| {
            Error::usage(format!(
                "{}: not a probe recording (made with --probe-record): {e}",
                path.display()
            ))
        })?;
        if recording.schema != RECORDING_SCHEMA {
            return Err(Error::usage(format!(
                "{}: probe recording schema {} (this tool reads {RECORDING_SCHEMA})",
                path.display(),
                recording.schema
            )));
        }
        Ok(Source {
            live: None,
            recording,
            exec_cursor: HashMap::new(),
            replay_path: Some(path.display().to_string()),
        })
    }

    /// What has been asked and answered so far (live), or what was read (replay).
    pub fn recording(&self) -> &Recording {
        &self.recording
    }

    /// Whether answers come from a recording.
    pub fn is_replay(&self) -> bool {
        self.live.is_none()
    }

    /// Asks `call` once: live, runs `fetch` under the timeout and records
    /// the answer; replay, returns the recorded one. Non-exec answers are
    /// cached: the first answer to a call is the answer.
    fn ask<T, F, Fut>(&mut self, call: String, exec: bool, fetch: F) -> Result<T>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(Docker) -> Fut,
        Fut: Future<Output = std::result::Result<T, Failure>>,
    {
        let nth = if exec {
            let n = self.exec_cursor.entry(call.clone()).or_insert(0);
            *n += 1;
            *n - 1
        } else {
            0
        };
        let known = self
            .recording
            .calls
            .iter()
            .filter(|c| c.call == call)
            .nth(nth);
        if let Some(found) = known
            && (self.live.is_none() || !exec)
        {
            return serde_json::from_value(found.answer.clone()).map_err(|e| {
                Error::usage(format!(
                    "{}: the answer to `{call}` does not read: {e}",
                    self.replay_path.as_deref().unwrap_or("probe recording")
                ))
            });
        }
        let Some(live) = &self.live else {
            return Err(Error::usage(format!(
                "{}: the recording has no answer to `{call}`{}",
                self.replay_path.as_deref().unwrap_or("probe recording"),
                if exec {
                    format!(" (try {})", nth + 1)
                } else {
                    String::new()
                }
            ))
            .with_hint("record again with the same probe (and as many --tries)"));
        };
        // An exec bounds its own run by the timeout (see `getent`); the
        // outer bound leaves room for creating and inspecting it.
        let timeout = if exec { live.timeout * 2 } else { live.timeout };
        let docker = live.docker.clone();
        let answer = live
            .rt
            .block_on(async { tokio::time::timeout(timeout, fetch(docker)).await });
        let value = match answer {
            Err(_) => {
                return Err(Error::usage(format!(
                    "the Docker engine did not answer `{call}` within {} s",
                    timeout.as_secs_f32()
                ))
                .with_hint("raise --timeout, or check the engine's load (`docker info`)"));
            }
            Ok(Err(e)) => {
                let connection =
                    !matches!(e, bollard::errors::Error::DockerResponseServerError { .. });
                let err = Error::usage(format!("`{call}` failed: {e}"));
                return Err(if connection {
                    err.with_hint(unreachable_hint(
                        &std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unset".into()),
                    ))
                } else {
                    err
                });
            }
            Ok(Ok(value)) => value,
        };
        let json = serde_json::to_value(&value)
            .map_err(|e| Error::internal(format!("cannot record `{call}`: {e}")))?;
        self.recording.calls.push(Call { call, answer: json });
        Ok(value)
    }

    /// `docker container inspect <name>`; `None` when there is no such container.
    pub fn container(&mut self, name: &str) -> Result<Option<ContainerFacts>> {
        let key = name.to_string();
        self.ask(
            format!("docker container inspect {name}"),
            false,
            |d| async move {
                let c = match d
                    .inspect_container(&key, None::<InspectContainerOptions>)
                    .await
                {
                    Ok(c) => c,
                    Err(e) if is_not_found(&e) => return Ok(None),
                    Err(e) => return Err(e),
                };
                let state = c.state.unwrap_or_default();
                let mut networks: Vec<Attachment> = c
                    .network_settings
                    .and_then(|n| n.networks)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(net, ep)| Attachment {
                        network: net,
                        network_id: ep.network_id.unwrap_or_default(),
                        address: ep.ip_address.filter(|a| !a.is_empty()),
                        aliases: ep.aliases.unwrap_or_default(),
                    })
                    .collect();
                networks.sort_by(|a, b| a.network.cmp(&b.network));
                Ok(Some(ContainerFacts {
                    id: c.id.unwrap_or_default(),
                    name: c
                        .name
                        .unwrap_or_default()
                        .trim_start_matches('/')
                        .to_string(),
                    running: state.running.unwrap_or(false),
                    state: state.status.map(|s| s.to_string()).unwrap_or_default(),
                    labels: labels(c.config.and_then(|c| c.labels)),
                    networks,
                }))
            },
        )
    }

    /// `docker ps`: running containers, for close names.
    pub fn containers(&mut self) -> Result<Vec<ContainerBrief>> {
        self.ask("docker ps".to_string(), false, |d| async move {
            let list = d.list_containers(None::<ListContainersOptions>).await?;
            let mut out: Vec<ContainerBrief> = list
                .into_iter()
                .map(|c| ContainerBrief {
                    id: c.id.unwrap_or_default(),
                    name: c
                        .names
                        .and_then(|n| n.into_iter().next())
                        .unwrap_or_default()
                        .trim_start_matches('/')
                        .to_string(),
                    labels: labels(c.labels),
                })
                .collect();
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        })
    }

    /// `docker network inspect -v <name>`; `None` when there is no such network.
    pub fn network(&mut self, name: &str) -> Result<Option<NetworkFacts>> {
        let key = name.to_string();
        self.ask(
            format!("docker network inspect -v {name}"),
            false,
            |d| async move {
                let opts = InspectNetworkOptions {
                    verbose: true,
                    scope: None,
                };
                let n = match d.inspect_network(&key, Some(opts)).await {
                    Ok(n) => n,
                    Err(e) if is_not_found(&e) => return Ok(None),
                    Err(e) => return Err(e),
                };
                let mut endpoints: Vec<NetEndpoint> = n
                    .containers
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(key, ep)| NetEndpoint {
                        key,
                        name: ep.name.unwrap_or_default(),
                        address: ep
                            .ipv4_address
                            .filter(|a| !a.is_empty())
                            .map(|a| strip_prefix_len(&a)),
                    })
                    .collect();
                endpoints.sort_by(|a, b| a.name.cmp(&b.name));
                let mut services: Vec<NetService> = n
                    .services
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(name, v)| {
                        // The stubs leave `Services` untyped; read the
                        // documented ServiceInfo shape, ignoring the rest.
                        let info: bollard::models::ServiceInfo =
                            serde_json::from_value(v).unwrap_or_default();
                        let tasks = info
                            .tasks
                            .unwrap_or_default()
                            .into_iter()
                            .filter_map(|t| Some((t.name?, strip_prefix_len(&t.endpoint_ip?))))
                            .collect();
                        NetService {
                            name,
                            vip: info
                                .vip
                                .filter(|a| !a.is_empty())
                                .map(|a| strip_prefix_len(&a)),
                            tasks,
                        }
                    })
                    .collect();
                services.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(Some(NetworkFacts {
                    id: n.id.unwrap_or_default(),
                    name: n.name.unwrap_or_default(),
                    driver: n.driver.unwrap_or_default(),
                    scope: n.scope.unwrap_or_default(),
                    internal: n.internal.unwrap_or(false),
                    labels: labels(n.labels),
                    subnets: n
                        .ipam
                        .and_then(|i| i.config)
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|c| c.subnet)
                        .collect(),
                    endpoints,
                    services,
                }))
            },
        )
    }

    /// `docker network ls`: network names, for close names.
    pub fn networks(&mut self) -> Result<Vec<String>> {
        self.ask("docker network ls".to_string(), false, |d| async move {
            let list = d.list_networks(None::<ListNetworksOptions>).await?;
            let mut names: Vec<String> = list.into_iter().filter_map(|n| n.name).collect();
            names.sort();
            Ok(names)
        })
    }

    /// `docker service ls` (with each service's spec): every Swarm service.
    /// A node that is no Swarm manager has none.
    pub fn services(&mut self) -> Result<Vec<ServiceFacts>> {
        self.ask(
            "docker service inspect $(docker service ls -q)".to_string(),
            false,
            |d| async move {
                let list = match d.list_services(None::<ListServicesOptions>).await {
                    Ok(l) => l,
                    Err(e) if is_not_swarm(&e) => return Ok(Vec::new()),
                    Err(e) => return Err(e),
                };
                let mut out: Vec<ServiceFacts> = list.into_iter().map(service_facts).collect();
                out.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(out)
            },
        )
    }

    /// `docker service ps --no-trunc <service>`: every task of a service,
    /// current and past.
    pub fn tasks(&mut self, service: &ServiceFacts) -> Result<Vec<TaskFacts>> {
        let id = service.id.clone();
        self.ask(
            format!("docker service ps --no-trunc {}", service.name),
            false,
            |d| async move {
                let opts = ListTasksOptions {
                    filters: Some(HashMap::from([("service".to_string(), vec![id.clone()])])),
                };
                let list = d.list_tasks(Some(opts)).await?;
                let mut out: Vec<TaskFacts> = list
                    .into_iter()
                    // The filter also matches services whose name starts
                    // with this one's id or name; keep this service's own.
                    .filter(|t| t.service_id.as_deref() == Some(id.as_str()))
                    .map(|t| {
                        let status = t.status.unwrap_or_default();
                        TaskFacts {
                            id: t.id.unwrap_or_default(),
                            service_id: t.service_id.unwrap_or_default(),
                            slot: t.slot,
                            node_id: t.node_id,
                            desired_state: t
                                .desired_state
                                .map(|s| s.to_string())
                                .unwrap_or_default(),
                            state: status.state.map(|s| s.to_string()).unwrap_or_default(),
                            message: status.message.unwrap_or_default(),
                            err: status.err.filter(|e| !e.is_empty()),
                            container_id: status
                                .container_status
                                .and_then(|c| c.container_id)
                                .filter(|c| !c.is_empty()),
                            timestamp: status.timestamp,
                        }
                    })
                    .collect();
                // Newest first, as `docker service ps` lists them.
                out.sort_by(|a, b| b.timestamp.cmp(&a.timestamp));
                Ok(out)
            },
        )
    }

    /// `docker exec <container> getent hosts <name>`, once. A resolution
    /// that hangs past the timeout is a try without exit code (the hang is
    /// itself the finding), not an error.
    pub fn getent(&mut self, container: &str, name: &str) -> Result<ExecFacts> {
        let (ctr, host) = (container.to_string(), name.to_string());
        let limit = self.live.as_ref().map_or(Duration::ZERO, |l| l.timeout);
        self.ask(
            format!("docker exec {container} getent hosts {name}"),
            true,
            |d| async move {
                let opts = CreateExecOptions {
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    tty: Some(false),
                    cmd: Some(vec!["getent".to_string(), "hosts".to_string(), host]),
                    ..Default::default()
                };
                let exec = d.create_exec(&ctr, opts).await?;
                let start = StartExecOptions {
                    detach: false,
                    tty: false,
                    output_capacity: None,
                };
                let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
                let finished = tokio::time::timeout(limit, async {
                    if let StartExecResults::Attached { mut output, .. } =
                        d.start_exec(&exec.id, Some(start)).await?
                    {
                        while let Some(chunk) = output.next().await {
                            match chunk? {
                                bollard::container::LogOutput::StdOut { message } => {
                                    stdout.extend_from_slice(&message)
                                }
                                bollard::container::LogOutput::StdErr { message } => {
                                    stderr.extend_from_slice(&message)
                                }
                                _ => {}
                            }
                        }
                    }
                    // The stream can end a moment before the engine notes
                    // the exit.
                    loop {
                        let info = d.inspect_exec(&exec.id).await?;
                        if info.running != Some(true) {
                            return Ok::<_, Failure>(info.exit_code);
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                })
                .await;
                let mut stderr = String::from_utf8_lossy(&stderr).into_owned();
                let exit_code = match finished {
                    Ok(done) => done?,
                    Err(_) => {
                        stderr.push_str(&format!("(no answer within {} s)", limit.as_secs_f32()));
                        None
                    }
                };
                Ok(ExecFacts {
                    stdout: String::from_utf8_lossy(&stdout).into_owned(),
                    stderr,
                    exit_code,
                })
            },
        )
    }
}

fn service_facts(s: bollard::models::Service) -> ServiceFacts {
    let spec = s.spec.unwrap_or_default();
    let mode = spec.mode.unwrap_or_default();
    let replicas = match (&mode.replicated, &mode.global) {
        (Some(r), _) => Some(r.replicas.unwrap_or(1).max(0) as u64),
        (None, Some(_)) => None,
        // Jobs: count their tasks like a global service's.
        _ => None,
    };
    let endpoint_spec_mode = spec
        .endpoint_spec
        .as_ref()
        .and_then(|e| e.mode)
        .map(|m| m.to_string())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "vip".to_string());
    let nets = spec
        .task_template
        .and_then(|t| t.networks)
        .or(spec.networks)
        .unwrap_or_default()
        .into_iter()
        .map(|n| ServiceNetwork {
            target: n.target.unwrap_or_default(),
            aliases: n.aliases.unwrap_or_default(),
        })
        .collect();
    let vips = s
        .endpoint
        .and_then(|e| e.virtual_ips)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| Some((v.network_id?, strip_prefix_len(&v.addr?))))
        .collect();
    let update = s.update_status.unwrap_or_default();
    ServiceFacts {
        id: s.id.unwrap_or_default(),
        name: spec.name.unwrap_or_default(),
        labels: labels(spec.labels),
        replicas,
        endpoint_mode: endpoint_spec_mode,
        networks: nets,
        vips,
        update_state: update
            .state
            .map(|s| s.to_string())
            .filter(|s| !s.is_empty()),
        update_message: update.message.filter(|m| !m.is_empty()),
    }
}
