#!/usr/bin/env python3
"""Workflows cannot reach this machine through its own interface addresses
(issue 11 item 7). A workflow once reached a service on the host through
the address of the host's own network interface, which is neither loopback
nor private. With outgoing_allow_private = no such addresses are refused
like loopback (IPv4, IPv6 and IPv4-mapped IPv6); with yes they are reached;
the origin of public_base_url (the product itself) is reached either way.

The address is one this test makes and removes: the root end of a veth pair
into a network namespace of its own, with an IPv4 address from
198.18.0.0/15 (benchmarking, routed nowhere) and an IPv6 one from
2001:db8::/32 (documentation), and a tiny listener bound to each in the
root namespace. No traffic goes to the machine's real addresses. The
namespace and the veth pair are removed when the test ends, fails or is
terminated, and leftovers of killed runs are swept at the next start.

Needs root and iproute2's ip; skips (exit 77) without them."""

import atexit
import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_workflows import Product  # noqa: E402

IP = shutil.which("ip", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/bin")
PREFIX = "incit"  # names of our namespaces and links: incit<pid>n / incit<pid>h


def skip(why):
    sys.stderr.write("SKIP: %s\n" % why)
    sys.exit(harness.SKIP)


def ip(*args, check=True):
    r = subprocess.run([IP] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30)
    if check and r.returncode != 0:
        raise RuntimeError("ip %s: %s" % (" ".join(args), r.stderr.decode().strip()))
    return r


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_leftovers():
    """Removes namespaces and links of earlier runs whose process is gone."""
    names = ip("netns", "list", check=False).stdout.decode().split()
    names += re.findall(r"^\d+: ([^:@]+)", ip("-o", "link", "show", check=False).stdout.decode(),
                        re.M)
    for name in set(names):
        m = re.match(r"^%s(\d+)[nh]$" % PREFIX, name)
        if m and int(m.group(1)) != os.getpid() and not pid_alive(int(m.group(1))):
            ip("link", "del", name, check=False)
            ip("netns", "del", name, check=False)


def ipv6_enabled():
    try:
        with open("/proc/sys/net/ipv6/conf/all/disable_ipv6") as f:
            return f.read().strip() == "0" and os.path.exists("/proc/net/if_inet6")
    except OSError:
        return False


class TestHost:
    """A veth pair into a fresh network namespace; the root end holds an
    address of 198.18.0.0/15 (and of 2001:db8::/32 when IPv6 is on)."""

    def __init__(self):
        self.ns = "%s%dn" % (PREFIX, os.getpid())
        self.host_if = "%s%dh" % (PREFIX, os.getpid())
        self.made = False
        self.v4 = self.v6 = None

    def create(self):
        self.made = True
        atexit.register(self.remove)
        ip("netns", "add", self.ns)
        ip("link", "add", self.host_if, "type", "veth", "peer", "name", "eth0",
           "netns", self.ns)
        # A /30 of 198.18.0.0/15 picked by pid; the next when it is taken.
        base = int(ipaddress.IPv4Address("198.18.0.0"))
        for k in range(64):
            idx = (os.getpid() + k * 7919) % (1 << 15)
            net = ipaddress.IPv4Address(base + idx * 4)
            mine, peer = net + 1, net + 2
            if ip("addr", "add", "%s/30" % mine, "dev", self.host_if, check=False).returncode == 0:
                break
        else:
            raise RuntimeError("no free /30 in 198.18.0.0/15")
        self.v4 = str(mine)
        ip("-n", self.ns, "addr", "add", "%s/30" % peer, "dev", "eth0")
        if ipv6_enabled():
            self.v6 = "2001:db8:%x::1" % idx
            ip("addr", "add", "%s/64" % self.v6, "dev", self.host_if, "nodad")
            ip("-n", self.ns, "addr", "add", "2001:db8:%x::2/64" % idx, "dev", "eth0", "nodad")
        ip("link", "set", self.host_if, "up")
        ip("-n", self.ns, "link", "set", "eth0", "up")
        ip("-n", self.ns, "link", "set", "lo", "up")

    def remove(self):
        if not self.made:
            return
        self.made = False
        ip("link", "del", self.host_if, check=False)  # takes its peer along
        ip("netns", "del", self.ns, check=False)
        left = [n for n in (self.ns, self.host_if)
                if n in ip("netns", "list", check=False).stdout.decode().split()
                or ip("link", "show", n, check=False).returncode == 0]
        if left:
            sys.stderr.write("test_ssrf: could not remove %s\n" % left)


class Listener:
    """A tiny HTTP listener on (address, free port) of the root namespace:
    counts connections and answers each request 200 {"ok": true}."""

    def __init__(self, address):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.requests = []
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
            try:
                self._serve(conn)
            except OSError:
                pass
            finally:
                conn.close()

    def _serve(self, conn):
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        want = int(m.group(1)) if m else 0
        while len(body) < want:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        with self.lock:
            self.requests.append(head.split(b"\r\n")[0])
        answer = b'{"ok": true}'
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(answer), answer))

    def seen(self):
        with self.lock:
            return self.connections, list(self.requests)

    def stop(self):
        self.stopping = True
        self.sock.close()
        self.thread.join(5)


