//! Live, read-only probes of the Swarm node through the Docker API.
//! (Stub: being written.)
