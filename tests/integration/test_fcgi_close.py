#!/usr/bin/env python3
"""How a responder ends a FastCGI connection (fcgi-bin/incoming_fcgi.c,
finish_request), shown on the real binary under lighttpd, with the
responder under strace (-f -y: the socket calls, with each descriptor's
path):

- a request whose input was read to its end is closed at once: no
  shutdown() of the FastCGI socket, so the responder does not wait for the
  web server to close its end before it takes the next request (libfcgi's
  graceful close otherwise waits up to 2 s for it);
- a request answered before its body was read (413) keeps libfcgi's
  graceful close (shutdown, then reading what is left), since closing a
  socket with unread input resets the connection and could cut the
  answer; the client gets the whole 413, and the next request is served."""

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
MAX_BODY = 4096
CALL = re.compile(r'^\d+\s+\S+\s+(\w+)\((\d+)<([^>]*)>(.*)$')


def connections(trace_path):
    """Each FastCGI connection the responder answered on, in order: the
    status it wrote and the calls made on that socket after the answer."""
    with open(trace_path, errors="replace") as f:
        calls = [m.groups() for m in map(CALL.match, f) if m]
    out = []
    for i, (name, fd, path, rest) in enumerate(calls):
        if name not in ("write", "writev") or not path.startswith("socket:"):
            continue
        status = re.search(r"Status: (\d{3})", rest)
        if not status:
            continue
        after = []
        for name2, fd2, path2, _ in calls[i + 1:]:
            if fd2 == fd and path2 == path:
                after.append(name2)
                if name2 == "close":
                    break
        out.append((status.group(1), after))
    return out


@unittest.skipUnless(STRACE, "strace not installed")
class FcgiCloseTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.s = TracedServer("lighttpd", procs=1, conf={"max_body_bytes": MAX_BODY},
                             calls="write,writev,shutdown,close,recvfrom", strsize=256)
        cls.s.start()
        try:
            integ = cls.s.create_integration("close")
            path = "/incoming/" + integ["endpointId"]
            cls.statuses = []
            for body in (b'{"n": 1}', b'{"pad": "' + b"x" * (MAX_BODY * 4) + b'"}',
                         b'{"n": 2}'):
                r = cls.s.post_json(path, body)
                cls.statuses.append((r.status, r.json()))
            cls.s.stop_server()  # strace has written everything
            cls.conns = connections(cls.s.trace)
        finally:
            cls.s.stop()

    def test_answers_arrive_whole(self):
        self.assertEqual([st for st, _ in self.statuses], [202, 413, 202], self.statuses)
        self.assertEqual(self.statuses[1][1]["error"], "payload_too_large")

    def test_a_request_read_to_its_end_is_closed_at_once(self):
        accepted = [after for status, after in self.conns if status == "202"]
        self.assertEqual(len(accepted), 2, self.conns)
        for after in accepted:
            self.assertIn("close", after, self.conns)
            self.assertNotIn("shutdown", after, self.conns)

    def test_a_request_with_unread_input_is_closed_gracefully(self):
        refused = [after for status, after in self.conns if status == "413"]
        self.assertEqual(len(refused), 1, self.conns)
        self.assertIn("shutdown", refused[0], self.conns)
        self.assertLess(refused[0].index("shutdown"), refused[0].index("close"), self.conns)


if __name__ == "__main__":
    harness.main()
