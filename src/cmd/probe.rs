//! `ccci-triage probe dns|aliases|stack|compose`: read-only questions to
//! the Swarm node.

use std::time::Duration;

use serde::Serialize;

use crate::cli::{PlainFormat, ProbeCommand};
use crate::error::{Error, Result};
use crate::report::probe;
use crate::sources::docker::{Prober, compose};

use super::Ctx;

pub fn command(cmd: &ProbeCommand, ctx: &Ctx, out: &mut Vec<u8>) -> Result<u8> {
    let style = ctx.style();
    let text = match cmd {
        ProbeCommand::Dns(a) => {
            let mut p = Prober::live(Duration::from_secs(a.common.timeout))?;
            let r = p.dns(&a.container, &a.name, a.tries)?;
            render(&r, a.common.format, || probe::dns(&r, style))?
        }
        ProbeCommand::Aliases(a) => {
            let mut p = Prober::live(Duration::from_secs(a.common.timeout))?;
            let r = p.aliases(&a.network)?;
            render(&r, a.common.format, || probe::aliases(&r, style))?
        }
        ProbeCommand::Stack(a) => {
            let mut p = Prober::live(Duration::from_secs(a.common.timeout))?;
            let r = p.stack(&a.stack)?;
            render(&r, a.common.format, || probe::stack(&r, style))?
        }
        ProbeCommand::Compose(a) => {
            let r = compose(&a.recipe_dir, Duration::from_secs(a.common.timeout))?;
            render(&r, a.common.format, || probe::compose(&r, style))?
        }
    };
    out.extend_from_slice(text.as_bytes());
    Ok(0)
}

fn render<R: Serialize>(
    report: &R,
    format: PlainFormat,
    table: impl Fn() -> String,
) -> Result<String> {
    Ok(match format {
        PlainFormat::Table => table(),
        PlainFormat::Json => {
            serde_json::to_string_pretty(report)
                .map_err(|e| Error::internal(format!("cannot serialise the probe report: {e}")))?
                + "\n"
        }
    })
}
