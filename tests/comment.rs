//! `ccci-triage comment` end to end: the real binary against a small
//! HTTP/1.1 server of this file's own on 127.0.0.1, speaking the three
//! endpoints of Gitea's API the command uses as Gitea documents and
//! implements them (status codes, JSON shapes, `Authorization: token`,
//! `X-Total-Count`). It is not a real Gitea: none can be installed here.
//!
//! Gitea's `GET /repos/{owner}/{repo}/issues/{index}/comments` answers
//! every comment at once and ignores `page` and `limit`
//! ([`Paging::AllAtOnce`]); paginated endpoints (and forges that paginate
//! this one) answer `limit` items per page, capped by the server
//! ([`Paging::Pages`]). Both are served here.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::{Value, json};

use ccci_triage::report::markdown::{MARKDOWN_LIMIT, MARKER};

/// The token the server accepts (a Gitea token is 40 hex digits).
const TOKEN: &str = "3f5e2a9c0b7d41e8a6c2f0d9b8e7a6c5d4e3f2a1";
const REPO: &str = "coop-cloud/mattermost-lts";
const PR: u64 = 7;
/// The token's user on the server.
const BOT: &str = "ccci-bot";

#[derive(Clone, Debug)]
struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// The `body` of a create or edit request.
    fn comment_body(&self) -> String {
        let v: Value = serde_json::from_str(&self.body).expect("request body is JSON");
        v["body"].as_str().expect("a body field").to_string()
    }
}

#[derive(Clone, Copy, Debug)]
enum Paging {
    /// Gitea's issue-comments endpoint: every comment, `X-Total-Count`.
    AllAtOnce,
    /// `?page=&limit=` honoured, `limit` capped at `max` (Gitea's
    /// MAX_RESPONSE_ITEMS), the default page size 30; `X-Total-Count` when
    /// `total`.
    Pages { max: usize, total: bool },
}

#[derive(Clone, Debug)]
enum Mode {
    /// The API.
    Gitea,
    /// This status and JSON (or other) body to every request.
    Status(u16, String),
    /// Read the request, never answer (holds the connection 20 s).
    Silent,
}

struct State {
    port: u16,
    paging: Paging,
    mode: Mode,
    comments: Vec<Value>,
    next_id: u64,
    requests: Vec<Request>,
    connections: usize,
}

struct Server {
    port: u16,
    state: Arc<Mutex<State>>,
}

impl Server {
    fn start(paging: Paging, mode: Mode) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            port,
            paging,
            mode,
            comments: Vec::new(),
            next_id: 4100,
            requests: Vec::new(),
            connections: 0,
        }));
        let st = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                st.lock().unwrap().connections += 1;
                let st = st.clone();
                std::thread::spawn(move || serve(stream, &st));
            }
        });
        Server { port, state }
    }

    fn gitea() -> Server {
        Server::start(Paging::AllAtOnce, Mode::Gitea)
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Adds a comment by `login`; answers its id.
    fn seed(&self, login: &str, body: &str) -> u64 {
        let mut st = self.state.lock().unwrap();
        let id = st.next_id;
        st.next_id += 1;
        let c = comment_json(st.port, id, login, body);
        st.comments.push(c);
        id
    }

    fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    fn comments(&self) -> Vec<Value> {
        self.state.lock().unwrap().comments.clone()
    }

    fn body_of(&self, id: u64) -> String {
        self.comments()
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["body"].as_str().unwrap().to_string())
            .expect("the comment exists")
    }
}

fn comment_json(port: u16, id: u64, login: &str, body: &str) -> Value {
    json!({
        "id": id,
        "html_url": format!("http://127.0.0.1:{port}/{REPO}/pulls/{PR}#issuecomment-{id}"),
        "pull_request_url": format!("http://127.0.0.1:{port}/{REPO}/pulls/{PR}"),
        "issue_url": "",
        "user": {"id": if login == BOT { 2 } else { 9 }, "login": login, "full_name": ""},
        "original_author": "",
        "original_author_id": 0,
        "body": body,
        "assets": [],
        "created_at": "2026-06-18T10:00:00Z",
        "updated_at": "2026-06-18T10:00:00Z"
    })
}

fn not_found(port: u16) -> (u16, Vec<(String, String)>, String) {
    (
        404,
        vec![],
        json!({"errors": [], "message": "The target couldn't be found.", "url": format!("http://127.0.0.1:{port}/api/swagger")})
            .to_string(),
    )
}

