#!/usr/bin/env python3
"""SIGTERM lets the current request finish, then the responder exits.

incoming.fcgi is started directly (as a web server would: a listening unix
socket on fd 0) and driven by a minimal FastCGI client, so the test controls
exactly when the request's body arrives: half of it, then SIGTERM, then the
rest. The request must still get its 202 and its event must be stored; the
process must then exit by itself, and a request sent after that finds no
responder.
"""

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

FCGI_BEGIN, FCGI_END, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT = 1, 3, 4, 5, 6


def record(rtype, content, rid=1):
    pad = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBx", 1, rtype, rid, len(content), pad) + content + b"\0" * pad


def nv(name, value):
    def ln(n):
        return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)
    return ln(len(name)) + ln(len(value)) + name + value


def read_response(sock, timeout=10):
    """Collects FCGI_STDOUT until FCGI_END_REQUEST; returns the bytes."""
    sock.settimeout(timeout)
    data, out = b"", b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
        while len(data) >= 8:
            _, rtype, _, clen, pad = struct.unpack(">BBHHBx", data[:8])
            if len(data) < 8 + clen + pad:
                break
            content = data[8:8 + clen]
            data = data[8 + clen + pad:]
            if rtype == FCGI_STDOUT:
                out += content
            elif rtype == FCGI_END:
                return out
    return out


class SigtermTest(unittest.TestCase):
    def setUp(self):
        harness.require_binaries()
        self.tmp = tempfile.mkdtemp(prefix="incoming-it-sigterm-")
        self.conf = os.path.join(self.tmp, "incoming.conf")
        with open(self.conf, "w") as f:
            f.write("data_dir = %s/data\nrunner_path = %s\n" % (self.tmp, harness.RUNNER))
        self.ctl("init")
        integ = json.loads(self.ctl("--json", "integration", "create", "--name", "t"))
        self.ctl("integration", "publish", integ["id"])
        self.endpoint = integ["endpointId"]
        self.sock_path = os.path.join(self.tmp, "fcgi.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.sock_path)
        self.listener.listen(8)
        env = dict(os.environ, INCOMING_CONF=self.conf)
        self.proc = subprocess.Popen([harness.FCGI], stdin=self.listener.fileno(), env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def tearDown(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.listener.close()
        harness.kill_all_of(self.tmp)
        subprocess.run(["rm", "-rf", self.tmp])

    def ctl(self, *args):
        r = subprocess.run([harness.INCOMINGCTL, "--conf", self.conf] + list(args),
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.decode()

    def test_sigterm_finishes_the_request_in_hand_then_exits(self):
        body = json.dumps({"n": 9007199254740993, "pad": "x" * 4000}).encode()
        params = b"".join(nv(k.encode(), v.encode()) for k, v in {
            "FCGI_ROLE": "RESPONDER", "REQUEST_METHOD": "POST",
            "REQUEST_URI": "/incoming/" + self.endpoint, "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)), "SERVER_PROTOCOL": "HTTP/1.1"}.items())
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(self.sock_path)
        c.sendall(record(FCGI_BEGIN, struct.pack(">HB5x", 1, 0)) + record(FCGI_PARAMS, params) +
                  record(FCGI_PARAMS, b"") + record(FCGI_STDIN, body[:2000]))
        time.sleep(0.5)  # the responder is now blocked reading the rest of the body
        self.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        self.assertIsNone(self.proc.poll(), "the responder left in the middle of a request")
        c.sendall(record(FCGI_STDIN, body[2000:]) + record(FCGI_STDIN, b""))
        out = read_response(c).decode("utf-8", "replace")
        c.close()
        self.assertIn("Status: 202", out)
        event_id = json.loads(out.split("\r\n\r\n", 1)[1])["eventId"]
        self.assertEqual(self.proc.wait(timeout=10), 0, "the responder did not exit after SIGTERM")
        shown = json.loads(self.ctl("--json", "events", "show", event_id))
        self.assertEqual(shown["event"]["eventId"], event_id)


if __name__ == "__main__":
    unittest.main(verbosity=2)
