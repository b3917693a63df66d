#!/usr/bin/env bash
# Screenshots of the PR report as GitHub renders it, to look at before a
# change to the Markdown is called done (not part of `cargo test`).
#
# Usage: scripts/render-report.sh [REPORT.md ...]
#   OUT=/tmp/ccci-render   where the pages and screenshots go
#
# With no REPORT.md it writes the reports of testdata's recipes first:
# mattermost-lts (postgres) and bookstack (mariadb) from testdata/runs with
# real git checkouts (testdata/make-git-runs.sh), and bluesky-pds (routing)
# from testdata/real's sweep.
#
# For each report R.md it writes, under OUT:
#   R.html             the Markdown rendered by comrak (GitHub-flavoured, the
#                      raw HTML GitHub lets through) in a page with GitHub-like CSS
#   R-1280.png         headless Chromium at 1280 px wide, <details> closed
#   R-420.png          the same at 420 px (a phone)
#   R-open-1280.png    every <details> opened
# Needs: cargo, git, chromium (Debian's package); ImageMagick's convert, when
# installed, cuts each screenshot to the comment.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${OUT:-/tmp/ccci-render}
mkdir -p "$out"
command -v chromium >/dev/null || { echo "render-report.sh: chromium is not installed" >&2; exit 1; }

cd "$here"
cargo build -q --bin ccci-triage --example gfm-page
target=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin=$target/debug/ccci-triage
page=$target/debug/examples/gfm-page

reports=("$@")
if [ ${#reports[@]} -eq 0 ]; then
  host=$out/host
  rm -rf "$host"
  testdata/make-git-runs.sh "$host"
  for r in mattermost-lts bookstack; do
    "$bin" "$host/runs" --all --no-history --canonicals "$host/ci-warm" \
      -r "$r" -f markdown > "$out/$r.md"
    reports+=("$out/$r.md")
  done
  "$bin" "$host/real/runs" --sweep-log "$host/real/sweep-2026-06-21.journal" --no-history \
    --canonicals "$host/real/ci-warm" -r bluesky-pds -f markdown > "$out/bluesky-pds.md"
  reports+=("$out/bluesky-pds.md")
fi

shot() { # shot PAGE WIDTH PNG: the page, cut to the comment when ImageMagick is there
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size="$2,4000" --screenshot="$3" "file://$1" >/dev/null 2>&1
  if command -v convert >/dev/null; then
    convert "$3" -trim +repage -bordercolor white -border 8 "$3"
  fi
  echo "$3"
}

for md in "${reports[@]}"; do
  name=$(basename "$md" .md)
  "$page" "$md" > "$out/$name.html"
  "$page" --open "$md" > "$out/$name-open.html"
  shot "$out/$name.html" 1280 "$out/$name-1280.png"
  shot "$out/$name.html" 420 "$out/$name-420.png"
  shot "$out/$name-open.html" 1280 "$out/$name-open-1280.png"
done
