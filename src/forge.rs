//! A report as one comment on a pull request of a Gitea or Forgejo forge,
//! through its REST API (`/api/v1`), kept up to date: the first run adds
//! the comment, later runs edit it.
//!
//! Three endpoints, as Gitea documents them (a PR is an issue to them):
//!
//! ```text
//! GET   /api/v1/repos/{owner}/{repo}/issues/{index}/comments   200 [Comment]
//! POST  /api/v1/repos/{owner}/{repo}/issues/{index}/comments   201 Comment   {"body": …}
//! PATCH /api/v1/repos/{owner}/{repo}/issues/comments/{id}      200 Comment   {"body": …}
//! ```
//!
//! The comment to edit is found by [`MARKER`]: only a comment whose body
//! *starts* with it (as every body [`crate::report::markdown`] writes
//! does) is ever edited, so a reply that quotes the report is left alone.
//!
//! Listing asks `?page=N&limit=50` and follows pages, but does not count
//! on them: Gitea's issue-comments endpoint ignores `page` and `limit` and
//! answers every comment at once (with `X-Total-Count`), and a forge can
//! cap a page below 50. So the listing stops at the first of: the total
//! the forge announced is reached, a page brings no comment not seen
//! before, a page has fewer than 50 (when no total is announced), or
//! [`MAX_PAGES`] pages.
//!
//! The token is sent only as `Authorization: token …`, never put in a URL,
//! and never printed: [`Token`] has no `Display`, its `Debug` is masked,
//! and every message built from the forge's answers is scrubbed of it.

use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::report::markdown::MARKER;
use crate::report::text::{clip, one_line};

/// Comments asked for per page.
pub const PAGE_LIMIT: usize = 50;
/// Pages read at most.
pub const MAX_PAGES: usize = 20;
/// The most bytes of one listing page read (50 comments of 64 KiB, and
/// Gitea's whole list at once, with room).
const LIST_BODY_MAX: u64 = 64 << 20;
/// The most bytes of the answer to a create or an edit read.
const REPLY_BODY_MAX: u64 = 4 << 20;
/// The most bytes of the forge's `message` quoted in an error.
const MESSAGE_MAX: usize = 300;

const BASE_HINT: &str =
    "pass the forge's base URL, http(s)://host[:port][/path], e.g. https://git.coopcloud.tech";

/// The forge's base URL, checked: `http(s)://host[:port][/path]`, the
/// scheme and host in lower case, no trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Base {
    url: String,
    https: bool,
    host: String,
}

impl Base {
    /// Checks `--forge`: a scheme of http or https, a host name or address
    /// (`[…]` for IPv6), an optional port, an optional path of plain
    /// segments; no user, password, query or fragment.
    pub fn parse(s: &str) -> Result<Base> {
        let bad = |why: &str| {
            Error::usage(format!("--forge {}: {why}", clip(&one_line(s), 200))).with_hint(BASE_HINT)
        };
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        let (https, rest) = if lower.starts_with("https://") {
            (true, &t["https://".len()..])
        } else if lower.starts_with("http://") {
            (false, &t["http://".len()..])
        } else {
            return Err(bad("not an http:// or https:// URL"));
        };
        if rest.contains(['?', '#']) {
            return Err(bad("has a query or a fragment; the base URL has neither"));
        }
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        if authority.contains('@') {
            return Err(Error::usage(
                "--forge holds a user name or password; a URL is not where credentials go",
            )
            .with_hint("drop them from the URL; the token goes in GITEA_TOKEN or --token-file"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (addr, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("an IPv6 address without its `]`"))?;
            if addr.is_empty()
                || !addr
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
            {
                return Err(bad("not an IPv6 address between `[` and `]`"));
            }
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| bad("something after the `]` that is not a port"))?,
                ),
            };
            (format!("[{}]", addr.to_ascii_lowercase()), port)
        } else {
            let (h, p) = match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            };
            let label_ok = |l: &str| {
                !l.is_empty()
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            };
            if h.is_empty() {
                return Err(bad("no host"));
            }
            if !h.split('.').all(label_ok) {
                return Err(bad("the host is not a host name or an IPv4 address"));
            }
            (h.to_ascii_lowercase(), p)
        };
        let port = match port {
            None => String::new(),
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 && p.chars().all(|c| c.is_ascii_digit()) => format!(":{n}"),
                _ => return Err(bad("the port is not a number from 1 to 65535")),
            },
        };
        let path = path.trim_end_matches('/');
        let mut segments = Vec::new();
        if !path.is_empty() {
            for seg in path.split('/') {
                if seg.is_empty() || seg == "." || seg == ".." || !seg.chars().all(is_unreserved) {
                    return Err(bad(
                        "the path is not plain segments of letters, digits, `.`, `_`, `~` and `-`",
                    ));
                }
                segments.push(seg);
            }
        }
        if segments.len() >= 2 && segments[segments.len() - 2..] == ["api", "v1"] {
            return Err(bad(
                "ends in /api/v1; the base URL is the forge's own, without /api/v1",
            ));
        }
        let scheme = if https { "https" } else { "http" };
        let mut url = format!("{scheme}://{host}{port}");
        for seg in &segments {
            url.push('/');
            url.push_str(seg);
        }
        Ok(Base { url, https, host })
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }

    pub fn is_https(&self) -> bool {
        self.https
    }

    /// This machine (`localhost`, 127.0.0.0/8, `[::1]`): plain http to it
    /// does not cross a network.
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost" || self.host == "[::1]" || self.host.starts_with("127.")
    }
}

