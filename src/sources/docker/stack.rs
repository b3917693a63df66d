//! `probe stack`: has a stack converged, and if not, why not.
//!
//! For each service of the stack (label `com.docker.stack.namespace`):
//! running tasks against desired ones, the last update's state, and the
//! errors its tasks stopped with. A service has converged when as many
//! tasks run as are desired and no update is under way or failed: an
//! `UpdateStatus` of none (never updated) or `completed`. `paused`,
//! `updating` and every `rollback_*` state are not converged; a
//! `rollback_completed` service runs, but the old spec, because the update
//! failed, which is what a harness waiting for `completed` sees.

use serde::{Deserialize, Serialize};

use super::source::{ServiceFacts, TaskFacts};
use super::{Prober, close_names, not_found};
use crate::error::{Error, Result};
use crate::model::Evidence;

/// How many task errors each service keeps, newest first.
const TASK_ERRORS_KEPT: usize = 5;

/// A stack's services and whether they converged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StackReport {
    /// How to see the same facts by hand.
    pub command: String,
    /// The stack's name.
    pub stack: String,
    /// Its services, by name.
    pub services: Vec<StackService>,
    /// Every service converged.
    pub converged: bool,
}

/// One service of a stack.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StackService {
    /// The service's full name.
    pub name: String,
    /// `replicated` or `global`.
    pub mode: String,
    /// Tasks desired running and running.
    pub running: u64,
    /// Tasks desired: the replicas, or for global services the tasks kept desired-running.
    pub desired: u64,
    /// `UpdateStatus.State`: `completed`, `paused`, `rollback_*`, ...; none
    /// when the service was never updated.
    pub update_status: Option<String>,
    /// `UpdateStatus.Message`, if any.
    pub update_message: Option<String>,
    /// The newest errors its tasks stopped with.
    pub task_errors: Vec<TaskError>,
    /// All desired tasks run and no update is under way or failed.
    pub converged: bool,
    /// Why it has not converged.
    pub reason: Option<String>,
}

/// A task that stopped with an error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskError {
    /// The task id.
    pub task: String,
    /// Its slot.
    pub slot: Option<i64>,
    /// Its state (`failed`, `rejected`, ...).
    pub state: String,
    /// `Status.Err`.
    pub error: String,
    /// When (RFC 3339).
    pub when: Option<String>,
}

/// Decides one service's state from its facts and tasks.
pub fn service_state(svc: &ServiceFacts, tasks: &[TaskFacts]) -> StackService {
    let wanted: Vec<&TaskFacts> = tasks
        .iter()
        .filter(|t| t.desired_state == "running")
        .collect();
    let running = wanted.iter().filter(|t| t.state == "running").count() as u64;
    let (mode, desired) = match svc.replicas {
        Some(n) => ("replicated", n),
        // A global service wants one task per eligible node: the tasks the
        // orchestrator keeps desired-running.
        None => ("global", wanted.len() as u64),
    };
    let task_errors: Vec<TaskError> = tasks
        .iter()
        .filter_map(|t| {
            Some(TaskError {
                task: t.id.clone(),
                slot: t.slot,
                state: t.state.clone(),
                error: t.err.clone()?,
                when: t.timestamp.clone(),
            })
        })
        .take(TASK_ERRORS_KEPT)
        .collect();
    let update_ok = matches!(svc.update_state.as_deref(), None | Some("completed"));
    let reason = if running != desired {
        Some(format!("{running}/{desired} tasks running"))
    } else if !update_ok {
        Some(format!(
            "update {}{}",
            svc.update_state.as_deref().unwrap_or("?"),
            svc.update_message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ))
    } else {
        None
    };
    StackService {
        name: svc.name.clone(),
        mode: mode.to_string(),
        running,
        desired,
        update_status: svc.update_state.clone(),
        update_message: svc.update_message.clone(),
        task_errors,
        converged: reason.is_none(),
        reason,
    }
}

