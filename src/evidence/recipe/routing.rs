//! Bare service names reached from the shared `proxy` network.
//!
//! Every stack on a Co-op Cloud node joins the external `proxy` network,
//! and swarm gives each service its short compose name (`app`, `db`) as an
//! alias on every network it joins. A container on `proxy` and on its
//! stack's own network that asks Docker's embedded DNS for a bare name gets
//! the answer of the *first* of its networks that knows the name, in a
//! fixed order: networks that are not `internal: true` first, then by
//! network name, ascending. So bare `app` means the stack's own `app` only
//! when `<stack>_internal` sorts before `proxy`; otherwise it means every
//! other stack's `app` on `proxy`. That is why the cold `blue-…` stack of
//! bluesky-pds passed and the promoted `warm-bluesky-pds…` stack failed.
//!
//! This check finds, for every service on `proxy`, references to a sibling
//! service by its bare name: in `environment` values, `command`,
//! `entrypoint`, `healthcheck`, and the config files the service mounts
//! (`configs:` → `file:`, e.g. a Caddyfile or an nginx template). It
//! predicts the outcome for the cold and the warm stack names, and says
//! how likely a collision is: every stack calls its main service `app`, so
//! `app` is near-certain; another name collides only if some other stack
//! on `proxy` uses it too.
//!
//! A reference is found by literal search for the name with host-token
//! boundaries, never by a regular expression: `name:port`, `//name` (a URL,
//! unless an nginx `upstream name` block of the same file defines it as a
//! group), `name` after `server`/`proxy_pass`/`reverse_proxy`/`ask`/
//! `fastcgi_pass`, `=name` or `@name`, a variable default `${X:-name}`, or
//! an environment value that is the name. A name glued to anything host-like (`${STACK_NAME}_app`,
//! `{{ env "STACK_NAME" }}_app`, `app.example.org`, `/app/data`) is not a
//! bare reference. Comment lines of config files are skipped.

use std::collections::BTreeSet;

use crate::model::Evidence;

use super::compose::{self, Project, Svc};
use super::{Finding, FindingKind, RecipeFiles, checks, cold_stack_name, warm_stack_name};

/// Words after which a bare word is a host (nginx, Caddy). `upstream` is
/// deliberately absent: `upstream app { … }` *defines* an nginx group named
/// `app`, which DNS never sees.
const HOST_KEYWORDS: &[&str] = &[
    "server",
    "proxy_pass",
    "reverse_proxy",
    "ask",
    "fastcgi_pass",
    "uwsgi_pass",
    "grpc_pass",
];

/// The name every stack gives its main service, so the one most sure to
/// collide on `proxy`.
const MAIN_SERVICE: &str = "app";

/// A piece of text a service uses, with where it comes from.
struct Text {
    source: String,
    /// What to show as evidence (`DB_HOST=db`, the config line).
    show: String,
    text: String,
    /// An environment value: the whole value being the name counts.
    env_value: bool,
    /// nginx `upstream` group names defined in the same file.
    upstreams: BTreeSet<String>,
}

/// One bare reference found.
struct Ref {
    shown: String,
    port: Option<u16>,
    evidence: Evidence,
}

/// Adds a finding for every (proxy-side service, sibling name) pair where
/// the first reaches the second by a bare name; findings about `app` come
/// first.
pub(crate) fn check(
    project: &Project,
    files: &RecipeFiles,
    recipe: &str,
    out: &mut Vec<Finding>,
    warnings: &mut Vec<String>,
) {
    let mut found = Vec::new();
    for from in project.services.iter().filter(|s| project.on_proxy(s)) {
        let texts = texts_of(project, files, from, warnings);
        for target in project.services.iter().filter(|t| t.name != from.name) {
            let mut names = vec![target.name.clone()];
            for (net, aliases) in &target.networks {
                if !project.is_proxy(net) {
                    names.extend(aliases.iter().cloned());
                }
            }
            names.dedup();
            for name in names {
                let refs: Vec<Ref> = texts.iter().flat_map(|t| find_refs(t, &name)).collect();
                if refs.is_empty() {
                    continue;
                }
                found.push(finding(project, recipe, from, target, &name, refs));
            }
        }
    }
    // The surest collision first: the verdict stage reads the first one.
    found.sort_by_key(|f| match &f.kind {
        FindingKind::BareNameRouting { name, .. } => name != MAIN_SERVICE,
        _ => true,
    });
    out.extend(found);
}