/// One request per connection (`Connection: close`).
fn serve(stream: TcpStream, state: &Arc<Mutex<State>>) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            return;
        }
        let h = h.trim_end_matches(['\r', '\n']);
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let req = Request {
        method,
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let (status, extra, answer) = {
        let mut st = state.lock().unwrap();
        st.requests.push(req.clone());
        match st.mode.clone() {
            Mode::Silent => {
                drop(st);
                std::thread::sleep(Duration::from_secs(20));
                return;
            }
            Mode::Status(code, body) => (code, vec![], body),
            Mode::Gitea => route(&mut st, &req),
        }
    };
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json;charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n",
        reason(status),
        answer.len()
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(answer.as_bytes());
    let _ = out.flush();
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        500 => "Internal Server Error",
        _ => "Other",
    }
}

/// The three endpoints, as Gitea answers them.
fn route(st: &mut State, req: &Request) -> (u16, Vec<(String, String)>, String) {
    let port = st.port;
    // Gitea: a wrong or missing token is 401. This server also quotes the
    // credentials it got in the message (Gitea does not), to show that the
    // client masks whatever the forge says.
    if req.header("Authorization") != Some(&format!("token {TOKEN}")) {
        let got = req.header("Authorization").unwrap_or("nothing");
        return (
            401,
            vec![],
            json!({"message": format!("invalid username, password or token (got {got})"), "url": format!("http://127.0.0.1:{port}/api/swagger")})
                .to_string(),
        );
    }
    let Some(rest) = req.path.strip_prefix("/api/v1/repos/") else {
        return not_found(port);
    };
    let segs: Vec<&str> = rest.split('/').collect();
    let (owner, name) = REPO.split_once('/').unwrap();
    match (req.method.as_str(), segs.as_slice()) {
        ("GET" | "POST", [o, r, "issues", index, "comments"]) => {
            if *o != owner || *r != name || *index != PR.to_string() {
                return not_found(port);
            }
            if req.method == "GET" {
                let total = st.comments.len();
                match st.paging {
                    Paging::AllAtOnce => (
                        200,
                        vec![("X-Total-Count".into(), total.to_string())],
                        Value::Array(st.comments.clone()).to_string(),
                    ),
                    Paging::Pages {
                        max,
                        total: with_total,
                    } => {
                        let page: usize = req
                            .param("page")
                            .and_then(|p| p.parse().ok())
                            .unwrap_or(1)
                            .max(1);
                        let mut limit: usize = req
                            .param("limit")
                            .and_then(|p| p.parse().ok())
                            .unwrap_or(30);
                        if limit == 0 {
                            limit = 30;
                        }
                        limit = limit.min(max);
                        let items: Vec<Value> = st
                            .comments
                            .iter()
                            .skip((page - 1) * limit)
                            .take(limit)
                            .cloned()
                            .collect();
                        let extra = if with_total {
                            vec![("X-Total-Count".into(), total.to_string())]
                        } else {
                            vec![]
                        };
                        (200, extra, Value::Array(items).to_string())
                    }
                }
            } else {
                let Some(body) = serde_json::from_str::<Value>(&req.body)
                    .ok()
                    .and_then(|v| v["body"].as_str().map(str::to_string))
                else {
                    return (
                        422,
                        vec![],
                        json!({"message": "[Body]: Required"}).to_string(),
                    );
                };
                let id = st.next_id;
                st.next_id += 1;
                let c = comment_json(port, id, BOT, &body);
                st.comments.push(c.clone());
                (201, vec![], c.to_string())
            }
        }
        ("PATCH", [o, r, "issues", "comments", id]) => {
            if *o != owner || *r != name {
                return not_found(port);
            }
            let Some(c) = st
                .comments
                .iter_mut()
                .find(|c| c["id"].as_u64().is_some_and(|x| x.to_string() == *id))
            else {
                return not_found(port);
            };
            let Some(body) = serde_json::from_str::<Value>(&req.body)
                .ok()
                .and_then(|v| v["body"].as_str().map(str::to_string))
            else {
                return (
                    422,
                    vec![],
                    json!({"message": "[Body]: Required"}).to_string(),
                );
            };
            // The bot has write access to the repository, so Gitea would
            // let it edit anyone's comment: only the client's own check
            // keeps it off them.
            c["body"] = Value::String(body);
            c["updated_at"] = Value::String("2026-06-19T10:00:00Z".into());
            (200, vec![], c.to_string())
        }
        _ => not_found(port),
    }
}

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary with a clean environment (no token, no proxy), in the
/// crate's directory.
fn bin() -> Command {
    let mut c = Command::cargo_bin("ccci-triage").unwrap();
    c.current_dir(manifest())
        .env_remove("GITEA_TOKEN")
        .env_remove("CCCI_RUNS_DIR")
        .env("NO_COLOR", "1")
        .env("ABRA_DIR", "/nonexistent-abra")
        .timeout(Duration::from_secs(120));
    for v in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        c.env_remove(v);
    }
    c
}

