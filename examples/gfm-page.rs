//! `gfm-page`: renders a Markdown report as GitHub renders a PR comment
//! (comrak, a port of cmark-gfm, with the GFM extensions and the raw HTML
//! GitHub lets through), wrapped in a page with GitHub-like CSS, so a
//! headless browser can screenshot it (`scripts/render-report.sh`).
//!
//! Usage: `gfm-page [--open] FILE.md > page.html`; `--open` renders every
//! `<details>` expanded, to see what a click shows.

use std::io::Write;

const CSS: &str = r#"
* { box-sizing: border-box; }
body { margin: 0; background: #ffffff; color: #1f2328;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial,
    sans-serif;
  font-size: 14px; line-height: 1.5; }
.comment { max-width: 920px; margin: 24px auto; border: 1px solid #d1d9e0; border-radius: 6px; }
.comment-head { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px;
  color: #59636e; border-radius: 6px 6px 0 0; }
.markdown-body { padding: 16px; overflow-wrap: break-word; }
.markdown-body > *:first-child { margin-top: 0 !important; }
h2, h3 { font-weight: 600; line-height: 1.25; margin: 24px 0 16px; }
h2 { font-size: 1.5em; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0; }
h3 { font-size: 1.25em; }
p, ul, ol, pre, details, table { margin: 0 0 16px; }
ul { padding-left: 2em; }
code { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas,
    "Liberation Mono", monospace;
  font-size: 85%; padding: .2em .4em; background: rgba(129,139,152,.12); border-radius: 6px; }
pre { padding: 16px; overflow: auto; font-size: 85%; line-height: 1.45; background: #f6f8fa;
  border-radius: 6px; }
pre code { padding: 0; background: transparent; font-size: 100%; white-space: pre; }
details summary { cursor: pointer; display: list-item; }
details[open] summary { margin-bottom: 16px; }
sub { color: #59636e; }
table { border-collapse: collapse; display: block; overflow: auto; }
td, th { border: 1px solid #d1d9e0; padding: 6px 13px; }
@media (max-width: 600px) {
  .comment { margin: 8px; }
  .markdown-body { padding: 12px; }
}
"#;

fn main() {
    let mut open = false;
    let mut path = None;
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--open" => open = true,
            _ => path = Some(a),
        }
    }
    let Some(path) = path else {
        eprintln!("usage: gfm-page [--open] FILE.md > page.html");
        std::process::exit(2);
    };
    let md = match std::fs::read_to_string(&path) {
        Ok(md) => md,
        Err(e) => {
            eprintln!("gfm-page: {path}: {e}");
            std::process::exit(2);
        }
    };
    let mut o = comrak::Options::default();
    o.extension.strikethrough = true;
    o.extension.table = true;
    o.extension.autolink = true;
    o.extension.tasklist = true;
    o.extension.footnotes = true;
    o.render.r#unsafe = true;
    o.render.github_pre_lang = true;
    let mut body = comrak::markdown_to_html(&md, &o);
    if open {
        body = body.replace("<details>", "<details open>");
    }
    let page = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>PR comment</title><style>{CSS}</style></head>\n<body><div class=\"comment\">\
         <div class=\"comment-head\"><b>ccci-triage</b> commented</div>\
         <div class=\"markdown-body\">\n{body}</div></div></body></html>\n"
    );
    std::io::stdout()
        .write_all(page.as_bytes())
        .expect("stdout is writable");
}