impl fmt::Display for Base {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

/// A repository, `OWNER/NAME`, each of `[A-Za-z0-9._-]+`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl Repo {
    pub fn parse(s: &str) -> Result<Repo> {
        let hint = "the repository as in its URL, OWNER/NAME, e.g. coop-cloud/mattermost-lts";
        let shown = clip(&one_line(s), 200);
        if s.contains("://") {
            return Err(
                Error::usage(format!("--repo {shown}: a URL, not OWNER/NAME"))
                    .with_hint(format!("{hint}; the forge's URL goes in --forge")),
            );
        }
        let part_ok = |p: &str| {
            !p.is_empty()
                && p != "."
                && p != ".."
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        };
        match s.split_once('/') {
            Some((owner, name)) if part_ok(owner) && part_ok(name) => Ok(Repo {
                owner: owner.to_string(),
                name: name.to_string(),
            }),
            _ => Err(Error::usage(format!(
                "--repo {shown}: not OWNER/NAME (each of letters, digits, `.`, `_` and `-`)"
            ))
            .with_hint(hint)),
        }
    }
}

impl fmt::Display for Repo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// An API token. It has no `Display`; its `Debug` is masked.
#[derive(Clone)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(****)")
    }
}

impl Token {
    /// `raw` trimmed; `source` names where it came from in errors (which
    /// never quote it).
    pub fn new(raw: &str, source: &str) -> Result<Token> {
        let t = raw.trim();
        let hint = "create a token on the forge (Settings → Applications) with the write:issue \
                    scope and put only the token there";
        if t.is_empty() {
            return Err(Error::usage(format!("{source} is empty: no token")).with_hint(hint));
        }
        if !t.chars().all(|c| c.is_ascii_graphic()) {
            return Err(Error::usage(format!(
                "{source} holds more than one word, or a character no token has (it is not shown)"
            ))
            .with_hint(hint));
        }
        Ok(Token(t.to_string()))
    }

    fn header(&self) -> String {
        format!("token {}", self.0)
    }

    /// `s` with every occurrence of the token masked.
    pub fn redact(&self, s: &str) -> String {
        s.replace(&self.0, "****")
    }
}

/// A comment as Gitea answers it (the fields used).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Comment {
    pub id: u64,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub user: Option<User>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct User {
    #[serde(default)]
    pub login: Option<String>,
}

impl Comment {
    /// Whether this is a report ccci-triage wrote: its body starts with
    /// [`MARKER`].
    pub fn is_report(&self) -> bool {
        self.body.as_deref().is_some_and(is_report)
    }
}

/// Whether `body` is a report ccci-triage wrote: it starts with
/// [`MARKER`] (a quote of one, `> <!-- …`, does not).
pub fn is_report(body: &str) -> bool {
    body.trim_start().starts_with(MARKER)
}

