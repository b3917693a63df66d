"""A run directory as cc-ci really leaves it (shared/spec/cc-ci-runs.md §1-§3).

Used by real.py and general.py: results.json schema 2 (optional: a run that
died has none), JUnit files named `<tier>__<source>__<module>.xml`, the run's
own ABRA_DIR (`abra/recipes/<recipe>/` a copy of the recipe at its tag from
testdata/recipes/, `servers/` and `catalogue/` links into the node's shared
~/.abra that must never be followed), and `lint.txt`.
"""
import datetime as dt
import json
import os
import shutil

from build import rfc, junit_xml

TD = dt.timedelta


def wfile(path, content):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(content, bytes) else "w"
    with open(path, mode) as f:
        f.write(content)


def epoch(t):
    return round(t.timestamp() + 0.25, 3)


def recipe_tree(testdata, recipe, tag):
    """The plain tree of `recipe` at `tag` from testdata/recipes/."""
    base = os.path.join(testdata, "recipes", recipe)
    for d in sorted(os.listdir(base)):
        if d.endswith("__" + tag):
            return os.path.join(base, d)
    raise SystemExit(f"no {recipe} {tag} in testdata/recipes")


STATUS = {"pass": "passed", "fail": "failed", "error": "error", "skip": "skipped"}


class Run:
    """One run directory as cc-ci leaves it (results.json optional)."""

    def __init__(self, rid, recipe, tag, start, ref="0a1b2c3d4e5f"):
        self.id, self.recipe, self.tag, self.start = rid, recipe, tag, start
        self.ref = ref
        self.junit = {}
        self.results = {}
        self.rungs = {}
        self.skips = {"intentional": {}, "unintentional": []}
        self.finished = None
        self.stages = []

    def tier(self, tier, source, module, cases, at, status=None):
        xml, secs = junit_xml(rfc(at).replace("Z", "+00:00"), cases)
        self.junit[f"{tier}__{source}__{module}.xml"] = xml
        red = any(c["outcome"] in ("fail", "error") for c in cases)
        self.results[tier] = status or ("fail" if red else "pass")
        # One entry per test: a rerun's records fold into the last one.
        tests = {}
        for c in cases:
            tests[c["name"]] = {"name": c["name"], "status": STATUS[c["outcome"]], "ms": int(c["secs"] * 1000)}
        self.stages.append({"name": tier, "status": self.results[tier], "tests": list(tests.values())})
        return at + TD(seconds=secs + 20)

    def write(self, testdata, root, with_results=True):
        d = os.path.join(root, self.id)
        os.makedirs(d, exist_ok=True)
        for name, xml in self.junit.items():
            wfile(os.path.join(d, "junit", name), xml)
        # The run's own ABRA_DIR: servers/ and catalogue/ link into the node's
        # shared ~/.abra (catalogue loops back here), recipes/ is its own.
        abra = os.path.join(d, "abra")
        os.makedirs(abra, exist_ok=True)
        shutil.copytree(recipe_tree(testdata, self.recipe, self.tag), os.path.join(abra, "recipes", self.recipe),
                        dirs_exist_ok=True)
        for link, target in (("servers", "../../../shared-abra/servers"), ("catalogue", "../abra")):
            p = os.path.join(abra, link)
            if not os.path.lexists(p):
                os.symlink(target, p)
        wfile(os.path.join(d, "lint.txt"), f"recipe {self.recipe}: 0 rules failed\n")
        if with_results:
            rungs = {"install": self.results.get("install", "unver"),
                     "upgrade": self.results.get("upgrade", "unver"),
                     "backup_restore": "fail" if "fail" in (self.results.get("backup"), self.results.get("restore"))
                     else self.results.get("restore", "unver"),
                     # cc-ci marks the functional rung N/A for a recipe with no custom tests.
                     "functional": self.results.get("custom", "skip"), "lint": "pass"}
            rungs.update(self.rungs)
            doc = {"schema": 2, "recipe": self.recipe, "version": self.tag, "pr": None, "ref": self.ref,
                   "run_id": self.id, "finished": epoch(self.finished), "stages": self.stages,
                   "results": self.results, "level": sum(v == "pass" for v in rungs.values()), "rungs": rungs,
                   "skips": self.skips, "lint": {"status": "pass", "detail": "", "rules_failed": []},
                   "flags": {"clean_teardown": True, "no_secret_leak": True}, "customization": None,
                   "screenshot": "screenshot.png", "summary_card": "summary.png"}
            wfile(os.path.join(d, "results.json"), json.dumps(doc, indent=1) + "\n")