/// Everything `svc` reads that could name a host.
fn texts_of(
    project: &Project,
    files: &RecipeFiles,
    svc: &Svc,
    warnings: &mut Vec<String>,
) -> Vec<Text> {
    let mut texts = Vec::new();
    let plain = |source: String, show: String, text: String, env_value: bool| Text {
        source,
        show,
        text,
        env_value,
        upstreams: BTreeSet::new(),
    };
    for e in &svc.env {
        if let Some(v) = &e.value {
            texts.push(plain(e.source(), format!("{}={v}", e.key), v.clone(), true));
        }
    }
    for (what, words) in [
        ("command", &svc.command),
        ("entrypoint", &svc.entrypoint),
        ("healthcheck", &svc.healthcheck),
    ] {
        for w in words {
            texts.push(plain(
                w.source(),
                format!("{what}: {}", w.value),
                w.value.clone(),
                false,
            ));
        }
    }
    for c in &svc.configs {
        let Some(def) = project.configs.get(&c.value) else {
            continue;
        };
        let Some(path) = &def.value else { continue };
        let Some(body) = files.files.get(path) else {
            warnings.push(format!(
                "{path}: mounted into service `{}` by config `{}` but not in the recipe; \
                 not checked for bare service names",
                svc.name, c.value
            ));
            continue;
        };
        let lines: Vec<(usize, &str)> = body
            .lines()
            .enumerate()
            .filter_map(|(i, l)| config_line(l).map(|l| (i + 1, l)))
            .collect();
        let upstreams: BTreeSet<String> = lines
            .iter()
            .filter_map(|(_, l)| l.trim().strip_prefix("upstream "))
            .filter_map(|rest| rest.split_whitespace().next())
            .map(|n| n.trim_end_matches('{').to_string())
            .collect();
        for (n, line) in lines {
            texts.push(Text {
                source: format!("{path}:{n}"),
                show: clip(line.trim()),
                text: line.to_string(),
                env_value: false,
                upstreams: upstreams.clone(),
            });
        }
    }
    texts
}

/// A config file line without its comment; `None` for a comment line.
fn config_line(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if t.starts_with('#') || t.starts_with(';') || t.starts_with("//") {
        return None;
    }
    // An inline ` # comment` (nginx, Caddyfile, shell).
    Some(line.split(" #").next().unwrap_or(line))
}

fn clip(s: &str) -> String {
    if s.chars().count() > 160 {
        let mut c: String = s.chars().take(157).collect();
        c.push_str("...");
        c
    } else {
        s.to_string()
    }
}

fn host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Bare references to `name` in one text.
fn find_refs(text: &Text, name: &str) -> Vec<Ref> {
    let mut out = Vec::new();
    if name.is_empty() {
        return out;
    }
    let exact = text.env_value && text.text.trim() == name;
    for (i, _) in text.text.match_indices(name) {
        let before = &text.text[..i];
        let after = &text.text[i + name.len()..];
        let prev = before.chars().next_back();
        let next = after.chars().next();
        // `${DB_HOST:-db}`: a bare name as a variable's default.
        let default_value = before.ends_with(":-") && after.starts_with('}');
        if !default_value
            && (prev.is_some_and(|c| host_char(c) || matches!(c, '$' | '{'))
                || next.is_some_and(host_char))
        {
            continue;
        }
        let port = after.strip_prefix(':').and_then(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let tail = rest[digits.len()..].chars().next();
            if digits.is_empty() || tail.is_some_and(|c| c.is_ascii_alphanumeric()) {
                None
            } else {
                digits.parse::<u16>().ok()
            }
        });
        let url = before.ends_with("//");
        if url && text.upstreams.contains(name) {
            continue;
        }
        let plain_prev = prev.is_none_or(|c| c.is_whitespace() || "\"'=@([,`>".contains(c));
        let keyword = prev.is_some_and(char::is_whitespace)
            && before
                .split_whitespace()
                .next_back()
                .is_some_and(|w| HOST_KEYWORDS.contains(&w));
        let assigned = matches!(prev, Some('=' | '@')) || default_value;
        if url || keyword || assigned || exact || (port.is_some() && plain_prev) {
            let shown = match port {
                Some(p) => format!("{name}:{p}"),
                None => name.to_string(),
            };
            out.push(Ref {
                shown,
                port,
                evidence: Evidence::new(text.source.clone(), text.show.clone()),
            });
            // One reference per text is enough evidence.
            break;
        }
    }
    out
}