/// The comments of a PR, as far as they were listed.
#[derive(Debug, Default)]
pub struct Listing {
    pub comments: Vec<Comment>,
    /// False when [`MAX_PAGES`] pages were read and there may be more.
    pub complete: bool,
    /// Requests made.
    pub pages: usize,
}

/// What [`Forge::publish`] did: the comment's id and its page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created(u64, String),
    Edited(u64, String),
}

/// [`Outcome`] and what the user should know about it.
#[derive(Debug)]
pub struct Published {
    pub outcome: Outcome,
    pub notes: Vec<String>,
}

/// The API's URLs for one repository.
#[derive(Clone, Debug)]
pub struct Endpoints {
    api: String,
}

impl Endpoints {
    pub fn new(base: &Base, repo: &Repo) -> Endpoints {
        Endpoints {
            api: format!(
                "{}/api/v1/repos/{}/{}",
                base.as_str(),
                segment(&repo.owner),
                segment(&repo.name)
            ),
        }
    }

    pub fn list(&self, pr: u64, page: usize) -> String {
        format!(
            "{}/issues/{pr}/comments?page={page}&limit={PAGE_LIMIT}",
            self.api
        )
    }

    pub fn create(&self, pr: u64) -> String {
        format!("{}/issues/{pr}/comments", self.api)
    }

    pub fn edit(&self, id: u64) -> String {
        format!("{}/issues/comments/{id}", self.api)
    }

    /// [`Endpoints::edit`] with `{id}` for the id, for `--dry-run`.
    fn edit_template(&self) -> String {
        format!("{}/issues/comments/{{id}}", self.api)
    }
}

/// RFC 3986's unreserved characters: the only ones a path segment keeps
/// as they are.
fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

/// `s` percent-encoded as one path segment.
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if is_unreserved(b as char) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The JSON body of a create or an edit.
pub fn payload(body: &str) -> String {
    serde_json::json!({ "body": body }).to_string()
}

/// What a run would send, for `--dry-run`: every request, the token
/// masked, and the body. Nothing is sent to make it.
pub fn dry_run(base: &Base, repo: &Repo, pr: u64, body: &str, token: Option<&Token>) -> String {
    let e = Endpoints::new(base, repo);
    let auth = match token {
        Some(_) => "Authorization: token ****".to_string(),
        None => "Authorization: (none: no GITEA_TOKEN or --token-file; a real run stops here)"
            .to_string(),
    };
    let json = payload(body);
    let mut out = String::new();
    out.push_str("dry run: nothing was sent. A real run would:\n\n");
    out.push_str(&format!(
        "1. list the PR's comments, page after page (at most {MAX_PAGES}), until the forge's \
         X-Total-Count is reached or a page has fewer than {PAGE_LIMIT}:\n\n"
    ));
    out.push_str(&format!(
        "GET {}\n{auth}\nAccept: application/json\n\n",
        e.list(pr, 1)
    ));
    out.push_str(&format!(
        "2. edit the newest comment whose body starts with {MARKER}, if there is one:\n\n"
    ));
    out.push_str(&format!(
        "PATCH {}\n{auth}\nAccept: application/json\nContent-Type: application/json\n\n",
        e.edit_template()
    ));
    out.push_str("   else add one:\n\n");
    out.push_str(&format!(
        "POST {}\n{auth}\nAccept: application/json\nContent-Type: application/json\n\n",
        e.create(pr)
    ));
    out.push_str(&format!(
        "with this body ({} bytes; the report is {} bytes):\n\n{json}\n",
        json.len(),
        body.len()
    ));
    out
}

#[derive(Clone, Copy, Debug)]
enum Method {
    Get,
    Post,
    Patch,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
        })
    }
}

