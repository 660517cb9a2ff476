#!/usr/bin/env python3
"""Routing edges and the web UI's files (issue 11 item 10) under a real
lighttpd: only GET and HEAD of / and /ui redirect to /ui/, every other
method there and every unknown path get the JSON 404; a FIFO, a directory
or a symlink under the UI directory is never opened for real (a FIFO once
hung a responder forever) and gets 404, while the responder goes on
serving."""

import json
import os
import re
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402


class CatchAllServer(Server):
    """lighttpd sending every path to the responder, as ./quickstart's
    configuration does (the shipped snippet sends only the app's routes)."""

    def _lighttpd_conf(self):
        argv = super()._lighttpd_conf()
        p = os.path.join(self.tmp, "lighttpd-incoming.conf")
        with open(p) as f:
            text = f.read()
        text, n = re.subn(r'(?m)^\$HTTP\["url"\] =~ .*\{$', '$HTTP["url"] =~ "^/" {', text)
        assert n == 1, "etc/lighttpd-incoming.conf: no $HTTP[\"url\"] condition"
        with open(p, "w") as f:
            f.write(text)
        return argv


class Routes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A UI directory of our own, with things that are not regular files.
        cls.ui = tempfile.mkdtemp(prefix="incoming-it-ui-")
        os.chmod(cls.ui, 0o755)
        with open(os.path.join(cls.ui, "index.html"), "w") as f:
            f.write("<!doctype html><title>ui</title>\n")
        os.mkfifo(os.path.join(cls.ui, "fifo.html"))
        os.mkdir(os.path.join(cls.ui, "dir.js"))
        os.symlink(os.path.join(cls.ui, "index.html"), os.path.join(cls.ui, "link.html"))
        # One responder: a hung one would leave nobody to answer.
        try:
            cls.server = CatchAllServer("lighttpd", procs=1,
                                        env={"INCOMING_UI_DIR": cls.ui}).start()
        except BaseException:
            shutil.rmtree(cls.ui, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            shutil.rmtree(cls.ui, ignore_errors=True)

    def assertJson404(self, r, what):
        self.assertEqual(r.status, 404, "%s: %r" % (what, r))
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/json"), what)
        doc = json.loads(r.body.decode("utf-8"))
        self.assertEqual(set(doc), {"status", "error", "message"}, what)
        self.assertEqual((doc["status"], doc["error"]), (404, "not_found"), what)
        self.assertIsNone(r.headers.get("Location"), what)

    def test_get_and_head_of_root_and_ui_redirect_to_the_ui(self):
        for method in ("GET", "HEAD"):
            for path in ("/", "/ui"):
                r = self.server.request(method, path)
                self.assertEqual(r.status, 301, (method, path, r))
                self.assertEqual(r.headers.get("Location"), "/ui/", (method, path))

    def test_other_methods_on_root_and_ui_get_the_json_404(self):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            for path in ("/", "/ui"):
                r = self.server.request(method, path, body=b"{}",
                                        headers={"Content-Type": "application/json"})
                self.assertJson404(r, "%s %s" % (method, path))

    def test_unknown_paths_get_the_json_404_whatever_the_method(self):
        for method in ("GET", "HEAD", "POST", "DELETE"):
            for path in ("/nothing", "/favicon.ico", "/wp-login.php", "/healthz/x",
                         "/auth/token/x", "/v4/events/custom/x", "/incoming", "/uix"):
                body = b"{}" if method == "POST" else None
                r = self.server.request(method, path, body=body,
                                        headers={"Content-Type": "application/json"})
                if method == "HEAD":
                    self.assertEqual(r.status, 404, "HEAD %s: %r" % (path, r))
                    continue
                self.assertJson404(r, "%s %s" % (method, path))

    def test_the_index_is_served(self):
        r = self.server.request("GET", "/ui/")
        self.assertEqual(r.status, 200, r)
        self.assertIn(b"<title>ui</title>", r.body)

    def test_a_fifo_is_not_served_and_does_not_hang_the_responder(self):
        for _ in range(2):
            r = self.server.request("GET", "/ui/fifo.html", timeout=5)
            self.assertJson404(r, "GET /ui/fifo.html")
        # The one responder still answers.
        self.assertEqual(self.server.request("GET", "/ui/index.html", timeout=5).status, 200)

    def test_directories_and_symlinks_are_not_served(self):
        self.assertJson404(self.server.request("GET", "/ui/dir.js", timeout=5), "directory")
        self.assertJson404(self.server.request("GET", "/ui/link.html", timeout=5), "symlink")


if __name__ == "__main__":
    harness.main()