def url(address, port, path="/hook"):
    host = "[%s]" % address if ":" in address else address
    return "http://%s:%d%s" % (host, port, path)


class OwnAddresses(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.host = TestHost()
        cls.listeners = []
        cls.products = []
        try:
            cls.host.create()
            cls.l4 = Listener(cls.host.v4)
            cls.listeners.append(cls.l4)
            cls.l6 = None
            if cls.host.v6:
                cls.l6 = Listener(cls.host.v6)
                cls.listeners.append(cls.l6)
            cls.strict = Product(conf={"outgoing_allow_private": "no"})
            cls.products.append(cls.strict)
            cls.lax = Product(conf={"outgoing_allow_private": "yes"})
            cls.products.append(cls.lax)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            for p in cls.products:
                p.stop()
            for li in cls.listeners:
                li.stop()
        finally:
            cls.host.remove()

    def run_to(self, p, target, **kw):
        """Runs a one-node workflow posting to target; returns the run."""
        integ = p.integration("ssrf")
        kw.setdefault("body", '{"a": 1}')
        p.workflow(integ["id"], [Product.outgoing("send", target, **kw)])
        ev = p.post_event(integ, {"x": 1})
        return p.wait_runs(ev, timeout=20)[0]

    def assertRefused(self, run, listener, what):
        self.assertEqual(run["state"], "failed", "%s: %r" % (what, run))
        err = run["attempts"][0].get("error", "")
        self.assertIn("refused", err, what)
        self.assertIn("address of this machine", err, what)
        self.assertEqual(len(run["attempts"]), 1, "%s: a refusal is not retried" % what)
        self.assertEqual(listener.seen(), (0, []), "%s: the listener was reached" % what)

    def test_own_ipv4_address_is_refused(self):
        self.assertRefused(self.run_to(self.strict, url(self.host.v4, self.l4.port)), self.l4,
                           self.host.v4)

    def test_own_ipv4_address_in_mapped_ipv6_is_refused(self):
        if not self.host.v6:
            self.skipTest("IPv6 is disabled on this machine")
        target = url("::ffff:" + self.host.v4, self.l4.port)
        self.assertRefused(self.run_to(self.strict, target), self.l4, target)

    def test_own_ipv6_address_is_refused(self):
        if not self.host.v6:
            self.skipTest("IPv6 is disabled on this machine")
        self.assertRefused(self.run_to(self.strict, url(self.host.v6, self.l6.port)), self.l6,
                           self.host.v6)

    def test_the_origin_of_public_base_url_is_always_allowed(self):
        # The product's own /v4/events/custom on loopback, with
        # outgoing_allow_private = no: SPEC 3 allows it whatever it resolves to.
        p = self.strict
        key = p.apikey("self")
        run = self.run_to(p, p.base_url + "/v4/events/custom",
                          body='{"action": "self.call", "client": {"email": "s@example.com"}}',
                          auth={"type": "api_key", "apiKeyId": key["id"]})
        self.assertEqual(run["state"], "succeeded", run)
        # Another port of the same host is another origin: refused.
        other = harness.free_port()
        run = self.run_to(p, "http://127.0.0.1:%d/v4/events/custom" % other)
        self.assertEqual(run["state"], "failed", run)
        self.assertIn("refused", run["attempts"][0].get("error", ""))


    def test_own_addresses_are_reached_with_outgoing_allow_private(self):
        # Listeners of their own on the same addresses: the ones above must
        # stay untouched whatever order the tests run in.
        fresh = [Listener(self.host.v4)]
        targets = [(self.host.v4, fresh[0])]
        if self.host.v6:
            fresh.append(Listener(self.host.v6))
            targets += [(self.host.v6, fresh[1]), ("::ffff:" + self.host.v4, fresh[0])]
        try:
            for address, listener in targets:
                before = listener.seen()[0]
                run = self.run_to(self.lax, url(address, listener.port))
                self.assertEqual(run["state"], "succeeded", "%s: %r" % (address, run))
                self.assertEqual(listener.seen()[0], before + 1, address)
                self.assertTrue(listener.seen()[1][-1].startswith(b"POST /hook "), address)
        finally:
            for li in fresh:
                li.stop()


if __name__ == "__main__":
    if not IP:
        skip("iproute2's ip is not installed (apt-get install iproute2)")
    if os.geteuid() != 0:
        skip("creating a network namespace and a veth pair needs root")
    # make check's timeout: stop the run as ^C would, and remove what we
    # made on the way out (atexit).
    def on_term(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    sweep_leftovers()
    harness.main()
