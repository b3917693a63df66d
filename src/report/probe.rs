//! The probes' reports as text: `ccci-triage probe dns|aliases|stack|compose`.
//! Tables come from the one builder; addresses, ids and commands are never
//! cut (a command must paste).

use super::Style;
use super::grid::{Col, Grid};
use super::text::{clean, wrap};
use crate::sources::docker::{AliasReport, ComposeReport, DnsReport, OwnerKind, StackReport};

/// The first 12 characters of an id, as `docker` prints ids.
fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// Prose lines wrapped to the width; table lines (they start with a box
/// character) and commands kept whole.
fn wrap_out(text: &str, style: Style) -> String {
    let mut out = String::new();
    for line in clean(text).split('\n') {
        // Table lines are laid out already; a command must paste.
        let keep = line.starts_with(|c: char| !c.is_ascii())
            || line.starts_with("reproduce:")
            || line.starts_with("$ ");
        if keep || super::text::width(line) <= style.width {
            out.push_str(line);
            out.push('\n');
        } else {
            for l in wrap(line, style.width, "  ") {
                out.push_str(&l);
                out.push('\n');
            }
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The report as a table that fits 100 columns.
pub fn aliases(r: &AliasReport, style: Style) -> String {
    let mut out = format!(
        "names on network {} ({}): {} names, {} held by two or more stacks\n",
        r.network,
        short(&r.network_id),
        r.names.len(),
        r.collisions.len()
    );
    let mut table = Grid::new(
        vec![
            Col::whole("name"),
            Col::whole("stack"),
            Col::wrap("held by"),
            Col::whole("address"),
        ],
        style,
    );
    // One row per holder so each address stays beside its holder; the
    // name is written on its first row only.
    for n in &r.names {
        for (i, h) in n.holders.iter().enumerate() {
            let name = match (i, n.collision) {
                (0, true) => format!("{}\nCOLLIDES ({} stacks)", n.name, n.stacks.len()),
                (0, false) => n.name.clone(),
                _ => String::new(),
            };
            let who = h
                .service
                .as_deref()
                .or(h.container.as_deref())
                .unwrap_or("?");
            table.row(vec![
                name,
                h.owner(),
                format!("{who} ({})", h.kind.label()),
                h.address.clone().unwrap_or_else(|| "-".into()),
            ]);
        }
    }
    out.push_str(&table.render());
    if !r.collisions.is_empty() {
        out.push_str(&format!(
            "collision candidates: {}\n",
            r.collisions.join(", ")
        ));
    }
    out.push_str(&format!("reproduce: {}\n", r.command));
    wrap_out(&out, style)
}

/// The report as text and tables that fit 100 columns.
pub fn dns(r: &DnsReport, style: Style) -> String {
    let mut out = format!(
        "{} ({} tries)\ncontainer {} ({}), service {}, stack {}\n\n",
        r.command,
        r.tries.len(),
        r.container,
        short(&r.container_id),
        r.service.as_deref().unwrap_or("-"),
        r.stack.as_deref().unwrap_or("-"),
    );
    out.push_str(
        "Docker's DNS walks the networks in this order (non-internal first, then by \
             name)\nand answers from the first that knows the name:\n",
    );
    let mut walk = Grid::new(
        vec![
            Col::whole("#").right(),
            Col::whole("network"),
            Col::whole("internal"),
            Col::whole("its address"),
            Col::wrap("holders of the name"),
        ],
        style,
    );
    for s in &r.networks {
        walk.row(vec![
            s.position.to_string(),
            s.network.clone(),
            if s.internal { "yes" } else { "no" }.to_string(),
            s.address.clone().unwrap_or_else(|| "-".into()),
            if s.holders.is_empty() {
                "-".to_string()
            } else {
                s.holders.join(", ")
            },
        ]);
    }
    out.push_str(&walk.render());
    out.push('\n');
    if r.answers.is_empty() {
        out.push_str("no address returned\n");
    } else {
        let mut answers = Grid::new(
            vec![
                Col::whole("address"),
                Col::whole("seen").right(),
                Col::wrap("owner"),
                Col::whole("stack"),
                Col::whole("network"),
            ],
            style,
        );
        for a in &r.answers {
            let owner = match a.owner {
                OwnerKind::ServiceVip => {
                    format!("{} (VIP)", a.service.as_deref().unwrap_or("?"))
                }
                OwnerKind::Container => a.container.clone().unwrap_or_else(|| "?".into()),
                OwnerKind::LoadBalancer => "load balancer".to_string(),
                OwnerKind::Unknown => "unknown".to_string(),
            };
            answers.row(vec![
                a.address.clone(),
                format!("{}/{}", a.seen, r.tries.len()),
                owner,
                a.stack.clone().unwrap_or_else(|| "-".into()),
                a.network.clone().unwrap_or_else(|| "-".into()),
            ]);
        }
        out.push_str(&answers.render());
    }
    out.push_str(&format!(
        "\nown stack reached: {}; other stacks: {}; collision: {}\n{}\n",
        if r.own_stack_reached { "yes" } else { "no" },
        if r.other_stacks.is_empty() {
            "none".to_string()
        } else {
            r.other_stacks.join(", ")
        },
        if r.collision { "YES" } else { "no" },
        r.summary
    ));
    wrap_out(&out, style)
}

/// The report as a table that fits 100 columns.
pub fn stack(r: &StackReport, style: Style) -> String {
    let mut out = format!(
        "stack {}: {}\n",
        r.stack,
        if r.converged {
            "converged"
        } else {
            "NOT converged"
        }
    );
    let mut table = Grid::new(
        vec![
            Col::whole("service"),
            Col::whole("replicas"),
            Col::wrap("update status"),
            Col::wrap("converged"),
            Col::wrap("task errors"),
        ],
        style,
    );
    for s in &r.services {
        // A crash-looping slot repeats one error: show each text once.
        let mut errors: Vec<(String, usize)> = Vec::new();
        for e in &s.task_errors {
            let text = format!(
                "slot {}: {} ({})",
                e.slot.map_or("-".to_string(), |n| n.to_string()),
                e.error,
                e.state
            );
            match errors.iter_mut().find(|(t, _)| *t == text) {
                Some((_, n)) => *n += 1,
                None => errors.push((text, 1)),
            }
        }
        let errors: Vec<String> = errors
            .into_iter()
            .map(|(t, n)| if n > 1 { format!("{n}x {t}") } else { t })
            .collect();
        table.row(vec![
            s.name.clone(),
            format!("{}/{} {}", s.running, s.desired, s.mode),
            s.update_status.clone().unwrap_or_else(|| "none".into()),
            match &s.reason {
                None => "yes".to_string(),
                Some(r) => format!("no: {r}"),
            },
            errors.join("\n"),
        ]);
    }
    out.push_str(&table.render());
    out.push_str(&format!("\nreproduce: {}\n", r.command));
    wrap_out(&out, style)
}

/// The report as a table that fits 100 columns.
pub fn compose(r: &ComposeReport, style: Style) -> String {
    let mut out = format!(
        "{}: {} (from {})\n",
        r.dir,
        r.files.join(" + "),
        r.files_from
    );
    let mut table = Grid::new(
        vec![Col::whole("tool"), Col::whole("exit"), Col::wrap("stderr")],
        style,
    );
    for t in &r.tools {
        let exit = if !t.available {
            "not installed".to_string()
        } else if t.timed_out {
            "timed out".to_string()
        } else {
            t.exit_status.map_or("?".to_string(), |c| c.to_string())
        };
        table.row(vec![t.tool.clone(), exit, t.stderr.clone()]);
    }
    out.push_str(&table.render());
    out.push_str(&format!("\n{}\nreproduce: {}\n", r.summary, r.command));
    wrap_out(&out, style)
}
