#!/usr/bin/env python3
"""With durability = sync, a 202 is written only after the event's log
record is on disk (SPEC 4.1 and 10, issue 10 item 5), shown on the real
binary: lighttpd starts the responder under strace (-f -y: every write,
pwrite and flush, with the path of each descriptor), a few events are
posted one at a time, and for each 202 the trace must show, in this order:
the write of the log record that holds the event id to a log file of
data_dir, an fdatasync (or fsync) of that same log file that returned 0,
and only then the write of the answer holding the event id to the
FastCGI socket. With durability = nosync there is no flush before the
answer: the same check must then fail, so the test can tell."""

import os
import re
import shutil
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import TracedServer  # noqa: E402

STRACE = shutil.which("strace")
LINE = re.compile(r'^\d+\s+\S+\s+(\w+)\((\d+)<([^>]*)>(.*)$')


def order_violations(trace_path, event_ids, data_dir):
    """For each event id, what is wrong with the order of its log write,
    flush and answer (empty when right)."""
    with open(trace_path, errors="replace") as f:
        calls = []
        for line in f:
            m = LINE.match(line)
            if m:
                calls.append((m.group(1), m.group(3), m.group(4)))
    logdir = os.path.realpath(data_dir) + "/log."
    bad = []
    for ev in event_ids:
        answer = next((i for i, (name, path, rest) in enumerate(calls)
                       if path.startswith("socket:") and ev in rest and "202" in rest), None)
        if answer is None:
            bad.append("%s: no answer written" % ev)
            continue
        written = [i for i, (name, path, rest) in enumerate(calls[:answer])
                   if path.startswith(logdir) and name in ("write", "pwrite64", "writev")
                   and ev in rest]
        if not written:
            bad.append("%s: no log record written before the answer" % ev)
            continue
        log = calls[written[-1]][1]
        flushed = [i for i in range(written[-1] + 1, answer)
                   if calls[i][0] in ("fdatasync", "fsync") and calls[i][1] == log
                   and calls[i][2].rstrip().endswith("= 0")]
        if not flushed:
            bad.append("%s: answered without a flush of %s after its record" % (ev, log))
    return bad


@unittest.skipUnless(STRACE, "strace not installed")
class DurabilityOrderTest(unittest.TestCase):

    def run_case(self, durability):
        s = TracedServer("lighttpd", procs=1, conf={"durability": durability},
                         calls="write,pwrite64,writev,fdatasync,fsync")
        s.start()
        try:
            integ = s.create_integration("order")
            ids = []
            for n in range(5):
                r = s.post_json("/incoming/" + integ["endpointId"], b'{"n": %d}' % n)
                self.assertEqual(r.status, 202, r)
                ids.append(r.json()["eventId"])
            s.stop_server()  # strace has written everything
            return order_violations(s.trace, ids, s.data_dir)
        finally:
            s.stop()

    def test_sync_answers_only_after_the_log_file_is_flushed(self):
        self.assertEqual(self.run_case("sync"), [])

    def test_the_check_sees_nosync_answers_without_a_flush(self):
        bad = self.run_case("nosync")
        self.assertEqual(len(bad), 5, bad)
        self.assertTrue(all("without a flush" in b for b in bad), bad)


if __name__ == "__main__":
    harness.main()