/// What a request is for, which decides what an error says.
#[derive(Clone, Copy, Debug)]
enum Op<'a> {
    List(&'a Repo, u64),
    Create(&'a Repo, u64),
    Edit(&'a Repo, u64),
}

impl Op<'_> {
    fn what(&self) -> String {
        match self {
            Op::List(repo, pr) => format!("listing the comments of {repo} PR #{pr}"),
            Op::Create(repo, pr) => format!("adding the comment to {repo} PR #{pr}"),
            Op::Edit(repo, id) => format!("editing comment {id} of {repo}"),
        }
    }
}

/// An answer, read whole.
struct Reply {
    status: u16,
    total: Option<usize>,
    location: Option<String>,
    body: String,
}

/// A client of one forge.
pub struct Forge {
    agent: ureq::Agent,
    base: Base,
    token: Token,
    timeout: Duration,
}

impl Forge {
    /// A client that waits at most `timeout` for each request (connecting,
    /// sending and the whole answer), follows no redirect (the token is not
    /// sent on; a redirect is reported with where it leads), and takes a
    /// proxy from the usual environment variables.
    pub fn new(base: Base, token: Token, timeout: Duration) -> Forge {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_global(Some(timeout))
            .user_agent(concat!("ccci-triage/", env!("CARGO_PKG_VERSION")))
            .build();
        Forge {
            agent: ureq::Agent::new_with_config(config),
            base,
            token,
            timeout,
        }
    }

    /// Every comment of PR `pr` (see the module docs for when it stops).
    pub fn list_comments(&self, repo: &Repo, pr: u64) -> Result<Listing> {
        let e = Endpoints::new(&self.base, repo);
        let op = Op::List(repo, pr);
        let mut listing = Listing::default();
        let mut seen: HashSet<u64> = HashSet::new();
        for page in 1..=MAX_PAGES {
            let url = e.list(pr, page);
            let reply = self.send(Method::Get, &url, None, LIST_BODY_MAX, op)?;
            listing.pages += 1;
            self.expect_success(&reply, Method::Get, &url, op)?;
            let items: Option<Vec<Comment>> = serde_json::from_str(&reply.body)
                .map_err(|_| self.not_the_api(Method::Get, &url, op))?;
            let items = items.unwrap_or_default();
            let n = items.len();
            let mut new = 0;
            for c in items {
                if seen.insert(c.id) {
                    listing.comments.push(c);
                    new += 1;
                }
            }
            let done = n == 0
                || new == 0
                || match reply.total {
                    Some(total) => listing.comments.len() >= total,
                    None => n < PAGE_LIMIT,
                };
            if done {
                listing.complete = true;
                return Ok(listing);
            }
        }
        Ok(listing)
    }

    /// Adds a comment to PR `pr` (Gitea answers 201).
    pub fn create_comment(&self, repo: &Repo, pr: u64, body: &str) -> Result<Comment> {
        let url = Endpoints::new(&self.base, repo).create(pr);
        let op = Op::Create(repo, pr);
        let reply = self.send(Method::Post, &url, Some(&payload(body)), REPLY_BODY_MAX, op)?;
        self.expect_success(&reply, Method::Post, &url, op)?;
        serde_json::from_str(&reply.body).map_err(|_| self.not_the_api(Method::Post, &url, op))
    }

    /// Replaces comment `id`'s body (Gitea answers 200 with the comment,
    /// or 204 for a comment without content, answered with `None`).
    pub fn edit_comment(&self, repo: &Repo, id: u64, body: &str) -> Result<Option<Comment>> {
        let url = Endpoints::new(&self.base, repo).edit(id);
        let op = Op::Edit(repo, id);
        let reply = self.send(
            Method::Patch,
            &url,
            Some(&payload(body)),
            REPLY_BODY_MAX,
            op,
        )?;
        self.expect_success(&reply, Method::Patch, &url, op)?;
        if reply.status == 204 || reply.body.trim().is_empty() {
            return Ok(None);
        }
        serde_json::from_str(&reply.body)
            .map(Some)
            .map_err(|_| self.not_the_api(Method::Patch, &url, op))
    }

    /// Puts `body` on PR `pr`: edits the newest comment that is a report
    /// ([`is_report`]), else adds one.
    pub fn publish(&self, repo: &Repo, pr: u64, body: &str) -> Result<Published> {
        let listing = self.list_comments(repo, pr)?;
        let mut notes = Vec::new();
        if !listing.complete {
            notes.push(format!(
                "the PR has more than {} pages of comments; the report's own comment was looked \
                 for in the first {MAX_PAGES} only",
                MAX_PAGES
            ));
        }
        let ours: Vec<&Comment> = listing.comments.iter().filter(|c| c.is_report()).collect();
        let outcome = match ours.last() {
            Some(c) => {
                if ours.len() > 1 {
                    notes.push(format!(
                        "{} comments on the PR are ccci-triage reports; the newest ({}) was edited",
                        ours.len(),
                        c.id
                    ));
                }
                let edited = self.edit_comment(repo, c.id, body)?;
                let url = edited
                    .and_then(|e| e.html_url)
                    .or_else(|| c.html_url.clone())
                    .filter(|u| !u.trim().is_empty())
                    .unwrap_or_else(|| self.comment_page(repo, pr, c.id));
                Outcome::Edited(c.id, self.scrub(&url))
            }
            None => {
                let created = self.create_comment(repo, pr, body)?;
                let url = created
                    .html_url
                    .filter(|u| !u.trim().is_empty())
                    .unwrap_or_else(|| self.comment_page(repo, pr, created.id));
                Outcome::Created(created.id, self.scrub(&url))
            }
        };
        Ok(Published { outcome, notes })
    }

    /// Where Gitea shows a comment, for an answer without `html_url`.
    fn comment_page(&self, repo: &Repo, pr: u64, id: u64) -> String {
        format!(
            "{}/{}/{}/pulls/{pr}#issuecomment-{id}",
            self.base,
            segment(&repo.owner),
            segment(&repo.name)
        )
    }

    /// Text from the forge, fit for one line of an error: no control
    /// characters, clipped, the token masked.
    fn scrub(&self, s: &str) -> String {
        self.token
            .redact(&clip(&one_line(s), MESSAGE_MAX))
            .replace('\n', " ")
    }

    fn send(
        &self,
        method: Method,
        url: &str,
        json: Option<&str>,
        limit: u64,
        op: Op,
    ) -> Result<Reply> {
        let auth = self.token.header();
        let result = match method {
            Method::Get => self
                .agent
                .get(url)
                .header("Authorization", &auth)
                .header("Accept", "application/json")
                .call(),
            Method::Post | Method::Patch => {
                let req = if matches!(method, Method::Post) {
                    self.agent.post(url)
                } else {
                    self.agent.patch(url)
                };
                req.header("Authorization", &auth)
                    .header("Accept", "application/json")
                    .header("Content-Type", "application/json")
                    .send(json.unwrap_or("{}"))
            }
        };
        let mut resp = result.map_err(|e| self.transport(&e, method, url, op))?;
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let total = header("x-total-count").and_then(|v| v.trim().parse().ok());
        let location = header("location");
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(limit)
            .lossy_utf8(true)
            .read_to_string()
            .map_err(|e| self.transport(&e, method, url, op))?;
        Ok(Reply {
            status,
            total,
            location,
            body,
        })
    }

    /// A forge that did not answer: exit 2, naming the URL.
    fn transport(&self, e: &ureq::Error, method: Method, url: &str, op: Op) -> Error {
        let secs = self.timeout.as_secs();
        let why = match e {
            ureq::Error::Timeout(_) => format!("no answer within {secs} s (--timeout {secs})"),
            ureq::Error::Io(io) => match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                    format!("no answer within {secs} s (--timeout {secs})")
                }
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::UnexpectedEof => {
                    "the connection was closed before the answer was complete".to_string()
                }
                _ => io.to_string(),
            },
            ureq::Error::HostNotFound => "host not found".to_string(),
            ureq::Error::ConnectionFailed => "connection failed".to_string(),
            ureq::Error::BodyExceedsLimit(n) => format!("the answer is over {} MiB", n >> 20),
            other => other.to_string(),
        };
        Error::usage(format!(
            "the forge at {} did not answer {} ({method} {url}): {}",
            self.base,
            op.what(),
            self.scrub(&why)
        ))
        .with_hint(format!(
            "check --forge (the forge's base URL) and that {} is reachable from here; \
             --timeout N waits longer",
            self.base
        ))
    }

    fn not_the_api(&self, method: Method, url: &str, op: Op) -> Error {
        Error::usage(format!(
            "the answer to {} ({method} {url}) is not Gitea's API JSON",
            op.what()
        ))
        .with_hint(format!(
            "is {} the forge's base URL (a Gitea or Forgejo, with the API at /api/v1)?",
            self.base
        ))
    }

    /// A 2xx passes; anything else is an error that says what to do.
    fn expect_success(&self, reply: &Reply, method: Method, url: &str, op: Op) -> Result<()> {
        if (200..300).contains(&reply.status) {
            return Ok(());
        }
        let message = forge_message(&reply.body)
            .map(|m| format!(": {}", self.scrub(&m)))
            .unwrap_or_default();
        let status = reply.status;
        let at = format!("{method} {url}");
        let err = match status {
            401 => Error::usage(format!(
                "the forge refused the token (401 Unauthorized) {}{message} ({at})",
                op.what()
            ))
            .with_hint(format!(
                "check GITEA_TOKEN or --token-file: a token of {} that has not expired or been \
                 revoked, with the write:issue scope",
                self.base
            )),
            403 => Error::usage(format!("the forge forbids {} (403 Forbidden){message} ({at})", op.what()))
                .with_hint(
                    "the token needs the write:issue scope, and its user must be allowed to \
                     comment on the repository (repository write access for a locked PR or \
                     another's comment)",
                ),
            404 => match op {
                Op::List(repo, pr) | Op::Create(repo, pr) => Error::usage(format!(
                    "{repo} or its PR #{pr} was not found on {} (404){message} ({at})",
                    self.base
                ))
                .with_hint(
                    "check --repo (OWNER/NAME, as in the repository's URL) and --pr (the number \
                     in …/pulls/N); a private repository answers 404 to a token that cannot read it",
                ),
                Op::Edit(repo, id) => Error::usage(format!(
                    "comment {id} of {repo} was not found (404){message} ({at}): was it deleted \
                     just now?"
                ))
                .with_hint("run the command again: it adds a new comment when it finds none"),
            },
            300..=399 => Error::usage(format!(
                "the forge redirected {} ({status}) to {} ({at})",
                op.what(),
                reply
                    .location
                    .as_deref()
                    .map(|l| self.scrub(l))
                    .unwrap_or_else(|| "nowhere said".to_string())
            ))
            .with_hint(
                "pass the URL it redirects to as --forge (https:// rather than http://, or \
                 the forge's canonical host); the token is not sent on to a redirect",
            ),
            _ => Error::usage(format!(
                "the forge answered {status}{} to {}{message} ({at})",
                reason(status).map(|r| format!(" {r}")).unwrap_or_default(),
                op.what()
            ))
            .with_hint(if status >= 500 {
                "the forge had a problem of its own; try again later, or ask its admins"
            } else {
                "the forge's message says what it refused; --dry-run shows what is sent"
            }),
        };
        Err(err)
    }
}

