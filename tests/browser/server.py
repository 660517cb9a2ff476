#!/usr/bin/env python3
"""Starts the product under a real lighttpd for the browser tests.

Uses tests/integration/harness.py: a throw-away data directory, the shipped
lighttpd snippet, incoming.fcgi with INCOMING_UI_DIR=$top_srcdir/ui (passed
through lighttpd's bin-environment), and otherwise the default configuration
(outgoing_allow_private = no: the workflow under test posts to the product's
own /v4/events/custom at the origin of public_base_url, which is always
allowed). Creates an admin token, prints one JSON line
{"url", "token", "tmp", "conf"} on stdout and stays up until stdin closes.
"""

import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402

# The routes the UI needs (alternatives of the snippet's URL condition).
UI_ROUTES = ["incoming/", "healthz$", "auth/token$", "v4/events/custom$", "api/v1/", "ui/", "ui$",
             "$"]


class UiServer(harness.Server):
    """harness.Server whose lighttpd routes every path the UI uses to the
    responder, should the shipped snippet not route some of them (yet)."""

    def _lighttpd_conf(self):
        argv = super()._lighttpd_conf()
        path = os.path.join(self.tmp, "lighttpd-incoming.conf")
        with open(path) as f:
            text = f.read()
        m = re.search(r'(\$HTTP\["url"\] =~ "\^" \+ var\.incoming_base \+ "/\()([^)]*)(\)")', text)
        if m is None:
            raise RuntimeError("cannot find the URL condition in the lighttpd snippet")
        have = m.group(2).split("|")
        missing = [r for r in UI_ROUTES if r not in have]
        if missing:
            sys.stderr.write("server.py: the lighttpd snippet does not route %s; adding them for "
                             "this test\n" % " ".join("/" + r.rstrip("$") for r in missing))
            text = text[:m.start(2)] + "|".join(have + missing) + text[m.end(2):]
            with open(path, "w") as f:
                f.write(text)
        return argv


def main():
    harness.require_binaries()
    ui_dir = os.path.join(harness.TOP_SRCDIR, "ui")
    srv = UiServer("lighttpd", conf={"capture_seconds": "20"}, env={"INCOMING_UI_DIR": ui_dir})
    srv.start()
    try:
        tok = srv.ctl_json("admin-token", "create", "--name", "browser-test")
        print(json.dumps({"url": "http://127.0.0.1:%d%s" % (srv.port, srv.base),
                          "token": tok["token"], "tmp": srv.tmp, "conf": srv.conf_path}),
              flush=True)
        sys.stdin.read()  # until the test closes our stdin
        if os.environ.get("INCOMING_UI_SERVER_LOG") == "1":
            sys.stderr.write(srv.server_log() + "\n")
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
