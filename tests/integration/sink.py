#!/usr/bin/env python3
"""A scriptable HTTP sink for the delivery tests: the outgoing target of
workflows under test. Standard library only.

A Sink listens on 127.0.0.1 on a free port (threaded, one thread per
connection, HTTP/1.1 with Content-Length). What it answers is scripted per
path, request by request:

    sink.script("/a", [{"status": 503}, {"status": 429, "retry_after": 1},
                       {"status": 200}])

Each request to /a takes the next action; the last one repeats. A path with
no script uses the default action (set_default; {"status": 200} at first).
An action is a dict with any of:
    status       HTTP status to answer (default 200)
    retry_after  value of a Retry-After header (seconds or text)
    delay        seconds to sleep before answering (a slow target)
    close        True: close the connection without any answer
    hold         True: keep the request open until release() or stop()
                 (then close without an answer)
    body         bytes or str to answer (default {"ok": true})
    headers      dict of extra answer headers
down() stops listening (connections are refused) while keeping the port;
up() listens on the same port again.

Every request is recorded (method, target, path, headers, body, time received, the
action taken and whether a 2xx was sent) before it is answered. Deliveries
are counted by Idempotency-Key: delivered() is the set of keys that got a
2xx, duplicates() the number of 2xx answers beyond the first per key.

Run as a script, it serves until interrupted and prints each request
(`sink.py [PORT]`) -- handy when trying workflows by hand.
"""

import email.message
import http.server
import json
import socket
import sys
import threading
import time


class Request:
    """One recorded request. headers: case-insensitive (email.message)."""

    def __init__(self, method, target, headers, body, at):
        self.method = method
        self.target = target    # path and query as sent
        self.path = target.split("?")[0]
        self.headers = headers
        self.body = body
        self.at = at            # time.time() when the body was read
        self.action = None
        self.answered = None    # status sent, None when closed/held
        self.answered_at = None
        self.hold = None        # the event a held request waits for

    @property
    def key(self):
        return self.headers.get("Idempotency-Key")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<%s %s key=%s answered=%s at=%.3f>" % (self.method, self.path, self.key,
                                                       self.answered, self.at)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def _serve(self):
        sink = self.server.sink
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        hdrs = email.message.Message()
        for k, v in self.headers.items():
            hdrs[k] = v
        rec = Request(self.command, self.path, hdrs, body, time.time())
        action = sink._record(rec)
        sink._enter()
        self._left = False
        try:
            self._act(sink, rec, action)
        finally:
            self._leave_once(sink)

    def _leave_once(self, sink):
        # A request stops counting as in flight before its answer is sent:
        # the client may send its next request as soon as it reads the
        # answer, before this thread gets to run again.
        if not self._left:
            self._left = True
            sink._leave()

    def _act(self, sink, rec, action):
        if action.get("hold"):
            rec.hold.wait(120)
            self.close_connection = True
            self._abort()
            return
        if action.get("delay"):
            time.sleep(action["delay"])
        if action.get("close"):
            self.close_connection = True
            self._abort()
            return
        status = int(action.get("status", 200))
        self._leave_once(sink)
        body = action.get("body", b'{"ok": true}')
        if isinstance(body, str):
            body = body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if action.get("retry_after") is not None:
                self.send_header("Retry-After", str(action["retry_after"]))
            for k, v in (action.get("headers") or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            return
        with sink.lock:
            rec.answered = status
            rec.answered_at = time.time()
        sink._notify()

    def _abort(self):
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):  # clients may vanish
        pass


class Sink:
    def __init__(self, port=0):
        self.port = port
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.requests = []
        self.scripts = {}   # path -> [actions]
        self.counts = {}    # path -> requests seen
        self.default = {"status": 200}
        self.inflight = 0
        self.max_inflight = 0
        self._release = threading.Event()
        self._httpd = None
        self._thread = None

    # -- lifecycle --

    def start(self):
        self.up()
        return self

    def up(self):
        """Listens (again) on self.port (a free one the first time)."""
        if self._httpd is not None:
            return
        deadline = time.time() + 5
        while True:
            try:
                httpd = _Server(("127.0.0.1", self.port), _Handler)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        httpd.sink = self
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="sink-%d" % self.port, daemon=True)
        self._thread.start()

    def down(self):
        """Stops listening: new connections are refused."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        self._httpd = None
        self._thread = None

    def stop(self):
        self.release()
        self.down()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    # -- scripting --

    def script(self, path, actions):
        with self.lock:
            self.scripts[path] = list(actions)
            self.counts[path] = 0

    def set_default(self, action):
        with self.lock:
            self.default = dict(action)

    def release(self):
        """Lets every request held so far go (closed without an answer)."""
        with self.lock:
            ev, self._release = self._release, threading.Event()
        ev.set()

    def _record(self, rec):
        with self.lock:
            self.requests.append(rec)
            i = self.counts.get(rec.path, 0)
            self.counts[rec.path] = i + 1
            acts = self.scripts.get(rec.path)
            if acts:
                action = acts[min(i, len(acts) - 1)]
            else:
                action = self.default
            rec.action = action
            rec.hold = self._release
            self.cond.notify_all()
        return action

    def _notify(self):
        with self.lock:
            self.cond.notify_all()

    def _enter(self):
        with self.lock:
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)

    def _leave(self):
        with self.lock:
            self.inflight -= 1

    # -- what arrived --

    def reset(self):
        with self.lock:
            self.requests = []
            self.scripts = {}
            self.counts = {}
            self.default = {"status": 200}
            self.max_inflight = self.inflight

    def received(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]

    def delivered(self, path=None):
        """Idempotency-Keys that got a 2xx answer."""
        with self.lock:
            return {r.key for r in self.requests
                    if (path is None or r.path == path) and r.answered and 200 <= r.answered < 300}

    def duplicates(self, path=None):
        with self.lock:
            ok = [r.key for r in self.requests
                  if (path is None or r.path == path) and r.answered and 200 <= r.answered < 300]
        return len(ok) - len(set(ok))

    def wait_for(self, pred, timeout=10.0, poll=None):
        """Waits until pred(sink) is true; returns its last value. poll(),
        when given, is called about every 0.2 s while waiting (to nudge the
        product)."""
        deadline = time.time() + timeout
        last_poll = 0.0
        while True:
            v = pred(self)
            if v or time.time() >= deadline:
                return v
            if poll is not None and time.time() - last_poll >= 0.2:
                last_poll = time.time()
                poll()
                continue
            with self.lock:
                self.cond.wait(0.05)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    s = Sink(port).start()
    print("sink listening on %s" % s.url, flush=True)
    seen = 0
    try:
        while True:
            time.sleep(0.2)
            reqs = s.received()
            for r in reqs[seen:]:
                print("%.3f %s %s %s %r" % (r.at, r.method, r.path, dict(r.headers.items()),
                                            r.body[:200]), flush=True)
            seen = len(reqs)
    except KeyboardInterrupt:
        pass
    finally:
        s.stop()


if __name__ == "__main__":
    main()
