#!/usr/bin/env bash
# Benchmark of ccci-triage on synthetic cc-ci hosts in cc-ci's real formats
# (examples/ccci-gen-runs.rs), side by side with ripgrep and cat, in one run.
#
# Usage: scripts/bench.sh [--small] [-h]
#   --small   a quick end-to-end check of this script (50 runs a "year",
#             small consoles, one repetition): the figures mean nothing
#
# What it measures: wall time (best of RUNS) and peak RSS (/usr/bin/time's
# max resident set) of each command, page cache warm for every tool.
#   roots    on 1, 2 and 4 years of runs (YEARS) and on one year with
#            consoles four times larger: cat and rg over the root (the
#            references), the cold and the warm index (`history ROOT
#            --cache DIR`), triage of the root (what is red now), of the
#            root with --all, of the root with the newest sweep's log
#            (--sweep-log), of that sweep's run directories, and of the
#            root with --no-history;
#   git      a root whose runs carry their own git checkouts
#            (abra/recipes/<recipe>, every release tagged): time, RSS and
#            the git processes started (a counting `git` first on PATH) by
#            triage of the sweep's run directories, of the root, of the
#            root with the sweep's log;
#   console  one red run with a console of 64, 256 and 512 MiB and one of
#            a single 1 GiB line: triage of the run and the cold index;
#   sweep    the sweep-log read against its size: one sweep's journald
#            log repeated to 1, 2, 4 and 8 MB (a log of that many weeks,
#            as journalctl prints the service's; the newest is triaged),
#            with the sweep's 20 runs.
# Tables (Markdown, with the goals of issues 10 and 12 beside each figure)
# are printed at the end and kept in $WORK/results.md.
#
# Knobs (environment; --small changes the defaults marked *):
#   WORK=/tmp/ccci-bench    scratch dir (never under the repository); the
#                           generated hosts go in $WORK/data
#   RUNS=3*                 repetitions; the best time is reported
#   YEARS="1 2 4"*          root sizes, in years
#   MB_PER_YEAR=600*        size of one year (JUnit and consoles)
#   SWEEPS_PER_YEAR=50* DRONE_PER_YEAR=180* MANUAL_PER_YEAR=20*
#   CONSOLE_SHARE=0.5       share of runs with <run_id>.console.log beside
#   SCALE4=1                also one year with consoles four times larger
#   GIT_YEARS=1             size of the root with git checkouts
#   CONSOLE_MIB="64 256 512"*  LINE_MIB=1024*   console sizes (MiB)
#   SWEEP_MB="1 2 4 8"*     sweep-log sizes (MB)
#   NO_HISTORY=1            also triage the root with --no-history
#   ONLY="roots git console sweep"   the groups to run
#   PROFILE=release         cargo profile to build (dev for a quick check)
#   BIN=, GEN=              use these ccci-triage / ccci-gen-runs binaries
#                           instead of building
#   KEEP=0                  1: keep $WORK/data (reused when the generator's
#                           arguments are the same)
#
# The full run (the defaults) writes up to about 2.5 GB at a time under
# $WORK and wants a quiet machine: run it alone.
#
# This script is the only place that builds in release mode.
set -euo pipefail
export LC_ALL=C

die() { echo "bench.sh: $*" >&2; exit 2; }
note() { echo "bench.sh: $*" >&2; }

small=0
for a in "$@"; do
    case $a in
        --small) small=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument $a (see --help)" ;;
    esac
done

if [ "$small" = 1 ]; then
    : "${RUNS:=1}" "${YEARS:=1 2}" "${MB_PER_YEAR:=8}"
    : "${SWEEPS_PER_YEAR:=2}" "${DRONE_PER_YEAR:=8}" "${MANUAL_PER_YEAR:=2}"
    : "${CONSOLE_MIB:=4 8 16}" "${LINE_MIB:=32}" "${SWEEP_MB:=0.125 0.25 0.5 1}"
