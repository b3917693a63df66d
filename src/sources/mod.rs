//! Facts from outside the run files, each standing alone as a command:
//! the recipe's git history ([`git`]), the Swarm node through the Docker
//! API, read-only ([`docker`]), and the index of every run ([`history`]).
//! None of them knows the command line.

pub mod docker;
pub mod git;
pub mod history;