/// The `message` of a Gitea error answer (`{"message": …, "url": …}`).
fn forge_message(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let m = v.get("message")?.as_str()?.trim();
    (!m.is_empty()).then(|| m.to_string())
}

fn reason(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        409 => "Conflict",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        423 => "Locked",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forge_urls_are_checked_and_normalised() {
        let b = Base::parse("https://git.coopcloud.tech/").unwrap();
        assert_eq!(b.as_str(), "https://git.coopcloud.tech");
        assert!(b.is_https() && !b.is_loopback());
        let b = Base::parse("HTTP://127.0.0.1:3000/gitea").unwrap();
        assert_eq!(b.as_str(), "http://127.0.0.1:3000/gitea");
        assert!(b.is_loopback());
        assert_eq!(
            Base::parse("http://[::1]:8080").unwrap().as_str(),
            "http://[::1]:8080"
        );
        for bad in [
            "git.coopcloud.tech",
            "ftp://host",
            "https://",
            "https://user:pw@host",
            "https://host:0",
            "https://host:99999",
            "https://host:x",
            "https://host/a b",
            "https://host/../x",
            "https://host/a//b",
            "https://host?x=1",
            "https://host/#frag",
            "https://ho_st",
            "https://-host",
            "https://host/api/v1",
            "https://[zz]",
        ] {
            assert!(Base::parse(bad).is_err(), "{bad} accepted");
        }
        let err = Base::parse("https://me:secret@host").unwrap_err();
        assert!(!err.message.contains("secret"), "{}", err.message);
    }

    #[test]
    fn repos_are_owner_slash_name() {
        let r = Repo::parse("coop-cloud/mattermost-lts").unwrap();
        assert_eq!(
            (r.owner.as_str(), r.name.as_str()),
            ("coop-cloud", "mattermost-lts")
        );
        assert_eq!(Repo::parse("a_b/c.d-e").unwrap().to_string(), "a_b/c.d-e");
        for bad in [
            "mattermost-lts",
            "a/b/c",
            "/b",
            "a/",
            "../b",
            "a/..",
            "a b/c",
            "a/c%2F",
            "a/ü",
            "https://git.coopcloud.tech/a/b",
        ] {
            assert!(Repo::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn urls_encode_their_segments() {
        assert_eq!(segment("a.b_c-d~e"), "a.b_c-d~e");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
        assert_eq!(segment("ü"), "%C3%BC");
        let e = Endpoints::new(
            &Base::parse("https://git.example/sub").unwrap(),
            &Repo::parse("o/n").unwrap(),
        );
        assert_eq!(
            e.list(7, 2),
            "https://git.example/sub/api/v1/repos/o/n/issues/7/comments?page=2&limit=50"
        );
        assert_eq!(
            e.create(7),
            "https://git.example/sub/api/v1/repos/o/n/issues/7/comments"
        );
        assert_eq!(
            e.edit(12),
            "https://git.example/sub/api/v1/repos/o/n/issues/comments/12"
        );
    }

    #[test]
    fn tokens_are_trimmed_checked_and_never_shown() {
        let t = Token::new("  abc123\n", "GITEA_TOKEN").unwrap();
        assert_eq!(t.header(), "token abc123");
        assert_eq!(format!("{t:?}"), "Token(****)");
        assert_eq!(t.redact("x abc123 y"), "x **** y");
        assert!(Token::new(" \n", "GITEA_TOKEN").is_err());
        let err = Token::new("abc 123", "--token-file f").unwrap_err();
        assert!(!err.message.contains("abc"), "{}", err.message);
        assert!(Token::new("abc\n123", "--token-file f").is_err());
    }

    #[test]
    fn only_a_body_that_starts_with_the_marker_is_a_report() {
        assert!(is_report(&format!("{MARKER}\n## ccci-triage")));
        assert!(is_report(&format!("\n{MARKER}\n")));
        assert!(!is_report(&format!(
            "> {MARKER}\n> ## ccci-triage\n\nthanks"
        )));
        assert!(!is_report("LGTM"));
    }

    #[test]
    fn the_dry_run_masks_the_token_and_shows_the_body() {
        let base = Base::parse("https://git.example").unwrap();
        let repo = Repo::parse("o/n").unwrap();
        let t = Token::new("s3cr3t-t0ken", "GITEA_TOKEN").unwrap();
        let text = dry_run(&base, &repo, 7, "hello \"world\"\n", Some(&t));
        assert!(!text.contains("s3cr3t"));
        assert!(text.contains("Authorization: token ****"));
        assert!(text.contains(
            "GET https://git.example/api/v1/repos/o/n/issues/7/comments?page=1&limit=50"
        ));
        assert!(text.contains("POST https://git.example/api/v1/repos/o/n/issues/7/comments\n"));
        assert!(text.contains("PATCH https://git.example/api/v1/repos/o/n/issues/comments/{id}"));
        assert!(text.contains(r#"{"body":"hello \"world\"\n"}"#), "{text}");
    }

    #[test]
    fn forge_messages_are_read_from_json_only() {
        assert_eq!(
            forge_message(r#"{"message":"token is required","url":"x"}"#).as_deref(),
            Some("token is required")
        );
        assert_eq!(forge_message("<html>502</html>"), None);
        assert_eq!(forge_message(r#"{"message":""}"#), None);
    }
}