/// `ccci-triage comment --forge URL --repo … --pr 7 testdata/runs --recipe
/// mattermost-lts --canonicals testdata/ci-warm --no-history EXTRA…`.
fn comment(url: &str, extra: &[&str]) -> Command {
    let mut c = bin();
    c.args(["comment", "--forge", url, "--repo", REPO, "--pr", "7"])
        .args([
            "testdata/runs",
            "--recipe",
            "mattermost-lts",
            "--canonicals",
            "testdata/ci-warm",
            "--no-history",
        ])
        .args(extra);
    c
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(mut c: Command) -> Ran {
    let out = c.output().unwrap();
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(c: Command) -> Ran {
    let r = run(c);
    assert_eq!(
        r.code,
        Some(0),
        "stdout: {}\nstderr: {}",
        r.stdout,
        r.stderr
    );
    r
}

fn with_token(mut c: Command, token: &str) -> Command {
    c.env("GITEA_TOKEN", token);
    c
}

fn list_path() -> String {
    format!("/api/v1/repos/{REPO}/issues/{PR}/comments")
}

fn methods(reqs: &[Request]) -> Vec<String> {
    reqs.iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn first_run_creates_the_comment_and_later_runs_edit_it() {
    let s = Server::gitea();
    let alice = s.seed("alice", "Thanks, looking at the restore failure now.");

    // First run: list, then create.
    let r = ok(with_token(comment(&s.url(), &[]), TOKEN));
    let reqs = s.requests();
    assert_eq!(
        methods(&reqs),
        [
            format!("GET {}", list_path()),
            format!("POST {}", list_path())
        ]
    );
    assert_eq!(reqs[0].param("page"), Some("1"));
    assert_eq!(reqs[0].param("limit"), Some("50"));
    for q in &reqs {
        assert_eq!(
            q.header("Authorization"),
            Some(format!("token {TOKEN}").as_str())
        );
        assert!(!q.path.contains(TOKEN) && !q.query.contains(TOKEN));
    }
    assert!(
        reqs[1]
            .header("Content-Type")
            .is_some_and(|v| v.starts_with("application/json"))
    );
    let posted = reqs[1].comment_body();
    assert!(posted.starts_with(MARKER), "{posted}");
    assert!(
        posted.contains("mattermost-lts") && posted.contains("recipe-defect"),
        "{posted}"
    );
    assert!(posted.len() <= MARKDOWN_LIMIT);
    let ours = s.comments().last().unwrap()["id"].as_u64().unwrap();
    assert_ne!(ours, alice);
    let url = format!("{}/{REPO}/pulls/{PR}#issuecomment-{ours}", s.url());
    assert_eq!(r.stdout, format!("created comment {url}\n"));
    assert!(!r.stderr.contains(TOKEN) && !r.stdout.contains(TOKEN));

    // Second run, same input: the same comment is edited, nothing added.
    let r = ok(with_token(comment(&s.url(), &[]), TOKEN));
    let reqs = s.requests();
    assert_eq!(
        methods(&reqs[2..]),
        [
            format!("GET {}", list_path()),
            format!("PATCH /api/v1/repos/{REPO}/issues/comments/{ours}")
        ]
    );
    assert_eq!(reqs[3].comment_body(), posted);
    assert_eq!(r.stdout, format!("edited comment {url}\n"));
    assert_eq!(s.comments().len(), 2);

    // Third run, nothing red any more: the comment says so, it is not
    // deleted or left stale.
    let r = ok(with_token(
        comment(&s.url(), &["--since", "2099-01-01"]),
        TOKEN,
    ));
    let reqs = s.requests();
    assert_eq!(
        methods(&reqs[4..])[1],
        format!("PATCH /api/v1/repos/{REPO}/issues/comments/{ours}")
    );
    assert_eq!(reqs.len(), 6);
    let body = s.body_of(ours);
    assert!(
        body.starts_with(MARKER) && body.contains("Nothing is red"),
        "{body}"
    );
    assert_eq!(r.stdout, format!("edited comment {url}\n"));
    assert_eq!(
        s.body_of(alice),
        "Thanks, looking at the restore failure now."
    );
    assert_eq!(s.comments().len(), 2);
}

#[test]
fn comments_of_others_are_never_edited_even_when_they_quote_the_report() {
    let s = Server::gitea();
    let plain = s.seed("alice", "LGTM once CI is green");
    let quote = format!(
        "> {MARKER}\n> ## ccci-triage: `mattermost-lts` 1 cause\n\nIs this the pg_dump thing?"
    );
    let quoting = s.seed("bob", &quote);
    let later = format!("see the bot's report:\n\n{MARKER}\n(pasted)");
    let pasted = s.seed("carol", &later);

    let r = ok(with_token(comment(&s.url(), &[]), TOKEN));
    let reqs = s.requests();
    assert_eq!(
        methods(&reqs),
        [
            format!("GET {}", list_path()),
            format!("POST {}", list_path())
        ]
    );
    assert!(r.stdout.starts_with("created comment "), "{}", r.stdout);
    assert_eq!(s.body_of(plain), "LGTM once CI is green");
    assert_eq!(s.body_of(quoting), quote);
    assert_eq!(s.body_of(pasted), later);
    assert_eq!(s.comments().len(), 4);
}

#[test]
fn the_report_on_page_two_is_found_and_edited() {
    let s = Server::start(
        Paging::Pages {
            max: 50,
            total: true,
        },
        Mode::Gitea,
    );
    for i in 0..50 {
        s.seed("alice", &format!("comment {i}"));
    }
    let ours = s.seed(BOT, &format!("{MARKER}\n## ccci-triage: an old report\n"));
    for i in 0..5 {
        s.seed("bob", &format!("reply {i}"));
    }
    let r = ok(with_token(comment(&s.url(), &[]), TOKEN));
    let reqs = s.requests();
    let pages: Vec<Option<&str>> = reqs
        .iter()
        .filter(|q| q.method == "GET")
        .map(|q| q.param("page"))
        .collect();
    assert_eq!(pages, [Some("1"), Some("2")]);
    assert_eq!(
        methods(&reqs).last().unwrap(),
        &format!("PATCH /api/v1/repos/{REPO}/issues/comments/{ours}")
    );
    assert!(!reqs.iter().any(|q| q.method == "POST"));
    assert!(
        r.stdout.starts_with("edited comment ")
            && r.stdout.contains(&format!("issuecomment-{ours}"))
    );
    assert!(s.body_of(ours).contains("mattermost-lts"));
}

#[test]
fn gitea_answering_every_comment_at_once_takes_one_request() {
    // Gitea ignores page and limit on this endpoint: page 2 would be page
    // 1 again. Its X-Total-Count says the list is whole.
    let s = Server::gitea();
    for i in 0..60 {
        s.seed("alice", &format!("comment {i}"));
    }
    let ours = s.seed(BOT, &format!("{MARKER}\nold\n"));
    ok(with_token(comment(&s.url(), &[]), TOKEN));
    let reqs = s.requests();
    assert_eq!(
        methods(&reqs),
        [
            format!("GET {}", list_path()),
            format!("PATCH /api/v1/repos/{REPO}/issues/comments/{ours}")
        ]
    );
}

#[test]
fn short_pages_are_followed_to_the_total_and_full_pages_without_one() {
    // A forge that caps a page at 30: a page of 30 is not the last one
    // while X-Total-Count says there are more.
    let s = Server::start(
        Paging::Pages {
            max: 30,
            total: true,
        },
        Mode::Gitea,
    );
    for i in 0..65 {
        s.seed("alice", &format!("comment {i}"));
    }
    let ours = s.seed(BOT, &format!("{MARKER}\nold\n"));
    ok(with_token(comment(&s.url(), &[]), TOKEN));
    let reqs = s.requests();
    assert_eq!(reqs.iter().filter(|q| q.method == "GET").count(), 3);
    assert_eq!(
        reqs.last().unwrap().path,
        format!("/api/v1/repos/{REPO}/issues/comments/{ours}")
    );

    // No total: pages of 50 are followed until a short one.
    let s = Server::start(
        Paging::Pages {
            max: 50,
            total: false,
        },
        Mode::Gitea,
    );
    for i in 0..110 {
        s.seed("alice", &format!("comment {i}"));
    }
    let ours = s.seed(BOT, &format!("{MARKER}\nold\n"));
    ok(with_token(comment(&s.url(), &[]), TOKEN));
    let reqs = s.requests();
    let pages: Vec<Option<&str>> = reqs
        .iter()
        .filter(|q| q.method == "GET")
        .map(|q| q.param("page"))
        .collect();
    assert_eq!(pages, [Some("1"), Some("2"), Some("3")]);
    assert_eq!(reqs.last().unwrap().method, "PATCH");
    assert!(reqs.last().unwrap().path.ends_with(&format!("/{ours}")));
}

#[test]
fn listing_stops_at_twenty_pages_and_says_so() {
    let s = Server::start(
        Paging::Pages {
            max: 50,
            total: true,
        },
        Mode::Gitea,
    );
    for i in 0..1_050 {
        s.seed("alice", &format!("comment {i}"));
    }
    let r = ok(with_token(comment(&s.url(), &[]), TOKEN));
    let reqs = s.requests();
    assert_eq!(reqs.iter().filter(|q| q.method == "GET").count(), 20);
    assert_eq!(reqs.last().unwrap().method, "POST");
    assert!(r.stderr.contains("first 20"), "{}", r.stderr);
}

#[test]
fn a_refused_token_is_exit_2_with_a_hint_and_never_printed() {
    let s = Server::gitea();
    let wrong = "9d1c0ffee0ddba11deadbeef0123456789abcdef";
    let r = run(with_token(comment(&s.url(), &[]), wrong));
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("401"), "{}", r.stderr);
    let hint = r
        .stderr
        .lines()
        .find(|l| l.starts_with("hint: "))
        .expect("a hint");
    assert!(
        hint.contains("GITEA_TOKEN") && hint.contains("write:issue"),
        "{hint}"
    );
    // The server quoted the credentials back; they are masked.
    assert!(r.stderr.contains("token ****"), "{}", r.stderr);
    assert!(
        !r.stderr.contains(wrong) && !r.stdout.contains(wrong),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(&wrong[..12]));
    assert_eq!(methods(&s.requests()), [format!("GET {}", list_path())]);
    assert!(r.stdout.is_empty());
}

#[test]
fn a_missing_repo_or_pr_is_exit_2_with_a_hint() {
    let s = Server::gitea();
    for (repo, pr) in [(REPO, "8"), ("coop-cloud/no-such-recipe", "7")] {
        let mut c = bin();
        c.args(["comment", "--forge", &s.url(), "--repo", repo, "--pr", pr])
            .args([
                "testdata/runs",
                "--recipe",
                "mattermost-lts",
                "--canonicals",
                "testdata/ci-warm",
                "--no-history",
            ])
            .env("GITEA_TOKEN", TOKEN);
        let r = run(c);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(
            r.stderr.contains("404") && r.stderr.contains(&format!("PR #{pr}")),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr.contains("The target couldn't be found."),
            "{}",
            r.stderr
        );
        let hint = r
            .stderr
            .lines()
            .find(|l| l.starts_with("hint: "))
            .expect("a hint");
        assert!(hint.contains("--repo") && hint.contains("--pr"), "{hint}");
    }
    assert!(s.requests().iter().all(|q| q.method == "GET"));
}

#[test]
fn other_answers_print_the_status_and_the_forges_message_sanitised() {
    let cases = [
        (
            403,
            json!({"message": "user should have a permission to write to the issues", "url": "x"})
                .to_string(),
            "403",
            Some("user should have a permission to write to the issues"),
            "write:issue",
        ),
        (
            500,
            json!({"message": "database is locked\u{1b}[31m\u{7}", "url": "x"}).to_string(),
            "500 Internal Server Error",
            Some("database is locked"),
            "try again later",
        ),
        (
            502,
            "<html><body>Bad Gateway</body></html>".to_string(),
            "502 Bad Gateway",
            None,
            "try again later",
        ),
    ];
    for (status, body, says, message, hint) in cases {
        let s = Server::start(Paging::AllAtOnce, Mode::Status(status, body));
        let r = run(with_token(comment(&s.url(), &[]), TOKEN));
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(r.stderr.contains(says), "{status}: {}", r.stderr);
        if let Some(m) = message {
            assert!(r.stderr.contains(m), "{status}: {}", r.stderr);
        }
        assert!(!r.stderr.contains("<html>"), "{}", r.stderr);
        assert!(
            !r.stderr.contains('\u{1b}') && !r.stderr.contains('\u{7}'),
            "{:?}",
            r.stderr
        );
        let h = r
            .stderr
            .lines()
            .find(|l| l.starts_with("hint: "))
            .expect("a hint");
        assert!(h.contains(hint), "{status}: {h}");
        assert_eq!(s.requests().len(), 1);
    }
}

#[test]
fn a_forge_that_never_answers_is_exit_2_within_the_timeout() {
    let s = Server::start(Paging::AllAtOnce, Mode::Silent);
    let started = Instant::now();
    let r = run(with_token(comment(&s.url(), &["--timeout", "2"]), TOKEN));
    let took = started.elapsed();
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(took >= Duration::from_secs(2), "gave up after {took:?}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert!(
        r.stderr.contains("--timeout 2") && r.stderr.contains(&s.url()),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("hint: "), "{}", r.stderr);
    assert_eq!(s.requests().len(), 1, "the request reached the server");
}

#[test]
fn a_forge_that_refuses_connections_is_exit_2_naming_the_url() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let r = run(with_token(comment(&url, &[]), TOKEN));
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("connection refused") && r.stderr.contains(&url),
        "{}",
        r.stderr
    );
}

