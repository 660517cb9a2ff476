#!/usr/bin/env python3
"""Housekeeping without workflows and without cron.

A runner checkpoints the Berkeley DB log on its way out (after which
Berkeley DB removes the log files it no longer needs) and purges events
past event_retention_days. Runners start for workflows, and the packaged
cron line starts `incomingctl drain` every minute. Under the quick start
(no cron) with integrations that no workflow triggers on, nothing started
one: the log grew by every event's bytes, without end. Responders now look
every 10 s whether a checkpoint is due (4 MiB of log or 5 minutes since the
last one) and start a runner for it when it is."""

import json
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402


def log_files(s):
    return sorted(f for f in os.listdir(s.data_dir) if f.startswith("log."))


class HousekeepingTest(unittest.TestCase):
    def test_log_files_are_removed_without_workflows_or_cron(self):
        s = Server("lighttpd", procs=1)
        self.addCleanup(s.stop)
        s.start()
        integ = s.create_integration("no workflow")
        path = "/incoming/%s" % integ["endpointId"]
        filler = "x" * (400 * 1024)
        posted = 0
        # 14 events of 400 KiB: more than 4 MiB of log, three files or more.
        for i in range(14):
            r = s.post_json(path, json.dumps({"n": i, "filler": filler}))
            self.assertEqual(r.status, 202, r.body)
            posted += 1
        before = log_files(s)
        self.assertGreaterEqual(len(before), 3, before)
        # The responder looks every 10 s, after an answer: keep sending
        # small events until the old files are gone (or 40 s have passed).
        deadline = time.time() + 40
        after = before
        while time.time() < deadline:
            r = s.post_json(path, json.dumps({"n": posted}))
            self.assertEqual(r.status, 202, r.body)
            posted += 1
            after = log_files(s)
            if len(after) < len(before) and after[0] > before[0]:
                break
            time.sleep(0.5)
        self.assertLess(len(after), len(before), (before, after))
        self.assertGreater(after[0], before[0], (before, after))
        # Nothing acknowledged is lost with the files.
        listed = s.ctl_json("events", "list", "--integration", integ["id"], "--limit", "200")
        self.assertEqual(len(listed["items"]), posted)
        # The runner did its work and left.
        deadline = time.time() + 10
        while s.runner_pids() and time.time() < deadline:
            time.sleep(0.2)
        self.assertEqual(s.runner_pids(), [])
        self.assertEqual(s.sanitizer_reports(), [])


if __name__ == "__main__":
    harness.main()
