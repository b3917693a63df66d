//! A recipe's compose project as abra deploys it: `compose.yml` plus the
//! overlays chained by `COMPOSE_FILE` in `.env.sample`, merged service by
//! service the way compose merges them.
//!
//! Why not one file: recipes keep optional parts (a postgres database, SMTP)
//! in overlays that `.env.sample` switches on, so `compose.yml` alone often
//! names services that only an overlay defines. The active chain is the last
//! uncommented `COMPOSE_FILE=` line (with `$COMPOSE_FILE` expanded, as the
//! shell would); commented-out `#COMPOSE_FILE=` lines and other
//! `compose.*.yml` files are options the operator may switch on, reported
//! but not merged.
//!
//! Merging follows compose: later files override scalars (`image`, a label,
//! an environment variable), extend lists of names (`networks`,
//! `depends_on`, `configs`), replace commands (`command`, `entrypoint`,
//! `healthcheck.test`) and merge mounts by target. Every value keeps the
//! file and line it came from, so a finding can cite `compose.yml:42`.
//!
//! Guarantees: never panics on any input; a file that does not parse, or is
//! not a mapping, is skipped with a warning naming it.

use std::collections::{BTreeMap, BTreeSet};

use super::RecipeFiles;
use super::yaml::{self, Node, Value};

/// A value with the file and line it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Located<T> {
    pub value: T,
    pub file: String,
    pub line: u32,
}

impl<T> Located<T> {
    fn new(value: T, file: &str, line: u32) -> Located<T> {
        Located {
            value,
            file: file.to_string(),
            line,
        }
    }

    /// `file:line` (or just the file when the line is unknown).
    pub fn source(&self) -> String {
        if self.line == 0 {
            self.file.clone()
        } else {
            format!("{}:{}", self.file, self.line)
        }
    }
}

/// A label with where it is set: `deploy.labels` (what swarm puts on the
/// service, and what backupbot reads) or the container `labels`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Label {
    pub value: Located<String>,
    pub deploy: bool,
}

/// An environment variable: `KEY=value`, or `KEY` alone (passed through
/// from the deploy environment, `value` is `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EnvVar {
    pub key: String,
    pub value: Option<String>,
    pub file: String,
    pub line: u32,
}

impl EnvVar {
    pub fn source(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// A mount in `volumes:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mount {
    /// The named volume or host path; `None` for an anonymous volume.
    pub source: Option<String>,
    pub target: String,
    /// A named volume (not a bind mount, not tmpfs).
    pub named: bool,
    pub file: String,
    pub line: u32,
}

impl Mount {
    pub fn source_loc(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// One service after merging the chain.
#[derive(Clone, Debug, Default)]
pub(crate) struct Svc {
    pub name: String,
    /// The file and line that first define the service.
    pub file: String,
    pub line: u32,
    pub image: Option<String>,
    /// Network keys as written (compose's `default` when none is), with
    /// the aliases the service has on each.
    pub networks: Vec<(String, Vec<String>)>,
    pub container_labels: BTreeMap<String, Located<String>>,
    pub deploy_labels: BTreeMap<String, Located<String>>,
    pub depends_on: Vec<Located<String>>,
    pub env: Vec<EnvVar>,
    pub command: Vec<Located<String>>,
    pub entrypoint: Vec<Located<String>>,
    pub healthcheck: Vec<Located<String>>,
    /// `configs:` sources (top-level config keys) mounted into the service.
    pub configs: Vec<Located<String>>,
    pub mounts: Vec<Mount>,
    /// Service-level keys, first occurrence of each across the chain.
    pub keys: Vec<Located<String>>,
}

impl Svc {
    /// Labels as swarm and backupbot see them: `deploy.labels`, then the
    /// container `labels` where `deploy.labels` does not set the key.
    pub fn labels(&self) -> BTreeMap<String, Label> {
        let mut out: BTreeMap<String, Label> = self
            .container_labels
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    Label {
                        value: v.clone(),
                        deploy: false,
                    },
                )
            })
            .collect();
        for (k, v) in &self.deploy_labels {
            out.insert(
                k.clone(),
                Label {
                    value: v.clone(),
                    deploy: true,
                },
            );
        }
        out
    }