#[test]
fn dry_run_sends_nothing_and_masks_the_token() {
    let s = Server::gitea();
    let r = ok(with_token(comment(&s.url(), &["--dry-run"]), TOKEN));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(s.connections(), 0, "the dry run connected");
    assert!(!r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN));
    let api = format!("{}/api/v1/repos/{REPO}", s.url());
    assert!(
        r.stdout
            .contains(&format!("GET {api}/issues/7/comments?page=1&limit=50\n")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains(&format!("POST {api}/issues/7/comments\n")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains(&format!("PATCH {api}/issues/comments/{{id}}\n")),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stdout.matches("Authorization: token ****\n").count(),
        3,
        "{}",
        r.stdout
    );
    // The body, exactly as it would be sent.
    let json_line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("{\"body\":"))
        .expect("the body");
    let v: Value = serde_json::from_str(json_line).unwrap();
    let body = v["body"].as_str().unwrap();
    assert!(body.starts_with(MARKER) && body.contains("mattermost-lts"));

    // Without a token a dry run still shows the requests.
    let r = ok(comment(&s.url(), &["--dry-run"]));
    assert!(r.stdout.contains("Authorization: (none"), "{}", r.stdout);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(s.connections(), 0);
}

#[test]
fn a_token_file_is_read_trimmed_and_preferred() {
    let s = Server::gitea();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, format!("  {TOKEN}\n")).unwrap();
    // A stale GITEA_TOKEN too: the file named on the command line wins.
    let mut c = with_token(comment(&s.url(), &[]), "stale-token");
    c.arg("--token-file").arg(&file);
    let r = ok(c);
    assert!(r.stdout.starts_with("created comment "));
    assert!(
        s.requests()
            .iter()
            .all(|q| q.header("Authorization") == Some(&format!("token {TOKEN}")))
    );

    // An empty one, or one with two words, is exit 2 and sends nothing.
    let s = Server::gitea();
    for (content, says) in [("\n", "is empty"), ("tok en\n", "more than one word")] {
        std::fs::write(&file, content).unwrap();
        let mut c = comment(&s.url(), &[]);
        c.arg("--token-file").arg(&file);
        let r = run(c);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(r.stderr.contains(says), "{}", r.stderr);
        assert!(!r.stderr.contains("tok en"), "{}", r.stderr);
    }
    let mut c = comment(&s.url(), &[]);
    c.arg("--token-file").arg(dir.path().join("missing"));
    let r = run(c);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
    assert_eq!(s.connections(), 0);
}

