"""Builder for one run: console, JUnit, results.json, stages."""
import datetime as dt
import json
import zlib


def h(*parts):
    return zlib.crc32(repr(parts).encode())

UTC = dt.timezone.utc
HOST = "ccci-swarm-01"


def T(s):
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


def rfc(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def attr(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\n", "&#10;"))


def text(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def case(path, name, secs, outcome="pass", message=None, body=None, sysout=None, syserr=None):
    return dict(path=path, name=name, secs=secs, outcome=outcome, message=message,
                body=body, sysout=sysout, syserr=syserr)


def classname(path):
    return path[:-3].replace("/", ".")


def junit_xml(ts, cases, overhead=1.7):
    n = len({(c["path"], c["name"]) for c in cases})
    f = sum(c["outcome"] == "fail" for c in cases)
    e = sum(c["outcome"] == "error" for c in cases)
    s = sum(c["outcome"] == "skip" for c in cases)
    total = sum(c["secs"] for c in cases) + overhead
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<testsuites name="pytest tests"><testsuite name="pytest" errors="{e}" failures="{f}" '
           f'skipped="{s}" tests="{n}" time="{total:.3f}" timestamp="{ts}" hostname="{HOST}">']
    for c in cases:
        head = f'<testcase classname="{classname(c["path"])}" name="{c["name"]}" time="{c["secs"]:.3f}"'
        inner = []
        if c["outcome"] in ("fail", "error", "skip"):
            tag = {"fail": "failure", "error": "error", "skip": "skipped"}[c["outcome"]]
            if c["outcome"] == "skip":
                inner.append(f'<skipped type="pytest.skip" message="{attr(c["message"])}">{text(c["body"] or "")}</skipped>')
            else:
                inner.append(f'<{tag} message="{attr(c["message"])}">{text(c["body"])}</{tag}>')
        if c["sysout"]:
            inner.append(f'<system-out>{text(c["sysout"])}</system-out>')
        if c["syserr"]:
            inner.append(f'<system-err>{text(c["syserr"])}</system-err>')
        if inner:
            out.append(head + ">" + "".join(inner) + "</testcase>")
        else:
            out.append(head + " />")
    out.append("</testsuite></testsuites>")
    return "\n".join(out) + "\n", total


class Run:
    def __init__(self, rid, recipe, tag, start, hex6, ref, prev=None, pr=None, kind="drone"):
        self.id, self.recipe, self.tag, self.t = rid, recipe, tag, start
        self.start = start
        self.hex6, self.ref, self.prev, self.pr = hex6, ref, prev, pr
        self.domain = f"{recipe.replace('-', '')[:4]}-{hex6}.ci.commoninternet.net"
        self.stack = self.domain.replace(".", "_")
        self.con = []
        self.junit = {}
        self.stages = []
        self.results = {}
        self.frac = 0.0

    # ---- console
    def ev(self, secs, level, comp, msg, cont=()):
        self.t += dt.timedelta(seconds=secs)
        self.con.append(f"{rfc(self.t)} {level} {comp}: {msg}")
        self.con.extend(cont)

    def raw(self, *lines):
        self.con.extend(lines)

    # ---- junit
    def suite(self, fname, cases, lead=2.0):
        """pytest run for one module: JUnit written, clock advanced."""
        ts_t = self.t + dt.timedelta(seconds=lead)
        micro = (h(self.id, fname) % 900000) + 50000
        ts = (ts_t.replace(microsecond=micro)).isoformat()
        xml, total = junit_xml(ts, cases)
        self.junit[fname] = xml
        end = ts_t + dt.timedelta(seconds=total)
        self.t = end.replace(microsecond=0) + dt.timedelta(seconds=1)
        return cases

    def pytest_event(self, tier, fname, cases):
        path = cases[0]["path"]
        p = sum(c["outcome"] == "pass" for c in cases)
        fl = sum(c["outcome"] == "fail" for c in cases)
        er = sum(c["outcome"] == "error" for c in cases)
        rc = 1 if (fl or er) else 0
        cont = []
        for c in cases:
            if c["outcome"] in ("fail", "error"):
                word = "FAILED" if c["outcome"] == "fail" else "ERROR"
                cont.append(f"{word} {path}::{c['name']} - {c['message'].splitlines()[0]}")
        summary = f"pytest {path} rc={rc} passed={p} failed={fl}" + (f" errors={er}" if er else "")
        self.ev(1, "INFO" if rc == 0 else "WARN", "tier", f"{tier} {summary}", cont)

    def stage(self, tier, status, suites):
        tests = []
        seen = {}
        for fname, cases in suites:
            for c in cases:
                key = f"{c['path']}::{c['name']}"
                st = {"pass": "pass", "fail": "fail", "error": "error", "skip": "skip"}[c["outcome"]]
                if key in seen:
                    # call failed + teardown error: one stage entry, worst status
                    if seen[key]["status"] == "pass" and st != "pass":
                        seen[key]["status"] = st
                    continue
                d = {"name": key, "status": st, "ms": int(round(c["secs"] * 1000))}
                seen[key] = d
                tests.append(d)
        self.stages.append({"name": tier, "status": status, "tests": tests})
        self.results[tier] = status

    def run_tier(self, tier, status, suites, pre=(), post=(), start_msg=None):
        """status: pass|fail. suites: [(fname, cases)]. pre/post: [(secs, level, comp, msg, cont)]."""
        self.ev(2, "INFO", "tier", start_msg or f"{tier} start")
        for e in pre:
            self.ev(*e)
        for fname, cases in suites:
            self.suite(fname, cases)
            self.pytest_event(tier, fname, cases)
        for e in post:
            self.ev(*e)
        if status == "pass":
            self.ev(1, "INFO", "tier", f"{tier} PASS junit=junit/{suites[0][0]}" if suites else f"{tier} PASS")
        else:
            bad = next((f for f, cs in suites if any(c["outcome"] in ("fail", "error") for c in cs)),
                       suites[0][0] if suites else None)
            self.ev(1, "ERROR", "tier", f"{tier} FAIL junit=junit/{bad}" if bad else f"{tier} FAIL")
        self.stage(tier, status, suites)

    def na_tier(self, tier, reason):
        self.ev(1, "INFO", "tier", f'{tier} EXPECTED_NA reason="{reason}"')
        self.stages.append({"name": tier, "status": "skip", "tests": []})
        self.results[tier] = "skip"

    def result_line(self, order=("install", "upgrade", "backup", "restore", "custom")):
        parts = []
        for t in order:
            if t in self.results:
                s = self.results[t]
                parts.append(f"{t} " + {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "skip": "EXPECTED_NA",
                                        "unver": "NOT_RUN"}[s])
        return "RESULT: " + ", ".join(parts)

    def finished_epoch(self, t=None):
        t = t or self.t
        frac = (h(self.id) % 997) / 1000.0
        return round(t.timestamp() + frac, 3)

    # ---- results.json
    def results_json(self, rungs, level, skips=None, lint=None, flags=None, customization=None,
                     finished=None, schema=2, extra=None):
        d = {}
        if schema == 2:
            d["schema"] = 2
        d.update({
            "recipe": self.recipe,
            "version": self.tag,
            "pr": self.pr,
            "ref": self.ref[:12],
            "run_id": self.id,
            "finished": finished if finished is not None else self.finished_epoch(),
            "stages": self.stages,
            "results": self.results,
            "level": level,
        })
        if schema == 2:
            d["rungs"] = rungs
            d["skips"] = skips or {"intentional": {}, "unintentional": []}
            d["lint"] = lint or {"status": "pass", "detail": "all error rules satisfied", "rules_failed": []}
            d["flags"] = flags or {"clean_teardown": True, "no_secret_leak": True}
            d["customization"] = customization
            d["screenshot"] = "screenshot.png"
            d["summary_card"] = "summary.png"
        if extra:
            d.update(extra)
        return json.dumps(d, indent=2, ensure_ascii=False) + "\n"


def lint_table(recipe, unsatisfied=()):
    rules = [
        ("R001", "compose config has expected version", "warning"),
        ("R002", "healthcheck enabled for all services", "warning"),
        ("R003", "all images use a tag", "warning"),
        ("R004", "all images use a stable tag", "warning"),
        ("R005", "all images use a semver-like tag", "warning"),
        ("R006", "has published catalogue version", "warning"),
        ("R007", "README.md metadata filled in", "warning"),
        ("R008", ".env.sample provided", "error"),
        ("R009", "one service named 'app'", "error"),
        ("R010", "traefik routing enabled", "error"),
        ("R011", "all services have images", "error"),
        ("R012", "environment vars are all quoted", "warning"),
        ("R013", "git.coopcloud.tech repo exists", "error"),
        ("R014", "only annotated tags used for recipe version", "error"),
        ("R015", "long secret names", "error"),
    ]
    resolve = {
        "R002": "add a healthcheck to every service",
        "R004": "use a tag for all images that is not 'latest'/'main'/moving",
        "R005": "use a semver-like tag for all images",
        "R012": "quote all env vars in .env.sample",
    }
    w = [6, 46, 10, 11, 9, 47]
    def row(cells):
        return "│" + "│".join(f" {c:<{w[i] - 2}} " for i, c in enumerate(cells)) + "│"
    def sep(l, m, r):
        return l + m.join("─" * x for x in w) + r
    lines = [f"abra recipe lint {recipe}", sep("┌", "┬", "┐"),
             row(["REF", "RULE", "SEVERITY", "SATISFIED", "SKIPPED", "RESOLVE"]), sep("├", "┼", "┤")]
    for ref, desc, sev in rules:
        ok = ref not in unsatisfied
        lines.append(row([ref, desc, sev, "✅" if ok else "❌", "❌", "" if ok else resolve.get(ref, "see docs")]))
    lines.append(sep("└", "┴", "┘"))
    return "\n".join(lines) + "\n"