    pub fn network_keys(&self) -> impl Iterator<Item = &str> {
        self.networks.iter().map(|(n, _)| n.as_str())
    }

    /// The key's first occurrence (`restart`, `depends_on`), if any.
    pub fn key(&self, key: &str) -> Option<&Located<String>> {
        self.keys.iter().find(|k| k.value == key)
    }
}

/// A top-level network.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct NetDef {
    pub key: String,
    pub external: bool,
    /// `internal: true`: Docker's DNS asks such networks last.
    pub internal: bool,
    pub name: Option<String>,
}

impl NetDef {
    /// The network's name on the engine for a stack called `stack`.
    pub fn full_name(&self, stack: &str) -> String {
        match (&self.name, self.external) {
            (Some(n), true) => n.clone(),
            (None, true) => self.key.clone(),
            (Some(n), false) => n
                .replace("${STACK_NAME}", stack)
                .replace("$STACK_NAME", stack),
            (None, false) => format!("{stack}_{}", self.key),
        }
    }

    /// The shared `proxy` network every stack's public service joins.
    pub fn is_proxy(&self) -> bool {
        self.external && self.name.as_deref().unwrap_or(&self.key) == "proxy"
    }
}

/// A recipe's compose project, merged.
#[derive(Clone, Debug, Default)]
pub(crate) struct Project {
    /// The active chain, in order.
    pub compose_files: Vec<String>,
    /// Overlays not in the active chain: present in the recipe, or named by
    /// a commented-out `COMPOSE_FILE=` line.
    pub optional_files: Vec<String>,
    pub services: Vec<Svc>,
    pub networks: BTreeMap<String, NetDef>,
    /// Top-level configs: key → the file it is read from.
    pub configs: BTreeMap<String, Located<Option<String>>>,
    /// Services defined only in optional overlays: name → file.
    pub optional_services: BTreeMap<String, String>,
    /// Top-level keys of every active file.
    pub top_keys: Vec<Located<String>>,
    pub version: Option<Located<String>>,
    pub warnings: Vec<String>,
}

impl Project {
    pub fn service(&self, name: &str) -> Option<&Svc> {
        self.services.iter().find(|s| s.name == name)
    }

    /// Whether network key `key` (as a service lists it) is `proxy`. A key
    /// `proxy` that no file declares is taken as the proxy too: that is
    /// what the recipe means, and `docker stack deploy` reports the rest.
    pub fn is_proxy(&self, key: &str) -> bool {
        self.networks
            .get(key)
            .map_or(key == "proxy", NetDef::is_proxy)
    }

    /// The definition of network key `key`, or a plain stack network when
    /// no file declares it (compose's implicit `default`).
    pub fn network(&self, key: &str) -> NetDef {
        self.networks.get(key).cloned().unwrap_or_else(|| NetDef {
            key: key.to_string(),
            ..NetDef::default()
        })
    }

    pub fn on_proxy(&self, svc: &Svc) -> bool {
        svc.network_keys().any(|n| self.is_proxy(n))
    }
}

/// Whether a file name is a compose file (`compose.yml`,
/// `compose.postgres.yml`, `docker-compose.yaml`).
pub fn is_compose_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    (name.starts_with("compose") || name.starts_with("docker-compose"))
        && (name.ends_with(".yml") || name.ends_with(".yaml"))
}

/// The `COMPOSE_FILE` settings of a `.env.sample`: the active chain (the
/// last uncommented assignment) and every file named by a commented one.
pub(crate) fn compose_file_setting(env_sample: &str) -> (Option<Vec<String>>, Vec<String>) {
    let mut active: Option<String> = None;
    let mut options = Vec::new();
    for line in env_sample.lines() {
        let mut l = line.trim();
        let commented = l.starts_with('#');
        l = l.trim_start_matches('#').trim_start();
        l = l.strip_prefix("export ").unwrap_or(l).trim_start();
        let Some(value) = l.strip_prefix("COMPOSE_FILE=") else {
            continue;
        };
        let value = shell_value(value);
        let previous = active.clone().unwrap_or_default();
        let value = value
            .replace("${COMPOSE_FILE}", &previous)
            .replace("$COMPOSE_FILE", &previous);
        if commented {
            options.extend(split_chain(&value));
        } else {
            active = Some(value);
        }
    }
    (active.map(|a| split_chain(&a)), options)
}

