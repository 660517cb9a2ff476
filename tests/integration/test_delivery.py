#!/usr/bin/env python3
"""Delivery under failure (SPEC sections 2, 8, 10; issue 6 item 7): a real
local sink (sink.py) that is down, answers 503/429 with Retry-After, 400, is
slow, or holds a request while the test SIGKILLs the runner; and a burst of
1,000 events, each delivered once (counted by Idempotency-Key), with never
more than runner_max runners at once.

Retry timing comes from src/runexec.c: attempt n waits 2^(n-1) s +-20%,
or Retry-After when that is longer. A runner exits when nothing is due
now; a due retry is started by the next request to a responder (each looks
once a second), which the tests' polling provides.

The burst prints its counts on stdout: accepted, delivered, duplicates,
seconds."""

import os
import signal
import sys
import threading
import time
import unittest
import uuid

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from sink import Sink  # noqa: E402
from test_workflows import Product  # noqa: E402

RUNNER_MAX = 3
BURST = 1000


def slot_holders(data_dir):
    """Pids holding an flock on a runner slot file (<data_dir>/runners/)."""
    d = os.path.join(data_dir, "runners")
    try:
        inodes = {os.stat(os.path.join(d, n)).st_ino for n in os.listdir(d)}
    except OSError:
        return set()
    out = set()
    with open("/proc/locks") as f:
        for line in f:
            parts = line.split()
            # "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" ("->" for waiters)
            if len(parts) < 6 or parts[1] != "FLOCK" or "->" in parts[:2]:
                continue
            try:
                ino = int(parts[5].split(":")[2])
                pid = int(parts[4])
            except (IndexError, ValueError):
                continue
            if ino in inodes:
                out.add(pid)
    return out


class DeliveryTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.p = Product(conf={"runner_max": RUNNER_MAX}, procs=4)
        cls.sink = Sink().start()
        cls.spare = None
        try:
            # Events here start a runner but no workflow (a nudge).
            cls.spare = cls.p.integration("nudge")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.sink.stop()
        cls.p.stop()

    def setUp(self):
        self.t0 = time.time()

    def tearDown(self):
        sys.stderr.write("  (%.1f s) " % (time.time() - self.t0))

    def workflow_to(self, path, sink=None, **node):
        """A fresh integration whose published workflow POSTs to path."""
        sink = sink or self.sink
        integ = self.p.integration("d-" + uuid.uuid4().hex[:8])
        n = Product.outgoing("send", sink.url + path,
                             body='{"event": "{{ request.eventId }}", "i": {{ request.body.i }}}',
                             **node)
        self.p.workflow(integ["id"], [n])
        return integ

    def healthz(self):
        r = self.p.server.get("/healthz")
        self.assertEqual(r.status, 200, r)
        h = r.json()
        for k in ("queued", "retrying", "runners"):
            self.assertIsInstance(h.get(k), int, h)
        return h

    # -- retries --

    def test_sink_down_then_up_delivers_after_retries(self):
        down = Sink().start()
        down.down()  # keeps its port; connections are refused
        try:
            integ = self.workflow_to("/down", sink=down, retry={"maxAttempts": 8},
                                     timeoutMs=2000)
            ev = self.p.post_event(integ, {"i": 1})
            # Attempts at ~0 s, ~1 s, ~3 s: wait for two failures.
            deadline = time.time() + 10
            run, seen_retrying = None, []
            while time.time() < deadline:
                runs = self.p.runs_of(ev)
                seen_retrying.append(self.healthz()["retrying"])
                run = runs[0] if runs else None
                if run and len(run["attempts"]) >= 2:
                    break
                time.sleep(0.1)
            self.assertIsNotNone(run, "no run for the event")
            self.assertGreaterEqual(len(run["attempts"]), 2, run)
            self.assertEqual(run["state"], "retrying", run)
            self.assertIn("nextAttemptAt", run)
            for a in run["attempts"]:
                self.assertIn("connect", a.get("error", "").lower(), a)
                self.assertNotIn("response", a)
            self.assertEqual(down.received(), [])
            self.assertTrue(any(n >= 1 for n in seen_retrying),
                            "GET /healthz never counted the retrying run: %r" % seen_retrying)
            down.up()
            run = self.p.wait_runs(ev, timeout=15)[0]
            self.assertEqual(run["state"], "succeeded", run)
            self.assertEqual(down.delivered(), {"%s.send" % run["id"]})
            self.assertEqual(run["attempts"][-1]["response"]["status"], 200)
            self.assertGreaterEqual(len(run["attempts"]), 3)
        finally:
            down.stop()

    def test_503_then_200_is_retried_and_delivered(self):
        self.sink.script("/503", [{"status": 503}, {"status": 200}])
        integ = self.workflow_to("/503", retry={"maxAttempts": 3})
        ev = self.p.post_event(integ, {"i": 2})
        run = self.p.wait_runs(ev, timeout=10)[0]
        self.assertEqual(run["state"], "succeeded", run)
        self.assertEqual([a["response"]["status"] for a in run["attempts"]], [503, 200])
        reqs = self.sink.received("/503")
        self.assertEqual(len(reqs), 2)
        gap = reqs[1].at - reqs[0].answered_at
        self.assertGreaterEqual(gap, 0.8 - 0.01, "first backoff is 1 s +-20%")
        self.assertEqual(reqs[0].key, reqs[1].key)

    def retry_after_case(self, path, seconds):
        self.sink.script(path, [{"status": 429, "retry_after": seconds}, {"status": 200}])
        integ = self.workflow_to(path, retry={"maxAttempts": 3})
        ev = self.p.post_event(integ, {"i": 3})
        run = self.p.wait_runs(ev, timeout=seconds + 8)[0]
        self.assertEqual(run["state"], "succeeded", run)
        self.assertEqual([a["response"]["status"] for a in run["attempts"]], [429, 200])
        reqs = self.sink.received(path)
        self.assertEqual(len(reqs), 2)
        gap = reqs[1].at - reqs[0].answered_at
        self.assertGreaterEqual(gap, seconds - 0.01,
                                "second attempt %.3f s after a Retry-After of %d" % (gap, seconds))
        return gap

    def test_429_with_retry_after_1_waits_at_least_1_s(self):
        self.retry_after_case("/429a", 1)

    def test_429_with_retry_after_longer_than_the_backoff_is_honoured(self):
        # The first backoff is at most 1.2 s: 3 s can only come from Retry-After.
        self.retry_after_case("/429b", 3)

    def test_400_fails_at_once_with_one_attempt(self):
        self.sink.script("/400", [{"status": 400, "body": '{"error": "bad"}'}, {"status": 200}])
        integ = self.workflow_to("/400", retry={"maxAttempts": 5})
        ev = self.p.post_event(integ, {"i": 4})
        run = self.p.wait_runs(ev)[0]
        self.assertEqual(run["state"], "failed", run)
        self.assertEqual(len(run["attempts"]), 1, run)
        self.assertEqual(run["attempts"][0]["response"]["status"], 400)
        self.assertIn("bad", run["attempts"][0]["response"]["bodyExcerpt"])
        self.assertNotIn("nextAttemptAt", run)
        # Nothing more comes, however long we poll.
        deadline = time.time() + 2
        while time.time() < deadline:
            self.healthz()
            time.sleep(0.2)
        self.assertEqual(len(self.sink.received("/400")), 1)
        self.assertEqual(self.p.runs_of(ev)[0]["state"], "failed")

    def test_slow_sink_times_out_and_is_retried(self):
        self.sink.script("/slow", [{"delay": 2.0}, {"status": 200}])
        integ = self.workflow_to("/slow", retry={"maxAttempts": 4}, timeoutMs=500)
        ev = self.p.post_event(integ, {"i": 5})
        run = self.p.wait_runs(ev, timeout=10)[0]
        self.assertEqual(run["state"], "succeeded", run)
        first = run["attempts"][0]
        self.assertIn("timeout", first.get("error", "").lower(), first)
        self.assertLess(first["durationMs"], 1500, first)
        self.assertEqual(run["attempts"][-1]["response"]["status"], 200)
        self.assertEqual(len(self.sink.received("/slow")), 2)

    # -- a runner killed mid-request --

    def test_runner_killed_mid_request_is_resumed_and_delivered(self):
        self.sink.script("/kill", [{"hold": True}, {"status": 200}])
        integ = self.workflow_to("/kill", retry={"maxAttempts": 5}, timeoutMs=10000)
        ev = self.p.post_event(integ, {"i": 6})
        got = self.sink.wait_for(lambda s: s.received("/kill"), 10)
        self.assertTrue(got, "the request never reached the sink\n" + self.p.server.server_log())
        runners = self.p.server.runner_pids()
        self.assertTrue(runners, "no runner alive while the sink holds its request")
        for pid in runners:
            os.kill(pid, signal.SIGKILL)
        # Gone and reaped (a zombie still answers kill(pid, 0)).
        deadline = time.time() + 5
        while any(os.path.exists("/proc/%d" % pid) for pid in runners):
            self.assertLess(time.time(), deadline, "killed runners not reaped")
            time.sleep(0.02)
        self.sink.release()
        run = self.p.runs_of(ev)[0]
        self.assertEqual(run["state"], "running", run)
        # The lease (10 s + 30 s) has not expired: only the dead pid tells.
        # Plain requests do not start a runner for it; the next runner does.
        resumed_by = None
        deadline = time.time() + 2
        while time.time() < deadline and resumed_by is None:
            self.healthz()
            if self.sink.delivered("/kill"):
                resumed_by = "a later request"
            time.sleep(0.2)
        if resumed_by is None:
            self.p.post_event(self.spare, {"nudge": 1})
            resumed_by = "the next event's runner"
        run = self.p.wait_runs(ev, timeout=10)[0]
        self.assertEqual(run["state"], "succeeded", run)
        reqs = self.sink.received("/kill")
        key = "%s.send" % run["id"]
        self.assertGreaterEqual(len(reqs), 2)
        self.assertEqual({q.key for q in reqs}, {key})  # at least once, same key
        self.assertEqual(self.sink.delivered("/kill"), {key})
        log = self.p.runner_log()
        self.assertIn(b"resuming", log, "the lease of the killed runner was not reaped:\n"
                      + log.decode("utf-8", "replace")[-3000:])
        sys.stderr.write("\n  killed runner(s) %s; run resumed by %s; %d arrivals, 1 key "
                         % (runners, resumed_by, len(reqs)))

    def test_incomingctl_drain_runs_a_due_retry_without_any_request(self):
        r = self.p.server.ctl("drain", json_out=False, check=False)
        if r.returncode == 2 and b"unknown command" in r.stderr:
            self.skipTest("incomingctl has no drain command yet")
        # Retry-After 4 s: the retry comes due after the runner has waited
        # out its 2 s linger and exited.
        self.sink.script("/cron", [{"status": 503, "retry_after": 4}, {"status": 200}])
        integ = self.workflow_to("/cron", retry={"maxAttempts": 3})
        self.p.post_event(integ, {"i": 7})
        self.assertTrue(self.sink.wait_for(lambda s: s.received("/cron"), 10))
        # With no request after that, nobody runs it...
        time.sleep(5.5)
        self.assertEqual(self.p.server.runner_pids(), [])
        self.assertEqual(len(self.sink.received("/cron")), 1)
        # ...until cron's incomingctl drain does.
        self.p.server.ctl("drain", json_out=False)
        self.assertTrue(self.sink.wait_for(lambda s: s.delivered("/cron"), 10),
                        self.sink.received("/cron"))

    # -- a burst --

    def test_burst_of_1000_events_is_delivered_once_each(self):
        integ = self.workflow_to("/burst", retry={"maxAttempts": 8})
        self.sink.script("/burst", [{"delay": 0.002}])
        max_holders, max_runners, health = [0], [0], []
        stop = threading.Event()
        data_dir = self.p.server.data_dir

        def sampler():
            while not stop.is_set():
                runners = [pid for pid in slot_holders(data_dir)
                           if (harness._stat(pid) or ("",))[0].startswith("incoming-runne")]
                max_holders[0] = max(max_holders[0], len(runners))
                try:
                    h = self.healthz()
                    health.append(h)
                    max_runners[0] = max(max_runners[0], h["runners"])
                except (OSError, AssertionError):
                    pass
                time.sleep(0.02)

        accepted, failures = [], []
        lock = threading.Lock()

        def client(n):
            for i in range(n):
                try:
                    r = self.p.server.post_json("/incoming/" + integ["endpointId"],
                                                '{"i": %d}' % i)
                    with lock:
                        (accepted if r.status == 202 else failures).append(
                            r.json().get("eventId") if r.status == 202 else r)
                except OSError as e:
                    with lock:
                        failures.append(e)

        t0 = time.time()
        samp = threading.Thread(target=sampler)
        samp.start()
        try:
            threads = [threading.Thread(target=client, args=(BURST // 8,)) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            t_posted = time.time() - t0
            self.sink.wait_for(lambda s: len(s.delivered("/burst")) >= len(accepted), 90,
                               poll=self.healthz)
            t_done = time.time() - t0
        finally:
            stop.set()
            samp.join()
        reqs = self.sink.received("/burst")
        delivered = self.sink.delivered("/burst")
        dups = self.sink.duplicates("/burst")
        events = {q.headers["X-Incoming-Event-Id"] for q in reqs}
        print("burst: accepted %d, delivered %d, duplicates %d, requests %d, seconds %.1f "
              "(posting %.1f s); peak runners %d (slot locks) / %d (healthz), sink "
              "concurrency %d, runner_max %d"
              % (len(accepted), len(delivered), dups, len(reqs), t_done, t_posted,
                 max_holders[0], max_runners[0], self.sink.max_inflight, RUNNER_MAX), flush=True)
        self.assertEqual(failures, [])
        self.assertEqual(len(accepted), BURST)
        self.assertEqual(len(delivered), BURST, "not every accepted event was delivered")
        self.assertEqual(events, set(accepted))
        self.assertEqual(dups, 0)
        self.assertEqual(len(reqs), BURST)
        self.assertLessEqual(max_holders[0], RUNNER_MAX)
        self.assertLessEqual(max_runners[0], RUNNER_MAX)
        self.assertLessEqual(self.sink.max_inflight, RUNNER_MAX)
        self.assertTrue(any(h["queued"] > 0 for h in health), "healthz never showed a queue")
        self.assertTrue(any(h["runners"] > 0 for h in health), "healthz never showed a runner")
        # Every run succeeded, and the queue is empty afterwards.
        deadline = time.time() + 10
        while time.time() < deadline:
            h = self.healthz()
            if h["queued"] == 0 and h["runners"] == 0:
                break
            time.sleep(0.1)
        self.assertEqual((h["queued"], h["retrying"]), (0, 0), h)


class SlowBatchTest(unittest.TestCase):
    """A runner claims the runs that are due together (up to 4 in one
    transaction) and sends them one after the other. Each run's lease was
    taken to cover outgoing_timeout_ms for every run before it in the batch;
    when those take longer (here: 1 s each against 0.3 s, with a node
    timeout of 3 s), the next run's lease still covers its request or is
    extended before it (runexec_run; tests/test_runexec.c covers the
    extension), so no reaper resumes a run that is still waiting its turn:
    each event reaches the sink exactly once, and the runner log shows no
    run resumed."""

    def test_slow_runs_claimed_together_are_each_delivered_once(self):
        p = Product(conf={"runner_max": 1, "outgoing_timeout_ms": 300}, procs=2)
        sink = Sink().start()
        try:
            sink.script("/slow", [{"delay": 1.0}])
            integ = p.integration("slow-batch")
            n = Product.outgoing("send", sink.url + "/slow",
                                 body='{"i": {{ request.body.i }}}', timeoutMs=3000)
            p.workflow(integ["id"], [n])
            first = p.post_event(integ, {"i": 0})
            # While the only runner sends the first, the next four queue up
            # and are claimed together when it comes back.
            self.assertTrue(sink.wait_for(lambda s: s.received("/slow"), 10))
            rest = [p.post_event(integ, {"i": i}) for i in range(1, 5)]
            runs = [p.wait_runs(ev, timeout=30)[0] for ev in [first] + rest]
            self.assertEqual([r["state"] for r in runs], ["succeeded"] * 5, runs)
            reqs = sink.received("/slow")
            self.assertEqual(sorted(q.key for q in reqs),
                             sorted("%s.send" % r["id"] for r in runs))
            self.assertEqual(sink.duplicates("/slow"), 0)
            self.assertNotIn(b"resuming", p.runner_log())
        finally:
            sink.stop()
            p.stop()


if __name__ == "__main__":
    harness.main()
