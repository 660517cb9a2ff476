#!/usr/bin/python3
"""Listing events is bounded by its page size, whatever senders posted
(issue 11, item 3).

Ten bodies of 1,044,001 bytes, each an array of 116,000 {"a":[]} (under
max_body_bytes), made GET /api/v1/integrations/{id}/events?limit=20 a 68 MB
answer and left the responder at 1.5 GB; limit=100 reached 7.5 GB and a 500;
incomingctl events list --json died out of memory. Now a list item carries
the first rows of the flattened table with the count of all, and an excerpt
of the body with its size; GET /api/v1/events/{id} gives the whole envelope
and a capped table that says so. The responder's private memory (RssAnon)
is back near its idle size after the requests: listing builds no tree of
such a body any more (it adds nothing measurable), and the admin API gives
freed heap back, which also returns the ~23 MB the ten posts leave behind
(ingest parses each body into a tree) to the system.

One responder (procs=1), so every request lands in the process whose
memory is watched. Memory figures are printed on stderr; they are not
asserted under AddressSanitizer, whose allocator keeps freed memory in
quarantine on purpose."""

import json
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402

ELEMENTS = 116000
BODY = ("[" + ",".join(['{"a":[]}'] * ELEMENTS) + "]").encode()
EVENTS = 10
RAW_EXCERPT = 2048  # bytes of body text in a list item's raw
LIST_ROWS = 20  # flattened rows in a list item
GET_ROWS = 1000  # flattened rows in GET /api/v1/events/{id}
ITEM_MAX = 8 * 1024  # what one list item may weigh, whatever the body
PAGE_MAX = 4 * 1024 * 1024  # "a few MiB": 500 items of ITEM_MAX
ANON_SLACK_KB = 8 * 1024  # private memory a responder may keep past idle
CTL_MAX_RSS_KB = 128 * 1024