fn split_chain(value: &str) -> Vec<String> {
    value
        .split(':')
        .map(|p| p.trim().trim_start_matches("./").to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The value of a shell assignment: quotes removed, a trailing ` # comment`
/// dropped from an unquoted value.
fn shell_value(raw: &str) -> String {
    let raw = raw.trim();
    for q in ['"', '\''] {
        if let Some(rest) = raw.strip_prefix(q) {
            return rest.split(q).next().unwrap_or("").to_string();
        }
    }
    raw.split(" #").next().unwrap_or("").trim().to_string()
}

/// A recipe's compose chain as abra reads it: the files of the last
/// uncommented `COMPOSE_FILE=` of `.env.sample` (`$COMPOSE_FILE`
/// expanded), else `compose.yml` (or `compose.yaml`, `docker-compose.yml`).
/// `check` and `probe compose` both read the chain here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// The files, in order.
    pub files: Vec<String>,
    /// Files named only by commented-out `COMPOSE_FILE=` lines.
    pub commented: Vec<String>,
    /// Where the list came from: `.env.sample COMPOSE_FILE` or `default`.
    pub from: &'static str,
}

/// See [`Chain`].
pub fn chain(files: &RecipeFiles) -> Chain {
    let (active, commented) = match files.files.get(".env.sample") {
        Some(text) => compose_file_setting(text),
        None => (None, Vec::new()),
    };
    match active {
        Some(chain) if !chain.is_empty() => Chain {
            files: chain,
            commented,
            from: ".env.sample COMPOSE_FILE",
        },
        _ => {
            let default = ["compose.yml", "compose.yaml", "docker-compose.yml"]
                .into_iter()
                .find(|f| files.files.contains_key(*f))
                .unwrap_or("compose.yml");
            Chain {
                files: vec![default.to_string()],
                commented,
                from: "default",
            }
        }
    }
}

/// Loads and merges the recipe's compose project.
pub(crate) fn load(files: &RecipeFiles) -> Project {
    let mut project = Project::default();
    let Chain {
        files: chain,
        commented,
        ..
    } = self::chain(files);
    for file in &chain {
        if !files.files.contains_key(file) {
            project.warnings.push(format!(
                "{file}: named by COMPOSE_FILE (or the default chain) but not in the recipe"
            ));
        }
    }
    let mut optional: BTreeSet<String> = files
        .files
        .keys()
        .filter(|f| is_compose_file(f))
        .cloned()
        .collect();
    optional.extend(commented);
    for f in &chain {
        optional.remove(f);
    }
    project.compose_files = chain.clone();
    project.optional_files = optional.into_iter().collect();

    for file in &chain {
        let Some(text) = files.files.get(file) else {
            continue;
        };
        let Some(doc) = parse_file(file, text, &mut project.warnings) else {
            continue;
        };
        merge_file(&mut project, file, &doc);
    }
    for file in project.optional_files.clone() {
        let Some(text) = files.files.get(&file) else {
            continue;
        };
        let Some(doc) = parse_file(&file, text, &mut project.warnings) else {
            continue;
        };
        for (k, _) in doc.get("services").map(Node::entries).unwrap_or(&[]) {
            if let Some(name) = k.text()
                && project.service(&name).is_none()
            {
                project
                    .optional_services
                    .entry(name)
                    .or_insert(file.clone());
            }
        }
    }
    project
}

fn parse_file(file: &str, text: &str, warnings: &mut Vec<String>) -> Option<Node> {
    match yaml::parse(text) {
        Ok(doc) if doc.is_map() => Some(doc),
        Ok(doc) if doc.v == Value::Null => None,
        Ok(_) => {
            warnings.push(format!(
                "{file}: not a compose file (the document is not a mapping)"
            ));
            None
        }
        Err(e) => {
            warnings.push(format!("{file}: not valid YAML, skipped: {e}"));
            None
        }
    }
}

fn merge_file(project: &mut Project, file: &str, doc: &Node) {
    for (k, v) in doc.entries() {
        let Some(key) = k.text() else { continue };
        project
            .top_keys
            .push(Located::new(key.clone(), file, k.line));
        match key.as_str() {
            "version" => {
                if let Some(t) = v.text() {
                    project.version = Some(Located::new(t, file, v.line));
                }
            }
            "networks" => {
                for (nk, nv) in v.entries() {
                    let Some(name) = nk.text() else { continue };
                    let def = project.networks.entry(name.clone()).or_insert(NetDef {
                        key: name,
                        ..NetDef::default()
                    });
                    if let Some(ext) = nv.get("external") {
                        // `external: {name: x}` is the old spelling of
                        // `external: true` + `name: x`.
                        def.external = truthy(ext) || ext.is_map();
                        if let Some(n) = ext.get("name").and_then(Node::text) {
                            def.name = Some(n);
                        }
                    }
                    if let Some(int) = nv.get("internal") {
                        def.internal = truthy(int);
                    }
                    if let Some(n) = nv.get("name").and_then(Node::text) {
                        def.name = Some(n);
                    }
                }
            }
            "configs" => {
                for (ck, cv) in v.entries() {
                    let Some(name) = ck.text() else { continue };
                    let path = cv
                        .get("file")
                        .and_then(Node::text)
                        .map(|p| p.trim_start_matches("./").to_string());
                    project
                        .configs
                        .insert(name, Located::new(path, file, ck.line));
                }
            }
            "services" => {
                for (sk, sv) in v.entries() {
                    let Some(name) = sk.text() else { continue };
                    let partial = read_service(&name, file, sk.line, sv);
                    match project.services.iter_mut().find(|s| s.name == name) {
                        Some(existing) => merge_service(existing, partial),
                        None => project.services.push(partial),
                    }
                }
            }
            _ => {}
        }
    }
    for svc in &mut project.services {
        if svc.networks.is_empty() {
            svc.networks.push(("default".to_string(), Vec::new()));
        }
    }
}

/// YAML `true` or the string `"true"` (compose accepts both).
fn truthy(n: &Node) -> bool {
    match &n.v {
        Value::Bool(b) => *b,
        Value::Str(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// A map or a `- key=value` list as (key, value, line).
fn key_values(node: &Node) -> Vec<(String, Option<String>, u32)> {
    match &node.v {
        Value::Map(entries) => entries
            .iter()
            .filter_map(|(k, v)| {
                let line = if v.line > 0 { v.line } else { k.line };
                Some((k.text()?, v.text(), line))
            })
            .collect(),
        Value::Seq(items) => items
            .iter()
            .filter_map(|item| {
                let text = item.text()?;
                Some(match text.split_once('=') {
                    Some((k, v)) => (k.trim().to_string(), Some(v.to_string()), item.line),
                    None => (text.trim().to_string(), None, item.line),
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A string or a list of strings (`command`, `entrypoint`, `test`).
fn words(node: &Node, file: &str) -> Vec<Located<String>> {
    match &node.v {
        Value::Seq(items) => items
            .iter()
            .filter_map(|i| Some(Located::new(i.text()?, file, i.line)))
            .collect(),
        _ => node
            .text()
            .map(|t| vec![Located::new(t, file, node.line)])
            .unwrap_or_default(),
    }
}

fn read_service(name: &str, file: &str, line: u32, node: &Node) -> Svc {
    let mut svc = Svc {
        name: name.to_string(),
        file: file.to_string(),
        line,
        ..Svc::default()
    };
    for (k, v) in node.entries() {
        let Some(key) = k.text() else { continue };
        svc.keys.push(Located::new(key.clone(), file, k.line));
        match key.as_str() {
            "image" => svc.image = v.text(),
            "networks" => match &v.v {
                Value::Seq(items) => {
                    for i in items {
                        if let Some(n) = i.text() {
                            svc.networks.push((n, Vec::new()));
                        }
                    }
                }
                Value::Map(entries) => {
                    for (nk, nv) in entries {
                        let Some(n) = nk.text() else { continue };
                        let aliases = nv
                            .get("aliases")
                            .map(|a| a.items().iter().filter_map(Node::text).collect())
                            .unwrap_or_default();
                        svc.networks.push((n, aliases));
                    }
                }
                _ => {}
            },
            "labels" => {
                for (lk, lv, line) in key_values(v) {
                    svc.container_labels
                        .insert(lk, Located::new(lv.unwrap_or_default(), file, line));
                }
            }
            "deploy" => {
                if let Some(labels) = v.get("labels") {
                    for (lk, lv, line) in key_values(labels) {
                        svc.deploy_labels
                            .insert(lk, Located::new(lv.unwrap_or_default(), file, line));
                    }
                }
            }
            "depends_on" => match &v.v {
                Value::Seq(items) => {
                    for i in items {
                        if let Some(d) = i.text() {
                            svc.depends_on.push(Located::new(d, file, i.line));
                        }
                    }
                }
                Value::Map(entries) => {
                    for (dk, _) in entries {
                        if let Some(d) = dk.text() {
                            svc.depends_on.push(Located::new(d, file, dk.line));
                        }
                    }
                }
                _ => {}
            },
            "environment" => {
                for (ek, ev, line) in key_values(v) {
                    svc.env.push(EnvVar {
                        key: ek,
                        value: ev,
                        file: file.to_string(),
                        line,
                    });
                }
            }
            "command" => svc.command = words(v, file),
            "entrypoint" => svc.entrypoint = words(v, file),
            "healthcheck" => {
                if let Some(test) = v.get("test") {
                    svc.healthcheck = words(test, file);
                }
            }
            "configs" => {
                for i in v.items() {
                    let source = i.text().or_else(|| i.get("source").and_then(Node::text));
                    if let Some(s) = source {
                        svc.configs.push(Located::new(s, file, i.line));
                    }
                }
            }
            "volumes" => {
                for i in v.items() {
                    if let Some(m) = read_mount(i, file) {
                        svc.mounts.push(m);
                    }
                }
            }
            _ => {}
        }
    }
    svc
}

fn read_mount(node: &Node, file: &str) -> Option<Mount> {
    let (source, target, kind) = match &node.v {
        Value::Map(_) => (
            node.get("source").and_then(Node::text),
            node.get("target").and_then(Node::text)?,
            node.get("type").and_then(Node::text),
        ),
        _ => {
            let text = node.text()?;
            let parts: Vec<&str> = text.split(':').collect();
            match parts.as_slice() {
                [target] => (None, target.to_string(), None),
                [source, target, ..] => (Some(source.to_string()), target.to_string(), None),
                [] => return None,
            }
        }
    };
    let named = match kind.as_deref() {
        Some("volume") => source.is_some(),
        Some(_) => false,
        None => source
            .as_deref()
            .is_some_and(|s| !s.starts_with(['/', '.', '~'])),
    };
    Some(Mount {
        source,
        target: target.trim_end_matches('/').to_string(),
        named,
        file: file.to_string(),
        line: node.line,
    })
}

fn merge_service(base: &mut Svc, over: Svc) {
    if over.image.is_some() {
        base.image = over.image;
    }
    for (net, aliases) in over.networks {
        match base.networks.iter_mut().find(|(n, _)| *n == net) {
            Some((_, existing)) => {
                for a in aliases {
                    if !existing.contains(&a) {
                        existing.push(a);
                    }
                }
            }
            None => base.networks.push((net, aliases)),
        }
    }
    base.container_labels.extend(over.container_labels);
    base.deploy_labels.extend(over.deploy_labels);
    for d in over.depends_on {
        if !base.depends_on.iter().any(|b| b.value == d.value) {
            base.depends_on.push(d);
        }
    }
    for e in over.env {
        base.env.retain(|b| b.key != e.key);
        base.env.push(e);
    }
    if !over.command.is_empty() {
        base.command = over.command;
    }
    if !over.entrypoint.is_empty() {
        base.entrypoint = over.entrypoint;
    }
    if !over.healthcheck.is_empty() {
        base.healthcheck = over.healthcheck;
    }
    for c in over.configs {
        if !base.configs.iter().any(|b| b.value == c.value) {
            base.configs.push(c);
        }
    }
    for m in over.mounts {
        base.mounts.retain(|b| b.target != m.target);
        base.mounts.push(m);
    }
    for k in over.keys {
        if base.key(&k.value).is_none() {
            base.keys.push(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipe(files: &[(&str, &str)]) -> RecipeFiles {
        RecipeFiles {
            origin: "test".into(),
            files: files
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn the_active_chain_is_the_last_uncommented_assignment() {
        let (active, options) = compose_file_setting(
            "# COMPOSE_FILE=\"compose.yml:compose.smtp.yml\"\n\
             COMPOSE_FILE=\"compose.yml\"\n\
             export COMPOSE_FILE=\"$COMPOSE_FILE:compose.postgres.yml\" # db\n\
             #COMPOSE_FILE=\"$COMPOSE_FILE:compose.s3.yml\"\n",
        );
        assert_eq!(active.unwrap(), ["compose.yml", "compose.postgres.yml"]);
        assert!(options.contains(&"compose.smtp.yml".to_string()));
        assert!(options.contains(&"compose.s3.yml".to_string()));
    }

    #[test]
    fn overlays_merge_like_compose() {
        let files = recipe(&[
            (".env.sample", "COMPOSE_FILE=compose.yml:compose.db.yml\n"),
            (
                "compose.yml",
                "services:\n  app:\n    image: a:1\n    networks: [proxy]\n    environment:\n      - A=1\n      - B\n    labels:\n      x: '1'\n    deploy:\n      labels:\n        - y=2\nnetworks:\n  proxy:\n    external: true\n",
            ),
            (
                "compose.db.yml",
                "services:\n  app:\n    image: a:2\n    networks:\n      internal:\n        aliases: [web]\n    environment:\n      A: 3\n  db:\n    image: postgres\n    volumes:\n      - data:/var/lib/postgresql/data\nnetworks:\n  internal:\n    internal: true\n",
            ),
            ("compose.smtp.yml", "services:\n  smtp:\n    image: x\n"),
        ]);
        let p = load(&files);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.compose_files, ["compose.yml", "compose.db.yml"]);
        assert_eq!(p.optional_files, ["compose.smtp.yml"]);
        assert_eq!(p.optional_services.get("smtp").unwrap(), "compose.smtp.yml");
        let app = p.service("app").unwrap();
        assert_eq!(app.image.as_deref(), Some("a:2"));
        assert_eq!(app.file, "compose.yml");
        assert_eq!(app.line, 2);
        let nets: Vec<&str> = app.network_keys().collect();
        assert_eq!(nets, ["proxy", "internal"]);
        assert_eq!(app.networks[1].1, ["web"]);
        let a = app.env.iter().find(|e| e.key == "A").unwrap();
        assert_eq!(
            (a.value.as_deref(), a.file.as_str(), a.line),
            (Some("3"), "compose.db.yml", 8)
        );
        assert_eq!(app.env.iter().find(|e| e.key == "B").unwrap().value, None);
        let labels = app.labels();
        assert!(labels["y"].deploy && !labels["x"].deploy);
        assert_eq!(labels["y"].value.line, 12);
        assert!(p.on_proxy(app));
        assert!(p.network("internal").internal);
        let db = p.service("db").unwrap();
        assert_eq!(db.networks[0].0, "default");
        assert!(db.mounts[0].named);
        assert_eq!(db.mounts[0].target, "/var/lib/postgresql/data");
    }

    #[test]
    fn a_broken_file_is_a_warning_naming_it() {
        let files = recipe(&[("compose.yml", "services:\n  app: {}\n  app: {}\n")]);
        let p = load(&files);
        assert!(p.services.is_empty());
        assert!(
            p.warnings[0].starts_with("compose.yml: not valid YAML"),
            "{:?}",
            p.warnings
        );
    }
}
