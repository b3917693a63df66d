//! The `ccci-triage` binary. (Being written.)

use clap::Parser;

fn main() {
    let _ = ccci_triage::cli::Cli::parse();
}