/// How a stack's DNS answers the name: whether the stack's own network
/// wins, and that network's name.
struct Prediction {
    ok: bool,
    own: Option<(bool, String)>,
}

fn predict(project: &Project, shared: &[String], stack: &str) -> Prediction {
    let own = shared
        .iter()
        .map(|k| {
            let def = project.network(k);
            (def.internal, def.full_name(stack))
        })
        .min();
    let proxy = (false, "proxy".to_string());
    Prediction {
        ok: own.as_ref().is_some_and(|o| *o < proxy),
        own,
    }
}

fn finding(
    project: &Project,
    recipe: &str,
    from: &Svc,
    target: &Svc,
    name: &str,
    refs: Vec<Ref>,
) -> Finding {
    let port = refs.iter().find_map(|r| r.port);
    let shown = refs
        .iter()
        .find(|r| r.port.is_some())
        .unwrap_or(&refs[0])
        .shown
        .clone();
    let target_nets: Vec<&str> = target
        .network_keys()
        .filter(|n| !project.is_proxy(n))
        .collect();
    let target_on_proxy = project.on_proxy(target);
    let shared: Vec<String> = from
        .network_keys()
        .filter(|n| !project.is_proxy(n) && target_nets.contains(n))
        .map(str::to_string)
        .collect();
    let cold_stack = cold_stack_name(recipe);
    let warm_stack = warm_stack_name(recipe);
    let cold = predict(project, &shared, &cold_stack);
    let warm = predict(project, &shared, &warm_stack);

    let nets = target_nets
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut summary = format!("{} reaches `{shown}` by its bare name; ", from.name);
    if target_on_proxy {
        summary.push_str(&format!(
            "`{}` is on `proxy` too, where other stacks' `{name}` answer beside it. ",
            target.name
        ));
    } else {
        summary.push_str(&format!(
            "`{}` is only on the {nets} network{}. ",
            target.name,
            if target_nets.len() > 1 { "s" } else { "" }
        ));
    }
    let other = format!("other stacks' `{name}`");
    match (&cold.own, &warm.own) {
        (Some((_, cold_net)), Some((internal, warm_net))) => {
            let side = |ok: bool, net: &str, which: &str| {
                if ok {
                    format!("from `{net}` before `proxy` for the {which} stack (works)")
                } else {
                    format!("from `proxy` before `{net}` for the {which} stack (gets {other})")
                }
            };
            let joiner = if cold.ok == warm.ok {
                ", and "
            } else {
                ", but "
            };
            summary.push_str(&format!(
                "Docker's DNS answers {}{joiner}{}.",
                side(cold.ok, cold_net, "cold"),
                side(warm.ok, warm_net, "warm")
            ));
            if *internal {
                summary.push_str(&format!(
                    " `{}` is `internal: true`, and the DNS asks non-internal networks first.",
                    shared.first().map_or("", String::as_str)
                ));
            }
        }
        _ => summary.push_str(&format!(
            "{} shares no network with `{}` but `proxy`, so Docker's DNS can only answer from \
             `proxy` ({other}) for the cold and the warm stack alike.",
            from.name, target.name
        )),
    }
    if name == MAIN_SERVICE {
        summary.push_str(&format!(
            " Every stack calls its main service `{MAIN_SERVICE}`, so a collision on `proxy` is near certain."
        ));
    } else {
        summary.push_str(&format!(
            " Lower risk than `{MAIN_SERVICE}`: `{name}` collides only when another stack on `proxy` \
             has a service or alias `{name}`."
        ));
    }

    let mut evidence: Vec<Evidence> = refs.into_iter().map(|r| r.evidence).collect();
    evidence.push(Evidence::new(
        format!("{}:{}", from.file, from.line),
        format!(
            "service `{}` networks: {}",
            from.name,
            from.network_keys().collect::<Vec<_>>().join(", ")
        ),
    ));
    evidence.push(Evidence::new(
        format!("{}:{}", target.file, target.line),
        format!(
            "service `{}` networks: {}",
            target.name,
            target.network_keys().collect::<Vec<_>>().join(", ")
        ),
    ));
    let scope = shared
        .first()
        .map_or("its internal network", String::as_str);
    // Where to make the change: the config files that use the bare name,
    // else the compose file (environment, command).
    let mut used_in: Vec<&str> = Vec::new();
    for e in &evidence {
        let file = e.source.split(':').next().unwrap_or("");
        if !file.is_empty() && !used_in.contains(&file) && !compose::is_compose_file(file) {
            used_in.push(file);
        }
    }
    let used_in = if used_in.is_empty() {
        format!("the environment or command of `{}`", from.name)
    } else {
        used_in.join(", ")
    };
    Finding {
        check: checks::BARE_NAME_ROUTING.to_string(),
        service: from.name.clone(),
        summary,
        evidence,
        fix: format!(
            "address `{t}` by its stack-scoped name (`{{{{ env \"STACK_NAME\" }}}}_{t}` \
             in a config template, `${{STACK_NAME}}_{t}` in compose), or give it a name no other \
             stack on `proxy` uses (a unique service name, or a network alias on `{scope}`), and \
             use that in {used_in}.",
            t = target.name,
        ),
        kind: FindingKind::BareNameRouting {
            from: from.name.clone(),
            target: target.name.clone(),
            name: name.to_string(),
            port,
            network: shared.first().cloned().unwrap_or_default(),
            cold_ok: cold.ok,
            warm_ok: warm.ok,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(text: &str, name: &str, env_value: bool) -> Vec<String> {
        let t = Text {
            source: "f:1".into(),
            show: text.into(),
            text: text.into(),
            env_value,
            upstreams: ["grp".to_string()].into_iter().collect(),
        };
        find_refs(&t, name).into_iter().map(|r| r.shown).collect()
    }

    #[test]
    fn host_tokens_are_found() {
        assert_eq!(refs("reverse_proxy app:3000", "app", false), ["app:3000"]);
        assert_eq!(
            refs("ask http://app:3000/tls-check", "app", false),
            ["app:3000"]
        );
        assert_eq!(refs("proxy_pass http://app;", "app", false), ["app"]);
        assert_eq!(refs("server app;", "app", false), ["app"]);
        assert_eq!(refs("--host=db", "db", false), ["db"]);
        assert_eq!(refs("postgres://u:p@db/x", "db", false), ["db"]);
        assert_eq!(refs("db", "db", true), ["db"]);
        assert_eq!(refs("wait-for db:5432 -- run", "db", false), ["db:5432"]);
        assert_eq!(refs("${DB_HOST:-db}", "db", true), ["db"]);
    }

    #[test]
    fn stack_scoped_and_glued_names_are_not() {
        for (text, name) in [
            ("server {{ env \"STACK_NAME\" }}_app:3000;", "app"),
            ("http://${STACK_NAME}_app:3000", "app"),
            ("https://app.example.org", "app"),
            ("/app/data:/x", "app"),
            ("webapp:80", "app"),
            ("the app is here", "app"),
            ("${app}", "app"),
            ("proxy_pass http://grp;", "grp"),
            ("upstream app {", "app"),
            ("image app:latest", "app"),
        ] {
            assert!(refs(text, name, false).is_empty(), "{text}");
        }
        assert!(refs("db-host", "db", true).is_empty());
    }

    #[test]
    fn comment_lines_are_skipped() {
        assert_eq!(config_line("  # proxy_pass http://app;"), None);
        assert_eq!(config_line("; x"), None);
        assert_eq!(
            config_line("proxy_pass http://a; # app:3"),
            Some("proxy_pass http://a;")
        );
    }
}
