#!/usr/bin/env python3
"""The responders' logs reach the web server's error log (issue 11 item 8),
where README says: lighttpd's server.errorlog ("FastCGI-stderr: ..."), and
Apache's ErrorLog ("mod_fcgid: stderr: ..."). Under the quick start's
lighttpd (a daemon, whose stderr -- and so its responders' -- is /dev/null)
not one line used to arrive, 500s included. Here lighttpd runs with its
stdout and stderr on /dev/null as a daemon's are.

With log_level = debug every request leaves one line: method, path without
the query (which may hold tokens), status, duration. At the default info
level only 5xx answers do, and errors (storage that cannot be opened, a
configuration that cannot be loaded, which the responder then answers with
500 on every request) land there too."""

import os
import re
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402

SECRET = "tok-" + os.urandom(8).hex()


class DaemonLikeServer(Server):
    """lighttpd whose own stderr (inherited by the responders it spawns)
    leads to /dev/null, as when it runs as a daemon (./quickstart)."""

    def _lighttpd_conf(self):
        argv = super()._lighttpd_conf()
        return ["/bin/sh", "-c", 'exec "$0" "$@" >/dev/null 2>&1'] + argv


class LogCases:
    """Mixed into one TestCase per web server."""

    KIND = None
    MARK = None  # how the web server prefixes a responder's line

    def server(self, **kw):
        cls = DaemonLikeServer if self.KIND == "lighttpd" else Server
        s = cls(self.KIND, procs=1, **kw)
        self.addCleanup(s.stop)
        return s

    def error_log(self, s):
        p = os.path.join(s.tmp, "error.log")
        if not os.path.exists(p):
            return ""
        with open(p, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_line(self, s, pattern, timeout=5.0):
        """The first error-log line of a responder matching pattern."""
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        while True:
            for line in self.error_log(s).splitlines():
                if self.MARK in line and rx.search(line):
                    return line
            if time.time() > deadline:
                self.fail("no line matching %r in %s's error log:\n%s"
                          % (pattern, self.KIND, self.error_log(s)[-3000:]))
            time.sleep(0.05)

    def test_debug_logs_one_line_per_request_without_the_query(self):
        s = self.server(conf={"log_level": "debug"}).start()
        r = s.get("/healthz?token=" + SECRET)
        self.assertEqual(r.status, 200, r)
        line = self.wait_line(s, r"debug: request: GET /healthz 200 [0-9.]+ ms")
        self.assertIn("incoming.fcgi[", line)
        r = s.request("POST", "/api/v1/integrations?cursor=" + SECRET, body=b"{}",
                      headers={"Content-Type": "application/json",
                               "Authorization": "Bearer " + SECRET})
        self.assertEqual(r.status, 401, r)
        self.wait_line(s, r"request: POST /api/v1/integrations 401 unauthorized [0-9.]+ ms")
        r = s.get("/incoming/%s" % SECRET[:8])
        self.wait_line(s, r"request: GET /incoming/%s %d " % (SECRET[:8], r.status))
        self.assertNotIn(SECRET, self.error_log(s), "a query or a token reached the log")

    def test_info_logs_errors_and_5xx_but_not_every_request(self):
        # No data directory: storage cannot be opened, every route that
        # needs it answers 503.
        s = self.server(init=False).start(wait_status=(503,))
        self.assertEqual(s.get("/healthz").status, 503)
        self.wait_line(s, r"error: ensure_store: .*" + re.escape(s.data_dir))
        self.wait_line(s, r"warn: request: GET /healthz 503 unavailable [0-9.]+ ms")
        r = s.get("/nothing/here")
        self.assertNotRegex(self.error_log(s), r"request: GET /nothing")

    def test_a_configuration_that_cannot_be_loaded_is_logged_and_answered_500(self):
        s = self.server(init=False, conf={"runner_max": "0"}).start(wait_status=(500,))
        r = s.get("/healthz")
        self.assertEqual(r.status, 500, r)
        self.assertEqual(r.json()["error"], "internal")
        self.assertNotIn(s.tmp, r.json()["message"])
        self.wait_line(s, r"error: .*configuration: .*incoming\.conf:\d+: runner_max")
        self.wait_line(s, r"request: GET /healthz 500 internal")
        # Repaired, the file is picked up without restarting the web server,
        # as when a responder that could not start was started again.
        with open(s.conf_path) as f:
            text = f.read()
        with open(s.conf_path, "w") as f:
            f.write(re.sub(r"(?m)^runner_max = 0\n", "", text))
        s.ctl("init", json_out=False)
        deadline = time.time() + 15
        while s.get("/healthz").status != 200:
            self.assertLess(time.time(), deadline, "the repaired configuration was not picked up")
            time.sleep(0.2)
        self.wait_line(s, r"info: reqlog_serve_unconfigured: the configuration loads now")


class LighttpdLogs(LogCases, unittest.TestCase):
    KIND = "lighttpd"
    MARK = "FastCGI-stderr:"


@unittest.skipUnless(harness.have_apache(), "Apache 2.4 with mod_fcgid (as root) is needed")
class ApacheLogs(LogCases, unittest.TestCase):
    KIND = "apache"
    MARK = "incoming.fcgi["


if __name__ == "__main__":
    harness.main()
