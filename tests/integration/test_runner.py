#!/usr/bin/env python3
"""incoming-runner as started by the responder under lighttpd (SPEC 2,
issue 2 item 6): a 202 leads to a runner that marks the event processed;
never more than runner_max runners at once; no zombies; a runner holds no
descriptor of the responder (checked in /proc/PID/fd).

Runners linger INCOMING_RUNNER_TEST_LINGER_MS (a test-only hook in
src/runner_main.c) while they hold a slot, so they can be observed."""

import os
import sys
import threading
import time
import unittest
import uuid

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402

RUNNER_MAX = 2
LINGER_MS = 500


def fd_targets(pid):
    """{fd: readlink target} of pid."""
    out = {}
    d = "/proc/%d/fd" % pid
    for fd in os.listdir(d):
        try:
            out[int(fd)] = os.readlink(os.path.join(d, fd))
        except OSError:
            pass
    return out


class RunnerTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server("lighttpd", procs=4, conf={"runner_max": RUNNER_MAX},
                            env={"INCOMING_RUNNER_TEST_LINGER_MS": str(LINGER_MS)}).start()
        try:
            cls.integ = cls.server.create_integration("runner")
        except BaseException:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def post(self, body=b'{"x": 1}'):
        return self.server.post_json("/incoming/" + self.integ["endpointId"], body)

    def healthz(self):
        r = self.server.get("/healthz")
        self.assertEqual(r.status, 200, r)
        return r.json()

    def wait_idle(self, timeout=15.0):
        """Waits until nothing is queued and no runner is alive."""
        deadline = time.time() + timeout
        h = None
        while time.time() < deadline:
            h = self.healthz()
            if h["queued"] == 0 and not self.server.runner_pids():
                return h
            time.sleep(0.05)
        self.fail("queue not drained in %.0f s: %r, runners %r\n%s"
                  % (timeout, h, self.server.runner_pids(), self.server.server_log()))

    def wait_runner(self, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            p = self.server.runner_pids()
            if p:
                return p[0]
            time.sleep(0.005)
        self.fail("no runner started\n" + self.server.server_log())

    def wait_lingering_runner(self, timeout=5.0):
        """A runner past exec and store_open (it has a .db file of data_dir
        open), i.e. in its linger: (pid, {fd: target})."""
        data_dir = os.path.realpath(self.server.data_dir) + "/"
        deadline = time.time() + timeout
        while time.time() < deadline:
            for pid in self.server.runner_pids():
                try:
                    fds = fd_targets(pid)
                except OSError:
                    continue
                if any(t.startswith(data_dir) and t.endswith(".db") for t in fds.values()):
                    return pid, fds
            time.sleep(0.005)
        self.fail("no runner reached its linger\n" + self.server.server_log())

    def test_accepted_event_is_processed_by_a_runner(self):
        self.wait_idle()
        r = self.post(b'{"process": "me"}')
        self.assertEqual(r.status, 202, r)
        self.wait_runner()
        # While the runner lingers (before draining) the event is queued.
        self.assertGreaterEqual(self.healthz()["queued"], 1)
        self.wait_idle(timeout=LINGER_MS / 1000 + 5)
        h = self.healthz()
        self.assertEqual(h["queued"], 0)
        self.assertEqual(h["runners"], 0)

    def test_runner_holds_no_descriptor_of_the_responder(self):
        self.wait_idle()
        r = self.post(b'{"fd": "check"}')
        self.assertEqual(r.status, 202, r)
        pid, fds = self.wait_lingering_runner()
        responder_fds = set()
        for rp in self.server.responder_pids():
            responder_fds.update(t for t in fd_targets(rp).values()
                                 if t.startswith(("socket:", "pipe:", "anon_inode:")))
        self.assertTrue(responder_fds, "responders hold no socket?")
        data_dir = os.path.realpath(self.server.data_dir) + "/"
        for fd, target in sorted(fds.items()):
            with self.subTest(fd=fd, target=target):
                self.assertNotIn(target, responder_fds)
                self.assertFalse(target.startswith(("socket:", "pipe:", "anon_inode:")),
                                 "runner fd %d is %s" % (fd, target))
                ok = target in ("/dev/null", "/dev/urandom") or target.startswith(data_dir)
                self.assertTrue(ok, "runner fd %d is %s (all: %r)" % (fd, target, fds))
        self.assertEqual(fds.get(0), "/dev/null")
        self.assertEqual(fds.get(1), "/dev/null")
        self.assertEqual(fds.get(2), os.path.join(data_dir, "runner.log"))
        # Detached: a session of its own (setsid in the intermediate child,
        # which has exited), and re-parented to this subreaper.
        st = harness._stat(pid)
        server_sids = {harness._stat(p)[4] for p in self.server.responder_pids()}
        server_sids.add(harness._stat(self.server.proc.pid)[4])
        self.assertNotIn(st[4], server_sids, "runner shares the server's session")
        self.assertIsNone(harness._stat(st[4]), "the session leader is still alive")
        self.assertEqual(st[2], os.getpid(), "runner was not re-parented to the subreaper")
        self.wait_idle()

    def test_burst_runs_at_most_runner_max_runners_and_leaves_no_zombies(self):
        self.wait_idle()
        n_threads, per_thread = 8, 6
        accepted, failures = [], []
        seen = {}  # runner pid -> [first seen, last seen]
        max_raw = [0]
        stop = threading.Event()

        def sampler():
            while not stop.is_set():
                now = time.time()
                p = self.server.runner_pids()
                max_raw[0] = max(max_raw[0], len(p))
                for pid in p:
                    seen.setdefault(pid, [now, now])[1] = now
                time.sleep(0.005)

        def client():
            for _ in range(per_thread):
                try:
                    r = self.post(b'{"burst": true}')
                    (accepted if r.status == 202 else failures).append(r.status)
                except OSError as e:
                    failures.append(e)

        samp = threading.Thread(target=sampler)
        samp.start()
        try:
            clients = [threading.Thread(target=client) for _ in range(n_threads)]
            for t in clients:
                t.start()
            for t in clients:
                t.join()
            self.wait_idle()
        finally:
            stop.set()
            samp.join()
        self.assertEqual(failures, [])
        self.assertEqual(len(accepted), n_threads * per_thread)
        # Runners that got no slot exit within milliseconds; those holding a
        # slot linger LINGER_MS. Count the lingering ones alive at once.
        long_lived = [(a, b) for a, b in seen.values() if b - a >= LINGER_MS / 1000 / 2]
        self.assertTrue(long_lived, "no runner observed (seen %r)\n%s" % (seen, self.server.server_log()))
        edges = sorted([(a, 1) for a, _ in long_lived] + [(b, -1) for _, b in long_lived],
                       key=lambda e: (e[0], e[1]))
        cur = peak = 0
        for _, d in edges:
            cur += d
            peak = max(peak, cur)
        sys.stderr.write("\n  burst: %d events, %d runners seen, %d holding a slot, peak %d "
                         "concurrent (raw sample peak %d)\n"
                         % (len(accepted), len(seen), len(long_lived), peak, max_raw[0]))
        self.assertLessEqual(peak, RUNNER_MAX)
        # No zombies: neither under the server's processes (the responder's
        # intermediate child) nor re-parented runners left unreaped.
        time.sleep(0.3)
        server_pids = set(harness.processes_of(self.server.tmp)) | {self.server.proc.pid}
        zombies = []
        for pid in harness.pids():
            st = harness._stat(pid)
            if st and st[1] == "Z" and (st[2] in server_pids or
                                        (st[2] == os.getpid() and st[0] in harness._ADOPTED)):
                zombies.append((pid, st))
        self.assertEqual(zombies, [])

    def test_unknown_event_does_not_start_a_runner(self):
        self.wait_idle()
        r = self.server.post_json("/incoming/" + str(uuid.uuid4()), b"{}")
        self.assertEqual(r.status, 404)
        time.sleep(0.2)
        self.assertEqual(self.server.runner_pids(), [])


if __name__ == "__main__":
    harness.main()