#[test]
fn no_token_is_exit_2_before_anything_is_sent() {
    let s = Server::gitea();
    let r = run(comment(&s.url(), &[]));
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("no token") && r.stderr.contains("hint: "),
        "{}",
        r.stderr
    );
    assert_eq!(s.connections(), 0);
}

#[test]
fn bad_flags_are_exit_2_before_anything_is_sent() {
    let s = Server::gitea();
    for (flag, value, says) in [
        ("--repo", "mattermost-lts", "not OWNER/NAME"),
        ("--repo", "coop-cloud/../x", "not OWNER/NAME"),
        ("--repo", "https://git.coopcloud.tech/coop-cloud/x", "a URL"),
        ("--forge", "git.coopcloud.tech", "http"),
        ("--forge", "https://git.coopcloud.tech/api/v1", "/api/v1"),
        ("--pr", "0", "start at 1"),
        ("--timeout", "0", "--timeout 0"),
    ] {
        let mut c = bin();
        let mut args = vec![
            "comment",
            "--forge",
            "http://127.0.0.1:9",
            "--repo",
            REPO,
            "--pr",
            "7",
        ];
        let url = s.url();
        if flag == "--forge" {
            args[2] = value;
        } else if flag == "--repo" {
            args[4] = value;
            args[2] = &url;
        } else if flag == "--pr" {
            args[6] = value;
            args[2] = &url;
        } else {
            args.extend([flag, value]);
            args[2] = &url;
        }
        c.args(&args)
            .args(["testdata/runs", "--no-history"])
            .env("GITEA_TOKEN", TOKEN);
        let r = run(c);
        assert_eq!(r.code, Some(2), "{flag} {value}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{flag} {value}: {}", r.stderr);
        assert!(r.stderr.contains("hint: "), "{flag} {value}: {}", r.stderr);
    }
    assert_eq!(s.connections(), 0);
}

