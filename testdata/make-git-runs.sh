#!/usr/bin/env bash
# make-git-runs.sh DEST
#
# Turns the plain trees of testdata/ into what a cc-ci host really has:
#   DEST/recipes/<recipe>/   a git repo per recipe: one commit per release
#                            tag (annotated tag `<tag>`), in the order of the
#                            `NN__<tag>` directories, then `main/` (if any) as
#                            the tip of branch `main`; checked out at main.
#   DEST/runs/               copy of testdata/runs, where every
#                            runs/<run>/abra/recipes/<recipe> plain tree is
#                            replaced by a clone of DEST/recipes/<recipe>
#                            checked out (detached) at the tag whose files it
#                            holds; origin points at git.coopcloud.tech.
#   DEST/sweep-*.log, DEST/ci-warm/, DEST/ccci/   plain copies.
#   DEST/real/               copy of testdata/real (cc-ci's real formats),
#                            its runs' recipe trees made clones the same way
#                            (the abra/servers and abra/catalogue symlinks
#                            are copied as links, never followed).
#   DEST/general/            copy of testdata/general (the verdict's
#                            capabilities on cases of their own, real
#                            formats), its recipe trees made clones the same way.
#
# Reproducible: fixed names, e-mails and dates, user/system git config
# ignored, so every commit id is the same on every machine (results.json
# `ref` and canonical.json `commit` name these ids).
# Uses only bash, git, cp and find. Quiet on success; refuses a non-empty
# DEST; exits non-zero with a message on any error.
set -euo pipefail

die() { echo "make-git-runs.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || { echo "usage: make-git-runs.sh DEST" >&2; exit 2; }
src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dest=$1
case $dest in /*) ;; *) dest=$PWD/$dest ;; esac

if [ -e "$dest" ]; then
  [ -d "$dest" ] || die "$dest exists and is not a directory"
  [ -z "$(find "$dest" -mindepth 1 -maxdepth 1 -print -quit)" ] \
    || die "$dest is not empty; refusing to write into it"
fi
[ -d "$src/recipes" ] || die "$src/recipes: missing"
[ -d "$src/runs" ] || die "$src/runs: missing"

# Ignore whatever git config the caller has (default branch, signing,
# autocrlf, hooks): the ids must not depend on it.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="Co-op Cloud recipe maintainers"
export GIT_AUTHOR_EMAIL="recipes@coopcloud.tech"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
export GIT_TERMINAL_PROMPT=0
g() { git -c core.autocrlf=false -c core.fileMode=true -c commit.gpgSign=false \
        -c tag.gpgSign=false -c advice.detachedHead=false "$@"; }

# Dates: 2026-01-01T12:00:00Z + NN * 10 days; main 5 days after the last tag.
base=1767268800

# tree_of REPO DIR: the git tree id of DIR's files, written into REPO.
tree_of() {
  local repo=$1 dir=$2 idx=$1/.git/index.make-git-runs
  GIT_INDEX_FILE=$idx g --git-dir="$repo/.git" read-tree --empty
  GIT_INDEX_FILE=$idx g --git-dir="$repo/.git" --work-tree="$dir" add -A .
  GIT_INDEX_FILE=$idx g --git-dir="$repo/.git" write-tree
  find "$idx" -delete
}

build_repo() {
  local rdir=$1 name repo parent="" nn=0 tree commit d tag
  name=${rdir##*/}
  repo=$dest/recipes/$name
  g init -q -b main "$repo" || die "$repo: git init failed"
  for d in "$rdir"/[0-9]*__*/; do
    [ -d "$d" ] || continue
    d=${d%/}
    tag=${d##*/}; nn=${tag%%__*}; tag=${tag#*__}
    nn=$((10#$nn))
    export GIT_AUTHOR_DATE="@$((base + nn * 864000)) +0000"
    export GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
    tree=$(tree_of "$repo" "$d") || die "$d: cannot hash the tree"
    commit=$(g --git-dir="$repo/.git" commit-tree "$tree" ${parent:+-p "$parent"} \
      -m "chore: publish $tag release") || die "$d: commit failed"
    g --git-dir="$repo/.git" tag -a "$tag" -m "chore: publish $tag release" "$commit" \
      || die "$name: cannot tag $tag"
    parent=$commit
  done
  [ -n "$parent" ] || die "$rdir: no NN__<tag> directories"
  if [ -d "$rdir/main" ]; then
    export GIT_AUTHOR_DATE="@$((base + nn * 864000 + 432000)) +0000"
    export GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
    tree=$(tree_of "$repo" "$rdir/main") || die "$rdir/main: cannot hash the tree"
    parent=$(g --git-dir="$repo/.git" commit-tree "$tree" -p "$parent" \
      -m "chore: unreleased changes on main") || die "$rdir/main: commit failed"
  fi
  g --git-dir="$repo/.git" update-ref refs/heads/main "$parent"
  g -C "$repo" checkout -q -f main || die "$repo: checkout main failed"
}

for r in "$src"/recipes/*/; do
  build_repo "${r%/}"
done

cp -R "$src/runs" "$dest/runs"
cp -R "$src/ci-warm" "$dest/ci-warm"
cp -R "$src/ccci" "$dest/ccci"
[ -d "$src/real" ] && cp -R "$src/real" "$dest/real"
[ -d "$src/general" ] && cp -R "$src/general" "$dest/general"
for f in "$src"/sweep-*.log; do
  [ -f "$f" ] && cp "$f" "$dest/"
done

# Replace each run's plain recipe tree with a clone at the matching tag.
for plain in "$dest"/runs/*/abra/recipes/*/ "$dest"/real/runs/*/abra/recipes/*/ \
  "$dest"/general/runs/*/abra/recipes/*/; do
  [ -d "$plain" ] || continue
  plain=${plain%/}
  name=${plain##*/}
  repo=$dest/recipes/$name
  [ -d "$repo/.git" ] || die "${plain#"$dest"/}: no recipe history testdata/recipes/$name"
  want=$(tree_of "$repo" "$plain") || die "$plain: cannot hash the tree"
  tag=""
  for t in $(g --git-dir="$repo/.git" for-each-ref --format='%(refname:short)' refs/tags); do
    if [ "$(g --git-dir="$repo/.git" rev-parse "$t^{tree}")" = "$want" ]; then tag=$t; break; fi
  done
  [ -n "$tag" ] || die "${plain#"$dest"/}: files match no release tag of $name"
  find "$plain" -delete
  g clone -q "$repo" "$plain" || die "$plain: clone failed"
  g -C "$plain" checkout -q --detach "$tag" || die "$plain: checkout $tag failed"
  g -C "$plain" remote set-url origin "https://git.coopcloud.tech/coop-cloud/$name.git"
done
