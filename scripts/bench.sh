#!/usr/bin/env bash
# Benchmark of the history index against ripgrep, on a synthetic year of
# cc-ci runs (ccci-gen-runs), at two sizes so memory can be seen flat as
# console logs grow.
#
# Usage: scripts/bench.sh [BIG_MB] [SMALL_MB]     (default 600 and 60)
#   WORK=/tmp/ccci-bench   where the runs roots, caches and binaries go
#   RUNS=3                 repetitions; the best time is reported
#
# What it measures, on the same machine in one run:
#   1. cold index of the whole root (`ccci-triage history ROOT` with an
#      empty cache) against `rg -c` over the same tree for the same
#      patterns the indexer runs (the console rules marked `trouble` plus
#      run.start/run.result/run.end, extracted from rules/*.toml); goal:
#      at most 1.0x ripgrep;
#   2. warm re-index with nothing changed; goal: under 1 s;
#   3. one 20-recipe sweep with a warm index: `ccci-triage <sweep run
#      dirs> --format json` when triage is wired in this build, else the
#      warm `history ROOT --format json` (index check plus every test's
#      history), and it says which;
#   4. peak memory (max RSS from /usr/bin/time -v) of the cold index at
#      both sizes; goal: under 64 MiB and flat.
# Both sides read from the page cache: the tree is read once before timing.
#
# This script is the only place that builds in release mode.
set -euo pipefail

BIG=${1:-600}
SMALL=${2:-60}
WORK=${WORK:-/tmp/ccci-bench}
RUNS=${RUNS:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

if ! command -v rg >/dev/null; then
    echo "installing ripgrep" >&2
    apt-get install -y ripgrep >/dev/null
fi
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

cargo build --release --bin ccci-triage --example ccci-gen-runs
target=${CARGO_TARGET_DIR:-$repo/target}/release
mkdir -p "$WORK/bin"
# Private copies: a shared target dir may be rebuilt under us.
cp "$target/ccci-triage" "$target/examples/ccci-gen-runs" "$WORK/bin/"
ccci=$WORK/bin/ccci-triage
gen=$WORK/bin/ccci-gen-runs

# The patterns the indexer runs over consoles, for ripgrep.
python3 - "$repo/rules" >"$WORK/patterns.txt" <<'EOF'
import re, sys, tomllib, pathlib
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.toml")):
    for r in tomllib.loads(f.read_text()).get("rule", []):
        if r["scope"] == "console" and (r.get("trouble") or r["id"] in ("run.start", "run.result", "run.end")):
            # ripgrep joins -f patterns with `|`: group each one (so an
            # inline (?i) stays inside it) and drop capture names (two
            # rules may use the same one).
            print("(?:" + re.sub(r"\(\?P<\w+>", "(", r["pattern"]) + ")")
EOF
echo "ripgrep patterns: $(wc -l <"$WORK/patterns.txt")" >&2

# seconds and max RSS (KiB) of a command: "<secs> <kib>"
measure() {
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/stderr.txt" || {
        echo "failed: $*" >&2; tail -5 "$WORK/stderr.txt" >&2; exit 1; }
    cat "$WORK/time.txt"
}
# Best (lowest) time of RUNS runs of a command, with the RSS of that run;
# $1 is a setup command run before each repetition (untimed).
best() {
    local setup=$1; shift
    local out="" t m bt="" bm=""
    for _ in $(seq "$RUNS"); do
        eval "$setup"
        read -r t m < <(measure "$@")
        if [ -z "$bt" ] || awk "BEGIN{exit !($t < $bt)}"; then bt=$t; bm=$m; fi
    done
    echo "$bt $bm"
}

declare -A RESULT
for mb in "$SMALL" "$BIG"; do
    root=$WORK/runs-$mb
    if [ ! -f "$root/.complete" ]; then
        rm -rf "$root"
        "$gen" "$root" --mb "$mb" >&2
        # Marker outside the run layout (a dotfile is not a run).
        touch "$root/.complete"
    fi
    size=$(du -sm --apparent-size "$root" | cut -f1)
    runs=$(find "$root" -maxdepth 1 -name '*.console.log' | wc -l)
    cat -- "$root"/*.console.log "$root"/*/junit/*.xml "$root"/*/results.json >/dev/null
    cache=$WORK/cache-$mb

    # The binary must have `history` wired: its JSON names the runs.
    "$ccci" history "$root" --cache "$cache" --format json >"$WORK/probe.json" 2>/dev/null || true
    if ! grep -q '"schema_version"' "$WORK/probe.json"; then
        echo "ccci-triage history printed no JSON: is the command wired in main.rs?" >&2
        exit 1
    fi

    read -r rg_t rg_m < <(best ":" rg -c --no-unicode --no-ignore --hidden -f "$WORK/patterns.txt" "$root")
    read -r cold_t cold_m < <(best "rm -rf '$cache'" "$ccci" history "$root" --cache "$cache" --format json)
    read -r warm_t warm_m < <(best ":" "$ccci" history "$root" --cache "$cache" --format json)

    # One sweep: the 20 run dirs of the newest sweep.
    day=$(find "$root" -maxdepth 1 -type d -name 'sweep-*' -printf '%f\n' | cut -d- -f2 | sort -u | tail -1)
    mapfile -t sweep < <(find "$root" -maxdepth 1 -type d -name "sweep-$day-*" | sort)
    if "$ccci" "${sweep[@]}" --format json 2>/dev/null | grep -q '"failures"'; then
        what="triage of ${#sweep[@]} sweep run dirs (sweep $day)"
        read -r sw_t sw_m < <(best ":" "$ccci" "${sweep[@]}" --format json)
    else
        what="history ROOT --format json, warm (triage not wired in this build)"
        sw_t=$warm_t; sw_m=$warm_m
    fi

    RESULT[$mb]="$size $runs $rg_t $rg_m $cold_t $cold_m $warm_t $warm_m $sw_t $sw_m"
    echo "measured ${mb} MB: ${RESULT[$mb]}" >&2
done

printf '\nhistory index benchmark: %s cores, %s, best of %s\n' "$(nproc)" "$(uname -m)" "$RUNS"
printf 'one sweep: %s\n\n' "$what"
printf '%-9s %6s %9s %9s %7s %9s %10s %9s %9s %10s\n' \
    "root" "runs" "rg (s)" "cold (s)" "ratio" "warm (s)" "sweep (s)" "cold MiB" "warm MiB" "sweep MiB"
for mb in "$SMALL" "$BIG"; do
    read -r size runs rg_t rg_m cold_t cold_m warm_t warm_m sw_t sw_m <<<"${RESULT[$mb]}"
    ratio=$(awk "BEGIN{printf \"%.2fx\", $cold_t / ($rg_t > 0 ? $rg_t : 0.01)}")
    printf '%-9s %6s %9s %9s %7s %9s %10s %9.1f %9.1f %10.1f\n' \
        "${size}MB" "$runs" "$rg_t" "$cold_t" "$ratio" "$warm_t" "$sw_t" \
        "$(awk "BEGIN{print $cold_m/1024}")" "$(awk "BEGIN{print $warm_m/1024}")" \
        "$(awk "BEGIN{print $sw_m/1024}")"
done
printf '\ngoals: cold <= 1.0x ripgrep; warm < 1 s; peak memory < 64 MiB and flat\n'