fi
: "${WORK:=/tmp/ccci-bench}" "${RUNS:=3}" "${YEARS:=1 2 4}" "${MB_PER_YEAR:=600}"
: "${SWEEPS_PER_YEAR:=50}" "${DRONE_PER_YEAR:=180}" "${MANUAL_PER_YEAR:=20}"
: "${CONSOLE_SHARE:=0.5}" "${SCALE4:=1}" "${GIT_YEARS:=1}"
: "${CONSOLE_MIB:=64 256 512}" "${LINE_MIB:=1024}" "${SWEEP_MB:=1 2 4 8}"
: "${NO_HISTORY:=1}" "${ONLY:=roots git console sweep}" "${PROFILE:=release}"
: "${KEEP:=0}" "${BIN:=}" "${GEN:=}"

repo=$(cd "$(dirname "$0")/.." && pwd -P)
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number"
for g in $ONLY; do
    case $g in roots|git|console|sweep) ;; *) die "ONLY: unknown group $g" ;; esac
done
want() { [[ " $ONLY " == *" $1 "* ]]; }

# Tools.
[ -x /usr/bin/time ] || die "needs /usr/bin/time for peak RSS (apt-get install time)"
command -v python3 >/dev/null || die "needs python3 (the tables and the rule patterns)"
python3 -c 'import tomllib' 2>/dev/null || die "needs python3 >= 3.11 (tomllib)"
want git && { command -v git >/dev/null || die "the git group needs git (or leave it out of ONLY)"; }
if command -v rg >/dev/null; then
    ref_grep=rg
else
    note "ripgrep (rg) is not installed: the reference is GNU grep -P instead (apt-get install ripgrep for the real one)"
    ref_grep=grep
fi