impl Prober {
    /// A stack's services, replicas, update status and task errors.
    pub fn stack(&mut self, stack: &str) -> Result<StackReport> {
        if stack.is_empty() {
            return Err(Error::usage("the stack name is empty"));
        }
        let all = self.source.services()?;
        let mine: Vec<ServiceFacts> = all
            .iter()
            .filter(|s| s.stack() == Some(stack))
            .cloned()
            .collect();
        if mine.is_empty() {
            let mut stacks: Vec<String> = all
                .iter()
                .filter_map(|s| s.stack().map(str::to_string))
                .collect();
            stacks.sort();
            stacks.dedup();
            return Err(not_found("stack", stack, &close_names(stack, &stacks)));
        }
        let mut services = Vec::new();
        for svc in &mine {
            let tasks = self.source.tasks(svc)?;
            services.push(service_state(svc, &tasks));
        }
        Ok(StackReport {
            command: format!(
                "docker stack services {stack}; docker stack ps --no-trunc {stack}; \
                 docker service inspect --format '{{{{json .UpdateStatus}}}}' <service>"
            ),
            stack: stack.to_string(),
            converged: services.iter().all(|s| s.converged),
            services,
        })
    }
}

impl StackReport {
    /// The facts a verdict cites: the stack's state, and each service that
    /// has not converged with its newest task error.
    pub fn evidence(&self) -> Vec<Evidence> {
        let source = format!("probe: {}", self.command);
        let mut out = vec![Evidence::new(
            source.clone(),
            format!(
                "stack {} {}: {}",
                self.stack,
                if self.converged {
                    "converged"
                } else {
                    "has not converged"
                },
                self.services
                    .iter()
                    .map(|s| format!(
                        "{} {}/{} UpdateStatus={}",
                        s.name,
                        s.running,
                        s.desired,
                        s.update_status.as_deref().unwrap_or("none")
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )];
        for s in self.services.iter().filter(|s| !s.converged) {
            let error = s
                .task_errors
                .first()
                .map(|e| format!("; newest task error: {}", e.error))
                .unwrap_or_default();
            out.push(Evidence::new(
                source.clone(),
                format!("{}: {}{error}", s.name, s.reason.as_deref().unwrap_or("?")),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(replicas: Option<u64>, update: Option<&str>) -> ServiceFacts {
        ServiceFacts {
            id: "s1".into(),
            name: "st_app".into(),
            labels: Default::default(),
            replicas,
            endpoint_mode: "vip".into(),
            networks: vec![],
            vips: vec![],
            update_state: update.map(str::to_string),
            update_message: None,
        }
    }

    fn task(desired: &str, state: &str, err: Option<&str>) -> TaskFacts {
        TaskFacts {
            id: format!("t-{state}"),
            service_id: "s1".into(),
            slot: Some(1),
            node_id: None,
            desired_state: desired.into(),
            state: state.into(),
            message: String::new(),
            err: err.map(str::to_string),
            container_id: None,
            timestamp: None,
        }
    }

    #[test]
    fn replicas_running_and_no_update_is_converged() {
        let s = service_state(&svc(Some(1), None), &[task("running", "running", None)]);
        assert!(s.converged);
        assert_eq!((s.running, s.desired), (1, 1));
    }

    #[test]
    fn a_rolled_back_update_has_not_converged() {
        let s = service_state(
            &svc(Some(1), Some("rollback_completed")),
            &[
                task("running", "running", None),
                task("shutdown", "failed", Some("task: non-zero exit (1)")),
            ],
        );
        assert!(!s.converged);
        assert_eq!(s.task_errors.len(), 1);
        assert!(s.reason.unwrap().contains("rollback_completed"));
    }

    #[test]
    fn missing_replicas_are_not_converged() {
        let s = service_state(
            &svc(Some(2), Some("completed")),
            &[task("running", "running", None)],
        );
        assert_eq!(s.reason.as_deref(), Some("1/2 tasks running"));
    }
}
