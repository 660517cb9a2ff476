#!/usr/bin/env python3
"""GET /metrics (SPEC 4.5; issue 13 item 7) under real lighttpd: who may
read it (an admin token, a read-only metrics token that grants nothing
else), its text checked line by line against the Prometheus text format
0.0.4 by a strict parser written here, counters that move by exactly what
known traffic adds (requests by route and status, events accepted and
duplicate, runs created and finished, attempts by outcome), gauges that
follow the queue, and counters that survive a restart of lighttpd and of
every responder.

One responder (max-procs 1) for the exact counts: a responder adds its own
request counts to the store before it answers /metrics; counts kept by
another responder reach the store within a second of its last request
(LighttpdTwoResponders waits for them)."""

import json
import math
import os
import re
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from sink import Sink  # noqa: E402
from test_workflows import Product  # noqa: E402

# --- a strict parser of the text exposition format, version 0.0.4 ---------

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


class FormatError(AssertionError):
    pass


def _float(text, lineno):
    if text in ("NaN", "+Inf", "-Inf", "Inf"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        raise FormatError("line %d: %r is not a float" % (lineno, text))
    return float(text)


def _labels(text, pos, lineno):
    """Parses '{a="x",b="y"}' from text[pos] == '{'; returns (labels, end)."""
    labels = {}
    pos += 1
    while True:
        if text[pos:pos + 1] == "}":
            return labels, pos + 1
        m = re.compile(LABEL).match(text, pos)
        if not m:
            raise FormatError("line %d: bad label name at column %d" % (lineno, pos + 1))
        name = m.group(0)
        if name.startswith("__"):
            raise FormatError("line %d: label %s is reserved" % (lineno, name))
        if name in labels:
            raise FormatError("line %d: label %s given twice" % (lineno, name))
        pos = m.end()
        if text[pos:pos + 2] != '="':
            raise FormatError("line %d: expected =\" after %s" % (lineno, name))
        pos += 2
        value = []
        while True:
            if pos >= len(text):
                raise FormatError("line %d: unterminated label value" % lineno)
            c = text[pos]
            if c == "\\":
                esc = text[pos + 1:pos + 2]
                if esc not in ("\\", '"', "n"):
                    raise FormatError("line %d: bad escape \\%s" % (lineno, esc))
                value.append("\n" if esc == "n" else esc)
                pos += 2
            elif c == '"':
                pos += 1
                break
            else:
                value.append(c)
                pos += 1
        labels[name] = "".join(value)
        if text[pos:pos + 1] == ",":
            pos += 1
        elif text[pos:pos + 1] != "}":
            raise FormatError("line %d: expected , or } at column %d" % (lineno, pos + 1))


def parse_exposition(text):
    """Returns {family: {"type", "help", "samples": {(name, labels tuple): value}}}.
    Raises FormatError on anything the format does not allow: a sample
    before its TYPE, a TYPE or HELP twice, a family's samples not
    contiguous, a duplicate series, bad names, escapes or numbers, a
    missing final newline."""
    if not text.endswith("\n"):
        raise FormatError("the text does not end with a newline")
    if "\r" in text:
        raise FormatError("carriage return in the text")
    families = {}
    seen_series = set()
    current = None  # family whose samples are being read
    closed = set()  # families whose samples ended
    for lineno, line in enumerate(text[:-1].split("\n"), 1):
        if line.strip() == "":
            continue
        if line.startswith("#"):
            m = re.fullmatch(r"# (HELP|TYPE) (%s) (.*)" % NAME, line)
            if not m:
                if re.match(r"#\s*(HELP|TYPE)\b", line):
                    raise FormatError("line %d: malformed %r" % (lineno, line))
                continue  # a plain comment
            kind, name, rest = m.groups()
            fam = families.setdefault(name, {"type": None, "help": None, "samples": {}})
            if fam["samples"]:
                raise FormatError("line %d: %s of %s after its samples" % (lineno, kind, name))
            if kind == "TYPE":
                if fam["type"] is not None:
                    raise FormatError("line %d: second TYPE for %s" % (lineno, name))
                if rest not in TYPES:
                    raise FormatError("line %d: unknown type %r" % (lineno, rest))
                fam["type"] = rest
            else:
                if fam["help"] is not None:
                    raise FormatError("line %d: second HELP for %s" % (lineno, name))
                if re.search(r"\\[^\\n]", rest.replace("\\\\", "")):
                    raise FormatError("line %d: bad escape in HELP" % lineno)
                fam["help"] = rest.replace("\\n", "\n").replace("\\\\", "\\")
            continue
        m = re.compile(NAME).match(line)
        if not m:
            raise FormatError("line %d: bad metric name in %r" % (lineno, line))
        name, pos = m.group(0), m.end()
        labels = {}
        if line[pos:pos + 1] == "{":
            labels, pos = _labels(line, pos, lineno)
        parts = line[pos:].split(" ")
        if len(parts) not in (2, 3) or parts[0] != "":
            raise FormatError("line %d: expected ' VALUE [TIMESTAMP]' in %r" % (lineno, line))
        value = _float(parts[1], lineno)
        if len(parts) == 3 and not re.fullmatch(r"-?\d+", parts[2]):
            raise FormatError("line %d: bad timestamp" % lineno)
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            base = name[:-len(suffix)]
            if name.endswith(suffix) and families.get(base, {}).get("type") in ("histogram",
                                                                                  "summary"):
                family = base
        fam = families.get(family)
        if fam is None or fam["type"] is None:
            raise FormatError("line %d: sample of %s before its TYPE" % (lineno, family))
        if family != current:
            if family in closed:
                raise FormatError("line %d: samples of %s are not together" % (lineno, family))
            if current is not None:
                closed.add(current)
            current = family
        key = (name, tuple(sorted(labels.items())))
        if key in seen_series:
            raise FormatError("line %d: series %s%r given twice" % (lineno, name, labels))
        seen_series.add(key)
        if fam["type"] == "counter" and (value < 0 or math.isnan(value)):
            raise FormatError("line %d: counter %s is %r" % (lineno, name, value))
        fam["samples"][key] = value
    return families


class ParserSelfTest(unittest.TestCase):
    """The parser refuses what the format refuses (so the checks below
    could fail)."""

    GOOD = ('# HELP a_total Things.\n# TYPE a_total counter\na_total{x="1",y="q\\"\\\\\\n"} 3\n'
            'a_total{x="2"} 4\n# TYPE g gauge\ng 1.5e3\n')

    def test_a_good_text_parses(self):
        f = parse_exposition(self.GOOD)
        self.assertEqual(f["a_total"]["samples"][("a_total", (("x", "1"), ("y", 'q"\\\n')))],
                         3)
        self.assertEqual(f["g"]["samples"][("g", ())], 1500)

    def test_bad_texts_are_refused(self):
        bad = [
            "a 1",                                      # no final newline
            "a 1\n",                                    # no TYPE
            "# TYPE a counter\n# TYPE a counter\na 1\n",  # TYPE twice
            "# TYPE a counter\na 1\n# HELP a late\n",   # HELP after samples
            '# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n',  # duplicate series
            "# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na 2\n",  # not together
            '# TYPE a gauge\na{x="\\t"} 1\n',           # bad escape
            '# TYPE a gauge\na{x="1",x="2"} 1\n',       # label twice
            "# TYPE a gauge\na one\n",                  # not a number
            "# TYPE a counter\na -1\n",                 # negative counter
            "# TYPE a wibble\na 1\n",                   # unknown type
            "# TYPE 1a gauge\n1a 1\n",                  # bad name
        ]
        for text in bad:
            with self.assertRaises(FormatError, msg=repr(text)):
                parse_exposition(text)


# --- the product -------------------------------------------------------------

def value(fams, name, **labels):
    fam = name
    return fams.get(fam, {}).get("samples", {}).get((name, tuple(sorted(labels.items()))), 0)


class MetricsCase:
    def scrape(self, token=None):
        r = self.p.server.get("/metrics",
                              headers={"Authorization": "Bearer " + (token or self.p.admin)})
        self.assertEqual(r.status, 200, r)
        ct = r.headers.get("Content-Type", "")
        self.assertTrue(ct.startswith("text/plain; version=0.0.4"), ct)
        fams = parse_exposition(r.body.decode("utf-8"))
        for name, fam in fams.items():
            self.assertTrue(name.startswith("incoming_"), name)
            self.assertIsNotNone(fam["help"], name)
            self.assertEqual(fam["type"] == "counter", name.endswith("_total"), name)
        return fams


class LighttpdMetrics(MetricsCase, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.p = Product(procs=1)
        cls.sink = Sink().start()

    @classmethod
    def tearDownClass(cls):
        cls.sink.stop()
        cls.p.stop()

    def test_every_family_is_there_even_at_zero(self):
        fams = self.scrape()
        for name in ("incoming_http_requests_total", "incoming_events_accepted_total",
                     "incoming_events_duplicate_total", "incoming_runs_created_total",
                     "incoming_runs_finished_total", "incoming_attempts_total",
                     "incoming_recoveries_total", "incoming_queue_depth", "incoming_runs",
                     "incoming_retries_due", "incoming_runners_alive",
                     "incoming_store_size_bytes", "incoming_runner_log_bytes",
                     "incoming_build_info"):
            self.assertIn(name, fams)
        for outcome in ("success", "retry", "failure"):
            self.assertIn(("incoming_attempts_total", (("outcome", outcome),)),
                          fams["incoming_attempts_total"]["samples"])
        self.assertGreater(value(fams, "incoming_store_size_bytes"), 0)
        # init's first open of a fresh data_dir recovers nothing
        self.assertGreaterEqual(value(fams, "incoming_recoveries_total"), 0)

    def test_who_may_read_it(self):
        s = self.p.server
        r = s.get("/metrics")
        self.assertEqual(r.status, 401, r)
        self.assertIn("Bearer", r.headers.get("WWW-Authenticate", ""))
        self.assertEqual(r.json()["error"], "unauthorized")
        r = s.get("/metrics", headers={"Authorization": "Bearer imt_nope"})
        self.assertEqual(r.status, 401, r)
        doc = s.ctl_json("metrics-token", "create", "--name", "prometheus")
        tok = doc["token"]
        self.assertTrue(tok.startswith("imt_"), tok)
        self.scrape(tok)
        # It grants /metrics and nothing else.
        r = s.request("GET", "/api/v1/integrations", headers={"Authorization": "Bearer " + tok})
        self.assertEqual(r.status, 401, r)
        # Stored as a hash only.
        self.assertFalse(s.data_files_contain(tok.encode()))
        listed = s.ctl_json("metrics-token", "list")["items"]
        self.assertIn(doc["id"], [t["id"] for t in listed])
        self.assertNotIn("hash", json.dumps(listed))
        # An admin token is no metrics token's id, and revoking works.
        s.ctl("metrics-token", "revoke", doc["id"])
        r = s.get("/metrics", headers={"Authorization": "Bearer " + tok})
        self.assertEqual(r.status, 401, r)
        r = s.request("POST", "/metrics", body=b"{}",
                      headers={"Authorization": "Bearer " + self.p.admin})
        self.assertEqual(r.status, 405, r)

    def test_known_traffic_moves_the_counters_exactly_and_they_survive_a_restart(self):
        p = self.p
        self.sink.script("/fail", [{"status": 400}])
        ok = p.integration("m-ok")
        p.workflow(ok["id"], [Product.outgoing("send", self.sink.url + "/ok")])
        bad = p.integration("m-bad")
        p.workflow(bad["id"], [Product.outgoing("send", self.sink.url + "/fail",
                                                retry={"maxAttempts": 3})])
        p.wait_idle()
        before = self.scrape()

        events = [p.post_event(ok, {"i": i}, headers={"Idempotency-Key": "k%d" % i})
                  for i in range(3)]
        p.post_event(ok, {"i": 0}, headers={"Idempotency-Key": "k0"}, expect=200)
        failed = p.post_event(bad, {"i": 9})
        r = p.server.post_json("/incoming/00000000-0000-4000-8000-000000000000", "{}")
        self.assertEqual(r.status, 404)
        r = p.server.post_json("/incoming/" + ok["endpointId"], "{}", content_type="text/plain")
        self.assertEqual(r.status, 415)
        for ev in events:
            self.assertEqual(p.wait_runs(ev)[0]["state"], "succeeded")
        self.assertEqual(p.wait_runs(failed)[0]["state"], "failed")
        p.wait_idle()
        # Requests made since `before`, besides those above: the scrape
        # `before` itself and the polls of wait_runs/wait_idle (admin API
        # and /healthz), counted from the access they leave in the diff.
        after = self.scrape()

        def delta(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        self.assertEqual(delta("incoming_events_accepted_total"), 4)
        self.assertEqual(delta("incoming_events_duplicate_total"), 1)
        self.assertEqual(delta("incoming_http_requests_total", route="incoming", status="202"), 4)
        self.assertEqual(delta("incoming_http_requests_total", route="incoming", status="200"), 1)
        self.assertEqual(delta("incoming_http_requests_total", route="incoming", status="404"), 1)
        self.assertEqual(delta("incoming_http_requests_total", route="incoming", status="415"), 1)
        # The scrape `before` is counted; this one is not yet.
        self.assertEqual(delta("incoming_http_requests_total", route="metrics", status="200"), 1)
        self.assertGreater(delta("incoming_http_requests_total", route="api", status="200"), 0)
        self.assertEqual(delta("incoming_runs_created_total", state="queued"), 4)
        self.assertEqual(delta("incoming_runs_finished_total", state="succeeded"), 3)
        self.assertEqual(delta("incoming_runs_finished_total", state="failed"), 1)
        self.assertEqual(delta("incoming_attempts_total", outcome="success"), 3)
        self.assertEqual(delta("incoming_attempts_total", outcome="failure"), 1)
        self.assertEqual(value(after, "incoming_queue_depth"), 0)

        # lighttpd and its responder stop (SIGTERM) and start again.
        p.server.restart_server()
        again = self.scrape()
        for fam in ("incoming_events_accepted_total", "incoming_events_duplicate_total",
                    "incoming_runs_created_total", "incoming_runs_finished_total",
                    "incoming_attempts_total", "incoming_recoveries_total"):
            for key, v in after[fam]["samples"].items():
                self.assertEqual(again[fam]["samples"].get(key), v, (fam, key))
        for key, v in after["incoming_http_requests_total"]["samples"].items():
            extra = 1 if key == ("incoming_http_requests_total",
                                 (("route", "metrics"), ("status", "200"))) else 0
            got = again["incoming_http_requests_total"]["samples"].get(key, 0)
            # the scrape `after`, and the harness's /healthz polls at start
            if key[1] == (("route", "healthz"), ("status", "200")):
                self.assertGreaterEqual(got, v + 1, key)
            else:
                self.assertEqual(got, v + extra, key)

    def test_a_due_retry_shows_in_the_gauges(self):
        p = self.p
        self.sink.script("/slow503", [{"status": 503}])
        integ = p.integration("m-retry")
        p.workflow(integ["id"], [Product.outgoing("send", self.sink.url + "/slow503",
                                                  retry={"maxAttempts": 2})])
        before = self.scrape()
        ev = p.post_event(integ, {"i": 1})
        run = p.wait_runs(ev, states=("retrying", "failed"))[0]
        self.assertIn(run["state"], ("retrying", "failed"))
        fams = self.scrape()
        self.assertEqual(value(fams, "incoming_attempts_total", outcome="retry")
                         - value(before, "incoming_attempts_total", outcome="retry"), 1)
        if run["state"] == "retrying" and p.runs_of(ev)[0]["state"] == "retrying":
            self.assertGreaterEqual(value(fams, "incoming_runs", state="retrying")
                                    + value(fams, "incoming_runs", state="queued")
                                    + value(fams, "incoming_runs", state="running"), 1)
        p.wait_runs(ev)


class LighttpdTwoResponders(MetricsCase, unittest.TestCase):
    """Counts kept by a responder that answers no scrape reach the store
    within a second of its last request."""

    @classmethod
    def setUpClass(cls):
        cls.p = Product(procs=2)

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def test_every_responders_requests_are_counted(self):
        before = value(self.scrape(), "incoming_http_requests_total", route="incoming",
                       status="404")
        for _ in range(20):
            r = self.p.server.post_json("/incoming/00000000-0000-4000-8000-000000000000", "{}")
            self.assertEqual(r.status, 404)
        deadline = time.time() + 30
        got = None
        while time.time() < deadline:
            got = value(self.scrape(), "incoming_http_requests_total", route="incoming",
                        status="404") - before
            if got >= 20:
                break
            time.sleep(0.3)
        self.assertEqual(got, 20)


if __name__ == "__main__":
    harness.main()