/// A runs root with one run of 150 distinct failures, whose report would
/// be far over the limit uncapped.
fn big_root(dir: &Path) -> PathBuf {
    let run = dir.join("runs/big-1");
    std::fs::create_dir_all(run.join("junit")).unwrap();
    let n = 150;
    let tests: Vec<Value> = (0..n)
        .map(|i| json!({"name": format!("tests/bigapp/test_m{i}.py::test_case_{i}"), "status": "fail", "ms": 100}))
        .collect();
    let results = json!({
        "schema": 2, "recipe": "bigapp", "version": "1.0.0+1", "pr": null, "ref": "abc",
        "run_id": "big-1", "finished": 1781741052.4,
        "stages": [{"name": "custom", "status": "fail", "tests": tests}],
        "results": {"custom": "fail"}, "level": 1, "rungs": {"install": "pass"},
        "skips": {"intentional": {}, "unintentional": []},
        "lint": {"status": "pass", "detail": "", "rules_failed": []},
        "flags": {}, "customization": null
    });
    std::fs::write(run.join("results.json"), results.to_string()).unwrap();
    let cases: String = (0..n)
        .map(|i| {
            format!(
                "<testcase classname=\"tests.bigapp.test_m{i}\" name=\"test_case_{i}\" time=\"0.1\">\
                 <failure message=\"AssertionError: widget {i} {} mismatch\">E AssertionError: widget {i} differs {}</failure></testcase>",
                "x".repeat(400),
                "y".repeat(700)
            )
        })
        .collect();
    std::fs::write(
        run.join("junit/custom__bigapp__test_m.xml"),
        format!("<?xml version=\"1.0\"?><testsuites><testsuite name=\"pytest\" failures=\"{n}\" tests=\"{n}\">{cases}</testsuite></testsuites>"),
    )
    .unwrap();
    dir.join("runs")
}

#[test]
fn a_report_too_big_for_a_comment_is_capped_before_it_is_sent() {
    let s = Server::gitea();
    let dir = tempfile::tempdir().unwrap();
    let root = big_root(dir.path());
    let mut c = bin();
    c.args(["comment", "--forge", &s.url(), "--repo", REPO, "--pr", "7"])
        .arg(&root)
        .args([
            "--recipe",
            "bigapp",
            "--no-history",
            "--canonicals",
            "/nonexistent",
        ])
        .env("GITEA_TOKEN", TOKEN);
    ok(c);
    let post = s
        .requests()
        .into_iter()
        .find(|q| q.method == "POST")
        .expect("a POST");
    let body = post.comment_body();
    assert!(body.len() <= MARKDOWN_LIMIT, "{} bytes", body.len());
    assert!(
        body.len() > MARKDOWN_LIMIT / 2,
        "{} bytes: the test did not make a big report",
        body.len()
    );
    assert!(body.contains("not shown"), "the report was not capped");
    assert!(body.starts_with(MARKER));
}