def sanitizer_build():
    try:
        with open(harness.FCGI, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def leaves(v):
    """Flattened leaves of a JSON value (SPEC section 5)."""
    if isinstance(v, dict):
        return sum(leaves(x) for x in v.values()) if v else 1
    if isinstance(v, list):
        return sum(leaves(x) for x in v) if v else 1
    return 1


class EventPages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        assert len(BODY) == 1044001
        cls.asan = sanitizer_build()
        cls.server = Server("lighttpd", procs=1, conf={"durability": "nosync"}).start()
        s = cls.server
        cls.token = s.ctl_json("admin-token", "create", "--name", "pages")["token"]
        cls.integ = s.create_integration("big bodies")
        # Warm up: one of each request, so that idle means a responder that
        # has served these routes, not one fresh from exec.
        r = s.post_json("/incoming/" + cls.integ["endpointId"], b'{"warm": 1}')
        assert r.status == 202, r
        cls.small = r.json()["eventId"]
        cls.api("/integrations/%s/events?limit=1" % cls.integ["id"])
        cls.api("/events/" + cls.small)
        (cls.pid,) = s.responder_pids()
        cls.idle = cls.memory()
        t0 = time.time()
        for _ in range(EVENTS):
            r = s.post_json("/incoming/" + cls.integ["endpointId"], BODY, timeout=60)
            assert r.status == 202, r
        cls.posted = cls.memory()
        sys.stderr.write("\n%d bodies of %d bytes posted in %.1f s\n"
                         % (EVENTS, len(BODY), time.time() - t0))
        cls.report("idle", cls.idle)
        cls.report("after the posts", cls.posted)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    # -- helpers --

    @classmethod
    def api(cls, path):
        r = cls.server.admin_api(cls.token, "GET", path)
        assert r.status == 200, r
        return r

    @classmethod
    def memory(cls):
        return {f: harness.rss_kb(cls.pid, f) for f in ("VmRSS", "RssAnon", "RssFile")}

    @staticmethod
    def report(what, m):
        sys.stderr.write("responder %-28s VmRSS %7d kB  RssAnon %7d kB  RssFile %7d kB\n"
                         % (what, m["VmRSS"], m["RssAnon"], m["RssFile"]))

    def page(self, limit):
        r = self.api("/integrations/%s/events?limit=%d" % (self.integ["id"], limit))
        sys.stderr.write("limit=%d: %d items, %d bytes\n" % (limit, len(r.json()["items"]),
                                                             len(r.body)))
        return r

    def envelope_leaves(self):
        """Leaves of a big event's envelope outside its body."""
        items = self.page(1).json()["items"]
        env = json.loads(self.api("/events/" + items[0]["eventId"]).body)["event"]
        del env["body"]
        return leaves(env)

    def assert_big_item(self, item, extra):
        self.assertEqual(len(item["flattened"]), LIST_ROWS)
        self.assertEqual(item["flattened"][0], {"key": "body[0].a", "type": "array", "value": []})
        self.assertEqual(item["flattened"][LIST_ROWS - 1]["key"], "body[%d].a" % (LIST_ROWS - 1))
        self.assertEqual(item["flattenedCount"], ELEMENTS + extra)
        self.assertIs(item["flattenedTruncated"], True)
        self.assertIsInstance(item["raw"], str)
        raw = item["raw"].encode()
        self.assertLessEqual(len(raw), RAW_EXCERPT)
        self.assertGreater(len(raw), RAW_EXCERPT - 4)
        self.assertTrue(BODY.startswith(raw))
        self.assertEqual(item["rawBytes"], len(BODY))
        self.assertIs(item["rawTruncated"], True)
        self.assertLess(len(json.dumps(item)), ITEM_MAX)

    # -- the tests --

    def test_1_pages_are_bounded_whatever_the_bodies_hold(self):
        extra = self.envelope_leaves()
        for limit in (20, 100, 500):
            r = self.page(limit)
            self.assertLess(len(r.body), PAGE_MAX)
            items = r.json()["items"]
            self.assertEqual(len(items), EVENTS + 1)
            self.assertNotIn("next", r.json())
            for item in items[:EVENTS]:
                self.assert_big_item(item, extra)
            small = items[EVENTS]
            self.assertEqual(small["eventId"], self.small)
            self.assertEqual(small["raw"], {"warm": 1})
            self.assertIs(small["rawTruncated"], False)
            self.assertIs(small["flattenedTruncated"], False)
            self.assertEqual(small["flattenedCount"], len(small["flattened"]))
        # Paging still reaches every event.
        r = self.page(3)
        self.assertEqual(len(r.json()["items"]), 3)
        self.assertIn("next", r.json())

    def test_2_one_event_has_the_whole_envelope_and_a_capped_table(self):
        items = self.page(2).json()["items"]
        r = self.api("/events/" + items[0]["eventId"])
        sys.stderr.write("GET /api/v1/events/{id}: %d bytes\n" % len(r.body))
        self.assertLess(len(r.body), len(BODY) + 512 * 1024)
        doc = r.json()
        self.assertEqual(len(doc["event"]["body"]), ELEMENTS)
        self.assertEqual(len(doc["flattened"]), GET_ROWS)
        self.assertEqual(doc["flattened"][GET_ROWS - 1]["key"], "body[%d].a" % (GET_ROWS - 1))
        self.assertEqual(doc["flattenedCount"], items[0]["flattenedCount"])
        self.assertIs(doc["flattenedTruncated"], True)
        self.assertEqual(doc["runs"], [])

    def test_3_the_responder_returns_to_its_idle_size(self):
        for limit in (20, 100, 500):
            self.page(limit)
        self.api("/events/" + self.page(1).json()["items"][0]["eventId"])
        after = self.memory()
        self.report("after the listings", after)
        if self.asan:
            self.skipTest("AddressSanitizer keeps freed memory in quarantine")
        self.assertLess(after["RssAnon"], self.idle["RssAnon"] + ANON_SLACK_KB, after)
        # The rest is Berkeley DB's cache, mapped from data_dir (8 MB).
        self.assertLess(after["VmRSS"], self.idle["VmRSS"] + 2 * ANON_SLACK_KB + 8192, after)

    def test_4_incomingctl_lists_big_events(self):
        base = [harness.INCOMINGCTL, "--conf", self.server.conf_path]
        args = ["events", "list", "--integration", self.integ["id"], "--limit", "500"]
        max_rss = None if self.asan else CTL_MAX_RSS_KB
        r = harness.run_watched(base + ["--json"] + args, 60, max_rss)
        sys.stderr.write("incomingctl --json events list: %d bytes, peak RSS %d kB\n"
                         % (len(r.stdout), r.peak_kb))
        self.assertIsNone(r.why)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLess(len(r.stdout), PAGE_MAX)
        page = json.loads(r.stdout)
        self.assertEqual(len(page["items"]), EVENTS + 1)
        self.assertEqual(page["items"][0]["rawBytes"], len(BODY))
        r = harness.run_watched(base + args, 60, max_rss)
        sys.stderr.write("incomingctl events list: %d bytes, peak RSS %d kB\n"
                         % (len(r.stdout), r.peak_kb))
        self.assertIsNone(r.why)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(len(lines), 1 + EVENTS + 1)
        self.assertIn('[{"a":[]},{"a":[]}', lines[1])
        r = harness.run_watched(base + ["events", "show", page["items"][0]["eventId"]], 60,
                                None if self.asan else 4 * CTL_MAX_RSS_KB)
        self.assertIsNone(r.why)
        self.assertEqual(r.returncode, 0, r.stderr)
        shown = b"(the first %d of %d parameters)" % (GET_ROWS, page["items"][0]["flattenedCount"])
        self.assertIn(shown, r.stdout)


if __name__ == "__main__":
    harness.main()