# WORK: never under the repository, never someone else's directory.
WORK=$(realpath -m -- "$WORK")
case $WORK/ in "$repo"/*) die "WORK=$WORK is under the repository; use a directory outside it" ;; esac
[ "$WORK" != / ] || die "WORK=/ is not a scratch directory"
mkdir -p "$WORK"
if [ -n "$(ls -A "$WORK")" ] && [ ! -e "$WORK/.ccci-bench" ]; then
    die "WORK=$WORK is not empty and not a bench.sh directory; give a new one"
fi
touch "$WORK/.ccci-bench"
data=$WORK/data
tmp=$(mktemp -d "$WORK/tmp.XXXXXX")
cleanup() {
    rm -rf "$tmp"
    if [ "$KEEP" != 1 ]; then rm -rf "$data"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$data" "$WORK/bin"
started=$SECONDS

# Binaries: private copies (a shared target dir may be rebuilt under us).
if [ -z "$BIN" ] || [ -z "$GEN" ]; then
    command -v cargo >/dev/null || die "needs cargo to build (or give BIN= and GEN=)"
    note "building ($PROFILE)"
    (cd "$repo" && cargo build --locked --profile "$PROFILE" --bin ccci-triage --example ccci-gen-runs) >&2
    tdir=${CARGO_TARGET_DIR:-$repo/target}
    case $tdir in /*) ;; *) tdir=$repo/$tdir ;; esac
    case $PROFILE in dev) tdir=$tdir/debug ;; *) tdir=$tdir/$PROFILE ;; esac
    : "${BIN:=$tdir/ccci-triage}" "${GEN:=$tdir/examples/ccci-gen-runs}"
fi
[ -x "$BIN" ] || die "no ccci-triage at $BIN"
[ -x "$GEN" ] || die "no ccci-gen-runs at $GEN"
cp "$BIN" "$WORK/bin/ccci-triage"
cp "$GEN" "$WORK/bin/ccci-gen-runs"
ccci=$WORK/bin/ccci-triage
gen=$WORK/bin/ccci-gen-runs
version=$("$ccci" --version)

# Every flag used below, checked against this build's help.
flags_ok() {
    local help=$1; shift
    for f in "$@"; do
        grep -q -- "$f\b" <<<"$help" || die "$ccci has no $f any more: update bench.sh"
    done
}
flags_ok "$("$ccci" --help)" --sweep-log --cache --no-history --all --canonicals --format --quiet
flags_ok "$("$ccci" history --help)" --cache --format --quiet

# The patterns the console scan runs (every console rule), for ripgrep.
python3 - "$repo/rules" >"$tmp/patterns.txt" <<'EOF'
import re, sys, tomllib, pathlib
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.toml")):
    for r in tomllib.loads(f.read_text()).get("rule", []):
        if r.get("scope") == "console":
            # ripgrep joins -f patterns with `|`: group each (an inline
            # (?i) stays inside) and drop capture names (two rules may
            # share one).
            pat = "(?:" + re.sub(r"\(\?P<\w+>", "(", r["pattern"]) + ")"
            # The tool compiles them without Unicode, a non-ASCII literal
            # being its UTF-8 bytes: say so in bytes (ripgrep refuses the
            # literal with --no-unicode).
            print("".join(c if ord(c) < 128 else "".join(f"\\x{b:02X}" for b in c.encode())
                          for c in pat))
EOF
npat=$(wc -l <"$tmp/patterns.txt")
[ "$npat" -gt 0 ] || die "no console rule found in $repo/rules"
if [ "$ref_grep" = grep ]; then
    # One PCRE alternation (grep -P takes a single pattern).
    paste -sd'|' "$tmp/patterns.txt" >"$tmp/pattern.pcre"
    ref_cmd=(grep -rcP --binary-files=text -f "$tmp/pattern.pcre")
    ref_name="grep -P"
else
    ref_cmd=(rg -c --no-unicode --no-ignore --hidden -f "$tmp/patterns.txt")
    ref_name=rg
fi
note "$version; $ref_name reference: $npat console patterns from rules/*.toml"

# The environment of every ccci-triage run: nothing of this host's.
mkdir -p "$data/abra-empty" "$data/xdg" "$data/ci-warm-none"
run_env=(env -u CCCI_RUNS_DIR ABRA_DIR="$data/abra-empty" XDG_CACHE_HOME="$data/xdg"
         NO_COLOR=1 COLUMNS=100)

results=$WORK/results.tsv
: >"$results"
# record GROUP ROW COLUMN SECS KIB [EXTRA]
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" >>"$results"; }

# measure GROUP ROW COLUMN [--setup CMD] [--rc "0 1"] -- COMMAND...
# Best wall time of RUNS runs and the peak RSS of that run; its stdout is
# kept in $tmp/best.out.
measure() {
    local group=$1 row=$2 col=$3; shift 3
    local setup="" rcs="0"
    while [ "$1" != -- ]; do
        case $1 in
            --setup) setup=$2; shift 2 ;;
            --rc) rcs=$2; shift 2 ;;
            *) die "measure: bad option $1" ;;
        esac
    done
    shift
    local best="" kib="" i t0 t1 t rc
    for ((i = 0; i < RUNS; i++)); do
        [ -z "$setup" ] || eval "$setup"
        t0=$EPOCHREALTIME
        rc=0
        /usr/bin/time -f %M -o "$tmp/rss" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
        t1=$EPOCHREALTIME
        if [[ " $rcs " != *" $rc "* ]]; then
            note "failed (exit $rc): $*"
            tail -5 "$tmp/err" >&2
            exit 1
        fi
        t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$t
            kib=$(tail -1 "$tmp/rss")
            mv "$tmp/out" "$tmp/best.out"
        fi
    done
    local extra=""
    if [ "${JSON_SCOPE:-0}" = 1 ]; then
        extra=$(python3 - "$tmp/best.out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print(f'{len(d["runs"])} runs, {len(d["failures"])} failures')
EOF
)
    fi
    record "$group" "$row" "$col" "$best" "$kib" "$extra"
    note "  $row [$col]: ${best} s, $((kib / 1024)) MiB${extra:+, $extra}"
}

# gen_host NAME ARGS...: a generated host in $data/NAME (runs/, sweeps/,
# ci-warm/), reused when KEEP=1 left one made with the same arguments.
gen_host() {
    local name=$1; shift
    local h=$data/$name
    local params="$* $(sha1sum "$gen" | cut -c1-12)"
    if [ -f "$h.params" ] && [ "$(cat "$h.params")" = "$params" ] && [ -d "$h/runs" ]; then
        note "reusing $h"
        return
    fi
    rm -rf "$h" "$h.params"
    mkdir -p "$h"
    local t0=$SECONDS
    "$gen" "$h/runs" --sweep-logs "$h/sweeps" --canonicals "$h/ci-warm" "$@" >&2
    note "  generated in $((SECONDS - t0)) s"
    echo "$params" >"$h.params"
}
drop_host() { [ "$KEEP" = 1 ] || rm -rf "${data:?}/$1" "$data/$1.params"; }

# Page cache warm for every tool, and the root's size.
warm_cache() { find "$1" -type f -print0 | xargs -0 -r cat >/dev/null; }
describe() {
    local root=$1
    local mb runs
    mb=$(du -sm --apparent-size "$root" | cut -f1)
    runs=$(find "$root" -mindepth 1 -maxdepth 1 -type d | wc -l)
    echo "$runs runs, $mb MB"
}
# The newest sweep of a host: its journal and its run directories.
newest_sweep() { find "$1/sweeps" -name '*.journal' | sort | tail -1; }

# ------------------------------------------------------------------ roots
if want roots; then
    roots=()
    for y in $YEARS; do roots+=("${y}y"); done
    [ "$SCALE4" = 1 ] && roots+=("1y-x4")
    for r in "${roots[@]}"; do
        y=${r%%y*}
        scale=1
        [ "$r" = 1y-x4 ] && scale=4
        note "roots: $r"
        gen_host "root-$r" --years "$y" --sweeps $((SWEEPS_PER_YEAR * y)) \
            --drone $((DRONE_PER_YEAR * y)) --manual $((MANUAL_PER_YEAR * y)) \
            --mb $((MB_PER_YEAR * y)) --console-share "$CONSOLE_SHARE" --console-scale "$scale"
        h=$data/root-$r
        root=$h/runs
        cache=$tmp/cache-$r
        journal=$(newest_sweep "$h")
        mapfile -t sweep_dirs < <(sed "s|^|$root/|" "${journal%.journal}.runs")
        label="$r ($(describe "$root"))"
        record roots _label "$r" 0 0 "$label"
        warm_cache "$root"
        measure roots cat "$r" -- sh -c 'find "$1" -type f -print0 | xargs -0 cat >/dev/null' sh "$root"
        measure roots ref "$r" --rc "0 1" -- "${ref_cmd[@]}" "$root"
        measure roots cold "$r" --setup "rm -rf '$cache'" -- \
            "${run_env[@]}" "$ccci" history "$root" --cache "$cache" -f json -q
        measure roots warm "$r" -- "${run_env[@]}" "$ccci" history "$root" --cache "$cache" -f json -q
        tri=("${run_env[@]}" "$ccci" --cache "$cache" --canonicals "$h/ci-warm" -f json -q)
        JSON_SCOPE=1 measure roots red-now "$r" -- "${tri[@]}" "$root"
        JSON_SCOPE=1 measure roots all "$r" -- "${tri[@]}" "$root" --all
        JSON_SCOPE=1 measure roots sweep-log "$r" -- "${tri[@]}" "$root" --sweep-log "$journal"
        JSON_SCOPE=1 measure roots sweep-dirs "$r" -- "${tri[@]}" "${sweep_dirs[@]}"
        if [ "$NO_HISTORY" = 1 ]; then
            JSON_SCOPE=1 measure roots no-history "$r" -- \
                "${run_env[@]}" "$ccci" --no-history --canonicals "$h/ci-warm" -f json -q "$root"
        fi
        rm -rf "$cache"
        drop_host "root-$r"
    done
fi

# ------------------------------------------------------------------ git
if want git; then
    y=$GIT_YEARS
    note "git: $y year(s) with git checkouts"
    gen_host "git-${y}y" --years "$y" --sweeps $((SWEEPS_PER_YEAR * y)) \
        --drone $((DRONE_PER_YEAR * y)) --manual $((MANUAL_PER_YEAR * y)) \
        --mb $((MB_PER_YEAR * y)) --console-share "$CONSOLE_SHARE" --checkouts git
    h=$data/git-${y}y
    root=$h/runs
    cache=$tmp/cache-git
    journal=$(newest_sweep "$h")
    mapfile -t sweep_dirs < <(sed "s|^|$root/|" "${journal%.journal}.runs")
    record git _label "${y}y" 0 0 "${y}y with git checkouts ($(describe "$root"))"
    warm_cache "$root"
    # A git that counts its starts, first on PATH (for the counting runs
    # only: the timed runs use the real one).
    real_git=$(command -v git)
    mkdir -p "$tmp/shim"
    printf '#!/bin/sh\necho x >>"$CCCI_BENCH_GIT_COUNT"\nexec %q "$@"\n' "$real_git" >"$tmp/shim/git"
    chmod +x "$tmp/shim/git"
    "${run_env[@]}" "$ccci" history "$root" --cache "$cache" -q -f json >/dev/null
    tri=("${run_env[@]}" "$ccci" --cache "$cache" --canonicals "$h/ci-warm" -f json -q)
    for what in sweep-dirs red-now sweep-log; do
        case $what in
            sweep-dirs) args=("${sweep_dirs[@]}") ;;
            red-now) args=("$root") ;;
            sweep-log) args=("$root" --sweep-log "$journal") ;;
        esac
        JSON_SCOPE=1 measure git "$what" "${y}y" -- "${tri[@]}" "${args[@]}"
        : >"$tmp/git-count"
        PATH=$tmp/shim:$PATH CCCI_BENCH_GIT_COUNT=$tmp/git-count "${tri[@]}" "${args[@]}" \
            >"$tmp/git.json" 2>/dev/null
        n=$(wc -l <"$tmp/git-count")
        pairs=$(python3 - "$tmp/git.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print(len({(r.get("recipe"), r.get("version")) for r in d["runs"]}))
EOF
)
        record git "$what-git" "${y}y" 0 0 "$n $pairs"
        note "  $what: $n git processes for $pairs (recipe, version) pairs reported"
    done
    rm -rf "$cache"
    drop_host "git-${y}y"
fi

# ------------------------------------------------------------------ console
if want console; then
    sizes=()
    for m in $CONSOLE_MIB; do sizes+=("$m"); done
    sizes+=("line-$LINE_MIB")
    for s in "${sizes[@]}"; do
        note "console: $s MiB"
        h=$data/console-$s
        rm -rf "$h"
        if [[ $s == line-* ]]; then
            "$gen" "$h" --big-console "${s#line-}" --one-line >&2
        else
            "$gen" "$h" --big-console "$s" >&2
        fi
        run=$(find "$h" -mindepth 1 -maxdepth 1 -type d | head -1)
        cache=$tmp/cache-console
        warm_cache "$h"
        measure console cat "$s" -- sh -c 'cat "$1"/*.console.log >/dev/null' sh "$h"
        measure console ref "$s" --rc "0 1" -- "${ref_cmd[@]}" "$h"
        measure console index "$s" --setup "rm -rf '$cache'" -- \
            "${run_env[@]}" "$ccci" history "$h" --cache "$cache" -f json -q
        JSON_SCOPE=1 measure console triage "$s" -- \
            "${run_env[@]}" "$ccci" --cache "$cache" --canonicals "$data/ci-warm-none" -f json -q "$run"
        rm -rf "$h" "$cache"
    done
fi

# ------------------------------------------------------------------ sweep
if want sweep; then
    note "sweep: one sweep's log repeated"
    gen_host sweep-base --sweeps 1 --drone 0 --manual 0 --mb 20 --console-share 0
    h=$data/sweep-base
    base=$(newest_sweep "$h")
    cache=$tmp/cache-sweep
    "${run_env[@]}" "$ccci" history "$h/runs" --cache "$cache" -q -f json >/dev/null
    logs=("base:$base")
    for mb in $SWEEP_MB; do
        f=$tmp/sweep-$mb.journal
        want_bytes=$(awk -v m="$mb" 'BEGIN { printf "%d", m * 1000000 }')
        : >"$f"
        while [ "$(stat -c %s "$f")" -lt "$want_bytes" ]; do cat "$base" >>"$f"; done
        logs+=("$mb:$f")
    done
    for l in "${logs[@]}"; do
        name=${l%%:*}
        f=${l#*:}
        bytes=$(stat -c %s "$f")
        entries=$(grep -c ' sweep: [a-z0-9][a-z0-9._-]* .*rc=' "$f" || true)
        record sweep "_size" "$name" 0 0 "$bytes $entries"
        JSON_SCOPE=1 measure sweep sweep-log "$name" -- \
            "${run_env[@]}" "$ccci" --cache "$cache" --canonicals "$h/ci-warm" -f json -q \
            "$h/runs" --sweep-log "$f"
    done
    rm -rf "$cache"
    drop_host sweep-base
fi

# ------------------------------------------------------------------ tables
python3 - "$results" "$ref_name" "$RUNS" "$version" "$small" >"$WORK/results.md" <<'EOF'
import sys
from collections import OrderedDict

path, ref, runs, version, small = sys.argv[1:6]
rows = [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]
R = {}
cols = OrderedDict()
for g, row, col, secs, kib, extra in rows:
    R[(g, row, col)] = (float(secs), int(kib or 0), extra)
    cols.setdefault(g, OrderedDict())[col] = True

def get(g, row, col):
    return R.get((g, row, col))

def mib(kib):
    return kib / 1024

def cell(v, limit=None, ours=True):
    if v is None:
        return "–"
    s, k, _ = v
    bad = ours and ((limit is not None and s > limit) or mib(k) >= 64)
    return f"{s:.2f} s · {mib(k):.0f} MiB" + (" ✗" if bad else "")

out = []
p = out.append
p(f"{version}, {__import__('os').cpu_count()} cores, best of {runs}; "
  f"peak RSS from /usr/bin/time; page cache warm; reference: {ref}.")
if small == "1":
    p("")
    p("**--small: a check of the script at toy sizes; these figures mean nothing.**")
p("")
p("✗ marks a figure that misses its goal (time, or peak RSS ≥ 64 MiB).")

if "roots" in cols:
    C = [c for c in cols["roots"]]
    labels = {c: get("roots", "_label", c)[2] for c in C}
    p("")
    p("### Roots (1, 2, 4 years; one year with consoles ×4)")
    p("")
    p("| | " + " | ".join(labels[c] for c in C) + " | goal |")
    p("|---|" + "---|" * len(C) + "---|")
    spec = [
        ("cat", "cat (every file of the root)", None, "reference"),
        ("ref", f"{ref} (the console rules)", None, "reference"),
        ("cold", "index, cold (`history ROOT --cache C`)", None, f"≤ 1.0× {ref}"),
        ("warm", "index, warm", 1.0, "< 1 s (the index's own goal)"),
        ("red-now", "triage ROOT (what is red now)", 0.5, "< 0.5 s warm"),
        ("all", "triage ROOT --all", None, f"1 year ≤ 2× {ref}"),
        ("sweep-log", "triage ROOT --sweep-log (newest sweep)", 0.5, "< 0.5 s warm"),
        ("sweep-dirs", "triage of that sweep's run dirs", 0.5, "< 0.5 s warm"),
        ("no-history", "triage ROOT --no-history", None, "(no goal)"),
    ]
    for key, name, limit, goal in spec:
        if not any(get("roots", key, c) for c in C):
            continue
        cells = []
        for c in C:
            v = get("roots", key, c)
            lim = limit
            r = get("roots", "ref", c)
            if key == "cold" and r and v:
                lim = max(r[0], 0.01) * 1.0
            if key == "all" and r and v and c == "1y":
                lim = max(r[0], 0.01) * 2.0
            cells.append(cell(v, lim, key not in ("cat", "ref")))
        rss = "" if key in ("cat", "ref") else "; < 64 MiB"
        p(f"| {name} | " + " | ".join(cells) + f" | {goal}{rss} |")
    for key, name, k in (("cold", f"cold index ÷ {ref}", 1.0), ("all", f"--all ÷ {ref}", 2.0)):
        cells = []
        for c in C:
            v, r = get("roots", key, c), get("roots", "ref", c)
            if v and r:
                x = v[0] / max(r[0], 0.001)
                cells.append(f"{x:.2f}×")
            else:
                cells.append("–")
        p(f"| {name} | " + " | ".join(cells) + f" | ≤ {k:.1f}× |")
    p("")
    p("Reported (runs, failures):")
    p("")
    p("| | " + " | ".join(C) + " |")
    p("|---|" + "---|" * len(C))
    for key, name, _, _ in spec:
        if key in ("cat", "ref", "cold", "warm"):
            continue
        if any(get("roots", key, c) for c in C):
            p(f"| {name} | " + " | ".join((get("roots", key, c) or (0, 0, "–"))[2] for c in C) + " |")
    years = [c for c in C if c.endswith("y") and c[:-1].isdigit()]
    if len(years) >= 2:
        a, b = years[0], years[-1]
        f = int(b[:-1]) / int(a[:-1])
        p("")
        p(f"Growth from {a} to {b} (the root ×{f:g}): time and peak RSS ratios; "
          f"linear in the root is ×{f:g}, flat is ×1.")
        p("")
        p("| | time | peak RSS |")
        p("|---|---|---|")
        for key, name, _, _ in spec:
            va, vb = get("roots", key, a), get("roots", key, b)
            if va and vb:
                p(f"| {name} | ×{vb[0] / max(va[0], 0.001):.1f} | ×{vb[1] / max(va[1], 1):.1f} |")

if "git" in cols:
    C = [c for c in cols["git"]]
    for c in C:
        p("")
        p(f"### {get('git', '_label', c)[2]}")
        p("")
        p("| | time, peak RSS | runs, failures | git processes | (recipe, version) reported | git per pair | goal |")
        p("|---|---|---|---|---|---|---|")
        for key, name, limit, goal in (
            ("sweep-dirs", "one sweep's run dirs", 1.0, "≤ a few git per (recipe, tag); < 1 s"),
            ("red-now", "ROOT (what is red now)", 0.5, "< 0.5 s"),
            ("sweep-log", "ROOT --sweep-log", 0.5, "< 0.5 s"),
        ):
            v = get("git", key, c)
            gv = get("git", key + "-git", c)
            if not v:
                continue
            n, pairs = (int(x) for x in gv[2].split()) if gv else (0, 0)
            per = f"{n / pairs:.1f}" if pairs else "–"
            p(f"| {name} | {cell(v, limit)} | {v[2]} | {n} | {pairs} | {per} | {goal}; < 64 MiB |")

if "console" in cols:
    C = [c for c in cols["console"]]
    p("")
    p("### Peak RSS against console size (one red run)")
    p("")
    p(f"| console | cat | {ref} | index, cold | triage of the run | goal |")
    p("|---|---|---|---|---|---|")
    for c in C:
        name = f"one line of {c[5:]} MiB" if c.startswith("line-") else f"{c} MiB"
        p(f"| {name} | " + " | ".join(cell(get("console", k, c), None, k in ("index", "triage"))
                                     for k in ("cat", "ref", "index", "triage"))
          + " | < 64 MiB, flat; time linear |")

if "sweep" in cols:
    C = [c for c in cols["sweep"]]
    p("")
    p("### Sweep-log read against its size (one sweep's entries repeated)")
    p("")
    p("| log | entries | triage ROOT --sweep-log | s per MB over one sweep's | × previous size | time × | goal |")
    p("|---|---|---|---|---|---|---|")
    prev = None
    base = None
    for c in C:
        bytes_, entries = (int(x) for x in get("sweep", "_size", c)[2].split())
        v = get("sweep", "sweep-log", c)
        mb = bytes_ / 1e6
        if c == "base":
            base = (mb, v[0]) if v else None
        # The cost of the log beyond the fixed cost of the root's triage.
        per = (f"{(v[0] - base[1]) / (mb - base[0]):.2f}"
               if v and base and mb > base[0] else "–")
        if prev and v:
            grow = f"×{bytes_ / prev[0]:.1f}"
            tgrow = f"×{v[0] / max(prev[1], 0.001):.1f}"
        else:
            grow = tgrow = "–"
        name = f"{mb:.2f} MB" + (" (one sweep)" if c == "base" else "")
        p(f"| {name} | {entries} | {cell(v)} | {per} | {grow} | {tgrow} | time × ≈ size ×; < 64 MiB, flat |")
        if v:
            prev = (bytes_, v[0])

print("\n".join(out))
EOF
echo
cat "$WORK/results.md"
echo
note "done in $((SECONDS - started)) s; tables in $WORK/results.md"
