//! Ingest: read the runs root, run directories and single files into
//! [`Run`]s. (Being written.)

pub mod junit;
