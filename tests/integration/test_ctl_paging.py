#!/usr/bin/python3
"""Every paged list of incomingctl goes past two pages, lists each item
exactly once and ends (issue 11, item 4).

apikey, integration and workflow list read the whole collection 500 items a
page: with 1,101 of each they need three pages (the bug: the cursor of the
next page was overwritten by the answer buffer, so paging restarted from the
first page forever and memory grew until the OOM killer). --limit N gives
one page; following its "next" (or the table's "more: --cursor") walks the
rest. events list and runs list give one page at a time (default 50): seven
items at --limit 2 make four pages. admin-token list is not paged: it lists
every token in one answer.

Each incomingctl runs under a watchdog (RSS and time): a listing that loops
is killed long before it hurts the machine, and the test fails."""

import json
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402

MANY = 1101  # three pages of 500
EVENTS = 7  # four pages of 2
CTL_TIMEOUT = 30.0
CTL_MAX_RSS_KB = 512 * 1024


class Paging(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("lighttpd", conf={"durability": "nosync"}).start()
        cls.token = cls.server.ctl_json("admin-token", "create", "--name", "paging")["token"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    # -- helpers --

    def api(self, method, path, body=None, status=200):
        r = self.server.admin_api(self.token, method, path, body)
        self.assertEqual(r.status, status, r)
        return r.json() if r.body else None

    def ctl(self, *args, json_out=True):
        """incomingctl's stdout; fails the test when it exits non-zero, runs
        longer than CTL_TIMEOUT or grows past CTL_MAX_RSS_KB."""
        argv = [harness.INCOMINGCTL, "--conf", self.server.conf_path]
        argv += (["--json"] if json_out else []) + list(args)
        r = harness.run_watched(argv, CTL_TIMEOUT, CTL_MAX_RSS_KB)
        self.assertIsNone(r.why, "incomingctl %s %s" % (" ".join(args), r.why))
        self.assertEqual(r.returncode, 0, "incomingctl %s: %s" % (" ".join(args), r.stderr))
        return r.stdout.decode("utf-8")

    def assert_once(self, listed, expected, what):
        dups = sorted({x for x in listed if listed.count(x) > 1})
        self.assertEqual(dups, [], "%s listed more than once" % what)
        self.assertEqual(set(listed), set(expected), what)
        self.assertEqual(len(listed), len(expected), what)

    def follow_json(self, args, key="id"):
        """Walks a list with --json through its "next" cursors; returns the
        ids in order and the number of pages."""
        ids, cursor, pages = [], None, 0
        while True:
            page = json.loads(self.ctl(*(args + (["--cursor", cursor] if cursor else []))))
            pages += 1
            ids += [it[key] for it in page["items"]]
            cursor = page.get("next")
            if not cursor:
                return ids, pages
            self.assertLess(pages, 100, "the cursor never runs out")

    def follow_table(self, args):
        """The same through the table's "more: --cursor X" line; returns
        the first column of every row."""
        ids, cursor, pages = [], None, 0
        while True:
            text = self.ctl(*(args + (["--cursor", cursor] if cursor else [])), json_out=False)
            pages += 1
            lines = text.splitlines()[1:]  # header
            cursor = None
            if lines and lines[-1].startswith("more: --cursor "):
                cursor = lines.pop().split()[-1]
            ids += [line.split()[0] for line in lines]
            if not cursor:
                return ids, pages
            self.assertLess(pages, 100, "the cursor never runs out")

    def check_collection(self, cmd, created):
        """The whole-collection listing (three pages inside incomingctl),
        as JSON and as a table, and --limit paging by hand."""
        page = json.loads(self.ctl(cmd, "list"))
        self.assertNotIn("next", page)
        self.assert_once([it["id"] for it in page["items"]], created, cmd + " list --json")
        rows = self.ctl(cmd, "list", json_out=False).splitlines()
        self.assertEqual(rows[0].split()[0], "ID")
        self.assert_once([r.split()[0] for r in rows[1:]], created, cmd + " list")
        ids, pages = self.follow_json([cmd, "list", "--limit", "400"])
        self.assertEqual(pages, 3)
        self.assert_once(ids, created, cmd + " list --limit 400")
        ids, pages = self.follow_table([cmd, "list", "--limit", "400"])
        self.assertEqual(pages, 3)
        self.assert_once(ids, created, cmd + " list --limit 400 (table)")

    # -- the collections --

    def test_apikey_list_goes_past_two_pages(self):
        created = [self.api("POST", "/apikeys", {"name": "k%d" % i,
                                                  "permissions": ["events:write"]}, 201)["id"]
                   for i in range(MANY)]
        self.check_collection("apikey", created)

    def test_integration_and_workflow_lists_go_past_two_pages(self):
        integs = [self.api("POST", "/integrations", {"name": "i%d" % i, "auth": "none"},
                           201)["id"] for i in range(MANY)]
        listed = json.loads(self.ctl("integration", "list"))["items"]
        # Other tests of this class may have made integrations of their own.
        mine = set(integs)
        self.assert_once([it["id"] for it in listed if it["id"] in mine], integs,
                         "integration list --json")
        others = [it["id"] for it in listed if it["id"] not in mine]
        self.check_collection("integration", integs + others)
        wfs = []
        for i in range(MANY):
            doc = {"name": "w%d" % i,
                   "nodes": [{"id": "trigger", "type": "business_event",
                              "integrationId": integs[i]}, {"id": "end", "type": "end"}],
                   "edges": [["trigger", "end"]]}
            wfs.append(self.api("POST", "/workflows", doc, 201)["id"])
        listed = json.loads(self.ctl("workflow", "list"))["items"]
        others = [it["id"] for it in listed if it["id"] not in set(wfs)]
        self.check_collection("workflow", wfs + others)

    def test_events_and_runs_lists_page_to_the_end(self):
        integ = self.api("POST", "/integrations", {"name": "events", "auth": "none"}, 201)
        self.api("POST", "/integrations/%s/publish" % integ["id"])
        # A published workflow whose filter never matches: one skipped run
        # per event, without any outgoing request.
        wf = self.api("POST", "/workflows", {
            "name": "skip",
            "nodes": [{"id": "trigger", "type": "business_event", "integrationId": integ["id"],
                       "filter": {"all": [{"param": "body.n", "op": "eq", "value": -1}]}},
                      {"id": "end", "type": "end"}],
            "edges": [["trigger", "end"]]}, 201)
        self.api("POST", "/workflows/%s/publish" % wf["id"])
        events = []
        for i in range(EVENTS):
            r = self.server.post_json("/incoming/" + integ["endpointId"], '{"n": %d}' % i)
            self.assertEqual(r.status, 202, r)
            events.append(r.json()["eventId"])
        # Ids are time-ordered to the microsecond (docs/storage.md): events
        # taken one after the other, by whichever responder, sort in that
        # order, within a millisecond too (no pause needed between them).
        self.assertEqual(events, sorted(events))
        args = ["events", "list", "--integration", integ["id"], "--limit", "2"]
        ids, pages = self.follow_json(args, key="eventId")
        self.assertEqual(pages, 4)
        self.assertEqual(ids, events[::-1])  # newest first, each once
        ids, pages = self.follow_table(args)
        self.assertEqual(pages, 4)
        self.assertEqual(ids, events[::-1])
        self.ctl("drain")
        deadline = time.time() + 20
        while True:
            runs = json.loads(self.ctl("runs", "list", "--workflow", wf["id"], "--limit",
                                       "500"))["items"]
            if len(runs) == EVENTS and all(r["state"] == "skipped" for r in runs):
                break
            self.assertLess(time.time(), deadline, "runs: %r" % runs)
            time.sleep(0.2)
        expected = [r["id"] for r in runs]
        args = ["runs", "list", "--workflow", wf["id"], "--limit", "2"]
        ids, pages = self.follow_json(args)
        self.assertEqual(pages, 4)
        self.assertEqual(ids, expected)
        ids, pages = self.follow_table(args)
        self.assertEqual(pages, 4)
        self.assertEqual(ids, expected)

    def test_admin_token_list_lists_every_token_once(self):
        made = [self.server.ctl_json("admin-token", "create", "--name", "t%d" % i)["id"]
                for i in range(5)]
        listed = json.loads(self.ctl("admin-token", "list"))["items"]
        ids = [t["id"] for t in listed]
        self.assertTrue(set(made) <= set(ids))
        self.assertEqual(len(ids), len(set(ids)))
        rows = self.ctl("admin-token", "list", json_out=False).splitlines()[1:]
        self.assertEqual(sorted(r.split()[0] for r in rows), sorted(ids))


if __name__ == "__main__":
    harness.main()
