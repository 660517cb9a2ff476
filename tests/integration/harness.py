"""Integration-test harness: real lighttpd / Apache 2.4 + mod_fcgid serving
incoming.fcgi on a free loopback port, with a throw-away data directory.

Standard library only. The web-server configurations are generated from the
shipped snippets (etc/lighttpd-incoming.conf, etc/apache2-incoming.conf), so
those are tested too.

Process hygiene: this process makes itself a child subreaper
(prctl(PR_SET_CHILD_SUBREAPER)), so double-forked runners are re-parented to
it instead of PID 1; a reaper thread collects them. On stop (and atexit) every
process that belongs to a server (its cmdline or environment names the
server's temp dir) is killed and reaped, then the temp dir is removed.

Environment: top_srcdir, top_builddir (set by `make check`), LIGHTTPD,
APACHE2 (paths; empty or unset means "find it or skip"), INCOMINGCTL
(overrides $top_builddir/src/incomingctl), INCOMING_TEST_KEEP=1 keeps temp
dirs for post-mortems.
"""

import atexit
import ctypes
import errno
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

SKIP = 77  # automake's "skipped" exit status

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRCDIR = os.path.abspath(os.environ.get("top_srcdir") or os.path.join(HERE, "..", ".."))
TOP_BUILDDIR = os.path.abspath(os.environ.get("top_builddir") or os.getcwd())
FCGI = os.path.join(TOP_BUILDDIR, "fcgi-bin", "incoming.fcgi")
RUNNER = os.path.join(TOP_BUILDDIR, "src", "incoming-runner")
INCOMINGCTL = os.environ.get("INCOMINGCTL") or os.path.join(TOP_BUILDDIR, "src", "incomingctl")
APACHE_MODULES = "/usr/lib/apache2/modules"
APACHE_USER = "www-data"


def _which(envname, name):
    v = os.environ.get(envname)
    if v:
        return v if os.access(v, os.X_OK) else None
    return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


LIGHTTPD = _which("LIGHTTPD", "lighttpd")
APACHE2 = _which("APACHE2", "apache2")


def have_apache():
    return (APACHE2 is not None and os.path.exists(os.path.join(APACHE_MODULES, "mod_fcgid.so"))
            and os.geteuid() == 0)


def require_binaries():
    """Exits with the automake skip status when the product is not built."""
    missing = [p for p in (FCGI, RUNNER, INCOMINGCTL) if not os.access(p, os.X_OK)]
    if missing:
        sys.stderr.write("SKIP: not built: %s\n" % ", ".join(missing))
        sys.exit(SKIP)


# --- child subreaper and reaping -------------------------------------------

PR_SET_CHILD_SUBREAPER = 36
_libc = ctypes.CDLL(None, use_errno=True)
if _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.stderr.write("warning: prctl(PR_SET_CHILD_SUBREAPER) failed: %s\n"
                     % os.strerror(ctypes.get_errno()))

# Processes we started ourselves with subprocess: their owners wait for them.
_own_pids = set()
_own_lock = threading.Lock()
# Names (comm, 15 chars) of processes that may be re-parented to us.
_ADOPTED = ("incoming-runne", "incoming-runner", "incoming.fcgi", "lighttpd", "apache2")


def _stat(pid):
    """(comm, state, ppid, pgid, sid) of pid, or None."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            s = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    lp, rp = s.index("("), s.rindex(")")
    rest = s[rp + 2:].split()
    return s[lp + 1:rp], rest[0], int(rest[1]), int(rest[2]), int(rest[3])


def pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def reap_adopted():
    """Reaps zombies re-parented to us (runners, orphaned responders).
    Never touches children that subprocess owns. Returns how many."""
    n = 0
    me = os.getpid()
    with _own_lock:
        for pid in pids():
            st = _stat(pid)
            if st is None or st[2] != me or st[1] != "Z" or pid in _own_pids:
                continue
            if st[0] not in _ADOPTED:
                continue
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    n += 1
            except ChildProcessError:
                pass
    return n


def _reaper_loop():
    while True:
        try:
            reap_adopted()
        except Exception:  # never let the reaper die
            pass
        time.sleep(0.05)


threading.Thread(target=_reaper_loop, name="reaper", daemon=True).start()


def spawn(argv, **kw):
    """subprocess.Popen, registered so the reaper leaves it alone."""
    with _own_lock:
        p = subprocess.Popen(argv, **kw)
        _own_pids.add(p.pid)
    return p


def run(argv, **kw):
    """subprocess.run, registered so the reaper leaves it alone."""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    timeout = kw.pop("timeout", 60)
    p = spawn(argv, **kw)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise
    finally:
        with _own_lock:
            _own_pids.discard(p.pid)
    return subprocess.CompletedProcess(argv, p.returncode, out, err)


class Watched:
    """What run_watched saw: returncode (None when killed), stdout, stderr
    (bytes), peak_kb (the highest VmHWM sampled every 20 ms: a lower bound
    of the program's peak RSS) and why it was killed (None when it ended by
    itself)."""

    def __init__(self):
        self.returncode = None
        self.stdout = b""
        self.stderr = b""
        self.peak_kb = 0
        self.why = None


def rss_kb(pid, field="VmRSS"):
    """A field of /proc/PID/status in kB (VmRSS, RssAnon, RssFile ...), 0
    when the process is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_watched(argv, timeout=30.0, max_rss_kb=None, **kw):
    """Runs argv with stdout and stderr captured, killing it when it runs
    longer than timeout or its RSS grows past max_rss_kb: a program that
    loops or leaks fails the test instead of taking the machine down. The
    child is reaped by pid, never by the harness's reaper."""
    w = Watched()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, **kw)
    out = {}
    readers = [threading.Thread(target=lambda n, f: out.__setitem__(n, f.read()), args=(n, f))
               for n, f in (("o", p.stdout), ("e", p.stderr))]
    for t in readers:
        t.start()
    deadline = time.time() + timeout
    while True:
        pid, status = os.waitpid(p.pid, os.WNOHANG)
        if pid == p.pid:
            break
        rss = rss_kb(p.pid)
        w.peak_kb = max(w.peak_kb, rss_kb(p.pid, "VmHWM"))
        if max_rss_kb is not None and rss > max_rss_kb:
            w.why = "grew past %d kB" % max_rss_kb
        elif time.time() > deadline:
            w.why = "ran longer than %.0f s" % timeout
        if w.why:
            p.kill()
            pid, status = os.waitpid(p.pid, 0)
            break
        time.sleep(0.02)
    p.returncode = os.waitstatus_to_exitcode(status)  # so that Popen never waits again
    for t in readers:
        t.join()
    p.stdout.close()
    p.stderr.close()
    w.returncode = None if w.why else p.returncode
    w.stdout, w.stderr = out.get("o", b""), out.get("e", b"")
    return w


def _mentions(pid, marker):
    m = marker.encode()
    for name in ("cmdline", "environ"):
        try:
            with open("/proc/%d/%s" % (pid, name), "rb") as f:
                if m in f.read():
                    return True
        except OSError:
            pass
    try:
        return os.readlink("/proc/%d/exe" % pid).startswith(marker)
    except OSError:
        return False


# Only these are ever swept: never a shell or an editor that happens to name
# the temp dir.
_SWEPT = ("incoming-runne", "incoming.fcgi", "incomingctl", "lighttpd", "apache2")


def processes_of(marker):
    """Pids of live (non-zombie) server, responder, runner and incomingctl
    processes whose cmdline, environment or executable names marker (a
    server's temp dir)."""
    out = []
    for pid in pids():
        if pid == os.getpid():
            continue
        st = _stat(pid)
        if st is None or st[1] == "Z" or not st[0].startswith(_SWEPT):
            continue
        if _mentions(pid, marker):
            out.append(pid)
    return out


def wait_gone(pid_list, timeout=10.0):
    """Waits until each pid has exited (a zombie, or no longer in /proc),
    so that its descriptors, and the flocks held through them, are
    released. A killed process stops naming its temp dir earlier: its
    cmdline, environment and executable go with its memory, before its
    descriptors are closed, so processes_of() no longer lists it while its
    locks are still held. Returns the pids still exiting at the deadline."""
    deadline = time.time() + timeout
    left = list(pid_list)
    while True:
        left = [p for p in left if (_stat(p) or ("", "Z"))[1] != "Z"]
        if not left or time.time() > deadline:
            return left
        time.sleep(0.005)


def kill_all_of(marker, timeout=10.0):
    """SIGKILLs every process of marker until none is left (each one exited,
    its locks released), reaping ours."""
    deadline = time.time() + timeout
    killed = set()
    while True:
        left = processes_of(marker)
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except ProcessLookupError:
                pass
        reap_adopted()
        if time.time() > deadline:
            raise RuntimeError("processes survive SIGKILL: %s" % left)
        time.sleep(0.05)
    left = wait_gone(killed, max(0.0, deadline - time.time()))
    if left:
        raise RuntimeError("processes still exiting after SIGKILL: %s" % left)
    reap_adopted()


# --- helpers ------------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # http.client.HTTPMessage (case-insensitive)
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:300])


class RawNumber(str):
    """A JSON number kept as its exact text."""


def loads_exact(text):
    """json.loads keeping every number's text (RawNumber)."""
    return json.loads(text, parse_int=RawNumber, parse_float=RawNumber,
                      parse_constant=RawNumber)


_live = []


@atexit.register
def _stop_all():
    for s in list(_live):
        try:
            s.stop()
        except Exception as e:  # keep going: every server must go
            sys.stderr.write("harness: stopping %s: %s\n" % (s.kind, e))


class Server:
    """One web server serving incoming.fcgi.

    kind: "lighttpd" or "apache". conf: extra incoming.conf keys. procs:
    responders (max-procs / FcgidMaxProcessesPerClass). base: URL prefix
    (lighttpd only). env: extra environment for responders (and so for their
    runners). init: run `incomingctl init` (False leaves data_dir unusable).
    cgi: run incoming.fcgi as a plain CGI program (lighttpd mod_cgi, Apache
    mod_cgi under the prefork MPM; "cgid": Apache mod_cgid under the event
    MPM, Debian's choice) from etc/*-incoming-cgi.conf.
    """

    def __init__(self, kind, conf=None, procs=2, base="", env=None, init=True, cgi=False):
        self.kind = kind
        self.cgi = cgi
        self.conf = dict(conf or {})
        self.procs = procs
        self.base = base
        self.env = dict(env or {})
        self.init = init
        self.proc = None
        self.tmp = None
        self.port = None
        self.user = APACHE_USER if kind == "apache" else None

    # -- lifecycle --

    def start(self, wait_status=(200,)):
        _live.append(self)
        try:
            self._start(wait_status)
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, wait_status):
        self.tmp = tempfile.mkdtemp(prefix="incoming-it-%s-" % self.kind)
        os.chmod(self.tmp, 0o755)
        self.port = free_port()
        self.data_dir = self.conf.pop("data_dir", os.path.join(self.tmp, "data"))
        fcgi, runner = FCGI, RUNNER
        if self.kind == "apache":
            # www-data must be able to exec them wherever the build dir is.
            bindir = os.path.join(self.tmp, "bin")
            os.mkdir(bindir)
            fcgi = shutil.copy2(FCGI, bindir)
            runner = shutil.copy2(RUNNER, bindir)
        self.fcgi_path = fcgi
        keys = {
            "data_dir": self.data_dir,
            "runner_path": runner,
            "public_base_url": "http://127.0.0.1:%d%s" % (self.port, self.base),
            "base_path": self.base,
            "durability": "sync",
            "log_level": "info",
        }
        keys.update(self.conf)
        self.conf_path = os.path.join(self.tmp, "incoming.conf")
        with open(self.conf_path, "w") as f:
            f.write("# generated by tests/integration/harness.py\n")
            for k, v in keys.items():
                f.write("%s = %s\n" % (k, v))
        if self.user:
            uid = pwd.getpwnam(self.user).pw_uid
            gid = pwd.getpwnam(self.user).pw_gid
            for root, dirs, files in os.walk(self.tmp):
                for n in dirs + files:
                    os.chown(os.path.join(root, n), uid, gid)
            os.chown(self.tmp, uid, gid)
        if self.init:
            self.ctl("init", json_out=False)
        if self.kind == "lighttpd":
            argv = self._lighttpd_conf()
        else:
            argv = self._apache_conf()
        self.argv = argv
        self.log = open(os.path.join(self.tmp, "server.out"), "wb")
        self.proc = spawn(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                          stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready(wait_status)

    def restart_server(self, wait_status=(200,)):
        """Stops the web server (and every process of it) and starts it
        again with the same configuration and data."""
        self.stop_server()
        self.proc = spawn(self.argv, stdin=subprocess.DEVNULL, stdout=self.log,
                          stderr=subprocess.STDOUT, start_new_session=True)
        return self.wait_ready(wait_status)

    def wait_ready(self, wait_status=(200,), timeout=15.0):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %s:\n%s" % (self.kind, self.proc.returncode,
                                                               self.server_log()))
            try:
                r = self.get("/healthz", timeout=2)
                last = r
                if r.status in wait_status:
                    return r
            except OSError as e:
                last = e
            time.sleep(0.1)
        raise RuntimeError("%s not ready on port %d: %r\n%s" % (self.kind, self.port, last,
                                                                self.server_log()))

    def server_log(self):
        out = []
        for n in ("server.out", "error.log", "data/runner.log"):
            p = os.path.join(self.tmp or "/nonexistent", n)
            if os.path.exists(p):
                with open(p, "rb") as f:
                    out.append("--- %s ---\n%s" % (n, f.read()[-4000:].decode("utf-8", "replace")))
        return "\n".join(out)

    def stop_server(self):
        """Stops the web server (SIGTERM, then SIGKILL) but keeps the data."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=8)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with _own_lock:
            _own_pids.discard(self.proc.pid)
        self.proc = None
        if self.tmp:
            # Runners finish what they do (a run, the checkpoint on their
            # way out) and exit within a few seconds. One killed inside the
            # store makes the next process recover, which a clean restart
            # must not need; so they get 5 s before the sweep. A runner
            # just started is still named incoming.fcgi until its exec, so
            # responders' processes are waited for too (the web server has
            # told its own responders to stop).
            deadline = time.time() + 5
            while self._pids_named(("incoming-runne", "incoming.fcgi")) and \
                    time.time() < deadline:
                time.sleep(0.05)
            kill_all_of(self.tmp)

    SANITIZER_MARKS = (b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer", b"runtime error: ")
    def sanitizer_reports(self):
        """Lines of ASan/UBSan reports in the server's and runners' logs."""
        out = []
        for n in ("server.out", "error.log", os.path.join("data", "runner.log")):
            p = os.path.join(self.tmp or "/nonexistent", n)
            if not os.path.exists(p):
                continue
            with open(p, "rb") as f:
                lines = f.readlines()
            for i, line in enumerate(lines):
                if not any(m in line for m in self.SANITIZER_MARKS):
                    continue
                out.append("%s: %s" % (n, line.decode("utf-8", "replace").rstrip()))
                # The stack of the report, so that a CI log says where.
                for frame in lines[i + 1:i + 40]:
                    text = frame.decode("utf-8", "replace").rstrip()
                    if text.lstrip().startswith("#") or text.startswith("SUMMARY"):
                        out.append("%s:     %s" % (n, text.strip()))
        return out

    def stop(self):
        """Stops everything and removes the temp dir. Raises AssertionError
        afterwards when a sanitizer reported something."""
        reports = []
        try:
            self.stop_server()
        finally:
            if self.tmp:
                kill_all_of(self.tmp)
                reports = self.sanitizer_reports()
            if getattr(self, "log", None):
                self.log.close()
            if self.tmp and os.environ.get("INCOMING_TEST_KEEP") != "1":
                shutil.rmtree(self.tmp, ignore_errors=True)
            elif self.tmp:
                sys.stderr.write("harness: kept %s\n" % self.tmp)
            self.tmp = None
            if self in _live:
                _live.remove(self)
        if reports:
            raise AssertionError("sanitizer reports:\n" + "\n".join(reports[:80]))

    # -- web-server configurations --

    def _lighttpd_cgi_snippet(self):
        with open(os.path.join(TOP_SRCDIR, "etc", "lighttpd-incoming-cgi.conf")) as f:
            snippet = f.read()
        subst = {
            "incoming_fcgi": '"%s"' % self.fcgi_path,
            "incoming_conf": '"%s"' % self.conf_path,
            "incoming_base": '"%s"' % self.base,
        }
        for k, v in subst.items():
            snippet, n = re.subn(r'(?m)^var\.%s = .*$' % k, lambda m: "var.%s = %s" % (k, v),
                                 snippet)
            assert n == 1, "etc/lighttpd-incoming-cgi.conf lost var.%s" % k
        if self.env:
            extra = "".join(', "%s" => "%s"' % kv for kv in self.env.items())
            snippet, n = re.subn(r'("INCOMING_CONF" => var\.incoming_conf)',
                                 lambda m: m.group(1) + extra, snippet)
            assert n == 1
        return snippet

    def _lighttpd_conf(self):
        with open(os.path.join(TOP_SRCDIR, "etc", "lighttpd-incoming.conf")) as f:
            snippet = f.read()
        subst = {
            "incoming_fcgi": '"%s"' % self.fcgi_path,
            "incoming_conf": '"%s"' % self.conf_path,
            "incoming_socket": '"%s"' % os.path.join(self.tmp, "fcgi.sock"),
            "incoming_base": '"%s"' % self.base,
            "incoming_procs": str(self.procs),
        }
        for k, v in subst.items():
            snippet, n = re.subn(r'(?m)^var\.%s = .*$' % k, lambda m: "var.%s = %s" % (k, v),
                                 snippet)
            assert n == 1, "etc/lighttpd-incoming.conf lost var.%s" % k
        if self.env:
            extra = "".join(', "%s" => "%s"' % kv for kv in self.env.items())
            snippet, n = re.subn(r'("INCOMING_CONF" => var\.incoming_conf)',
                                 lambda m: m.group(1) + extra, snippet)
            assert n == 1
        if self.cgi:
            snippet = self._lighttpd_cgi_snippet()
        with open(os.path.join(self.tmp, "lighttpd-incoming.conf"), "w") as f:
            f.write(snippet)
        conf = os.path.join(self.tmp, "lighttpd.conf")
        htdocs = os.path.join(self.tmp, "htdocs")
        os.mkdir(htdocs)
        with open(conf, "w") as f:
            f.write('server.document-root = "%s"\n' % htdocs)
            f.write('server.bind = "127.0.0.1"\nserver.port = %d\n' % self.port)
            f.write('server.errorlog = "%s"\n' % os.path.join(self.tmp, "error.log"))
            f.write('server.max-request-size = 65536\n')
            f.write('include "%s"\n' % os.path.join(self.tmp, "lighttpd-incoming.conf"))
        return [LIGHTTPD, "-D", "-f", conf]

    def _apache_conf(self):
        with open(os.path.join(TOP_SRCDIR, "etc", "apache2-incoming.conf")) as f:
            snippet = f.read()
        snippet = re.sub(r"(?m)^(\s*FcgidMaxProcessesPerClass) \d+",
                         lambda m: "%s %d" % (m.group(1), self.procs), snippet)
        for k, v in self.env.items():
            snippet += "FcgidInitialEnv %s %s\n" % (k, v)
        if self.cgi:
            with open(os.path.join(TOP_SRCDIR, "etc", "apache2-incoming-cgi.conf")) as f:
                snippet = f.read()
            for k, v in self.env.items():
                snippet = snippet.replace("    SetEnv INCOMING_CONF",
                                          "    SetEnv %s %s\n    SetEnv INCOMING_CONF" % (k, v))
        with open(os.path.join(self.tmp, "apache2-incoming.conf"), "w") as f:
            f.write(snippet)
        ipc = os.path.join(self.tmp, "fcgid")
        os.mkdir(ipc)
        uid = pwd.getpwnam(APACHE_USER).pw_uid
        os.chown(ipc, uid, pwd.getpwnam(APACHE_USER).pw_gid)
        htdocs = os.path.join(self.tmp, "htdocs")
        os.mkdir(htdocs)
        mods = ["mpm_event", "authz_core", "alias", "fcgid"]
        if self.cgi == "cgid":
            mods = ["mpm_event", "authz_core", "alias", "env", "cgid"]
        elif self.cgi:
            mods = ["mpm_prefork", "authz_core", "alias", "env", "cgi"]
        lines = ["LoadModule %s_module %s/mod_%s.so" % (m, APACHE_MODULES, m) for m in mods]
        lines += [
            'ServerRoot "%s"' % self.tmp,
            "ServerName 127.0.0.1",
            "Listen 127.0.0.1:%d" % self.port,
            'PidFile "%s/apache2.pid"' % self.tmp,
            'ErrorLog "%s/error.log"' % self.tmp,
            "LogLevel warn",
            'Mutex file:%s default' % self.tmp,
            "User %s" % APACHE_USER,
            "Group %s" % APACHE_USER,
            'DocumentRoot "%s"' % htdocs,
        ]
        if self.cgi == "cgid":
            lines += ["StartServers 1", "ServerLimit 2", "ThreadsPerChild 16",
                      "MaxRequestWorkers 32", 'ScriptSock "%s/cgid.sock"' % self.tmp]
        elif self.cgi:
            lines += ["StartServers 2", "MaxRequestWorkers 32"]
        else:
            lines += ["StartServers 1", "ServerLimit 2", "ThreadsPerChild 25",
                      "MaxRequestWorkers 50"]
        if not self.cgi:
            lines += ['FcgidIPCDir "%s"' % ipc, 'FcgidProcessTableFile "%s/shm"' % ipc]
        lines += [
            "<Directory />\n    Require all denied\n</Directory>",
            '<Directory "%s">\n    Require all granted\n</Directory>' % htdocs,
            "Define INCOMING_FCGI_DIR %s" % os.path.dirname(self.fcgi_path),
            "Define INCOMING_CONF %s" % self.conf_path,
            'Include "%s/apache2-incoming.conf"' % self.tmp,
        ]
        conf = os.path.join(self.tmp, "apache2.conf")
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        return [APACHE2, "-d", self.tmp, "-f", conf, "-DFOREGROUND"]

    # -- clients --

    def request(self, method, path, body=None, headers=None, timeout=10):
        """One HTTP request on a fresh connection. body may be bytes, str or
        an iterable of bytes (sent chunked)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode("utf-8")
            hdrs = dict(headers or {})
            if body is not None and not isinstance(body, (bytes, bytearray)):
                conn.request(method, path, body=body, headers=hdrs, encode_chunked=True)
            else:
                conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            return Response(r.status, r.headers, r.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", self.base + path, **kw)

    def post_json(self, path, body, headers=None, content_type="application/json", **kw):
        h = {"Content-Type": content_type} if content_type else {}
        h.update(headers or {})
        return self.request("POST", self.base + path, body=body, headers=h, **kw)

    def admin_api(self, token, method, path, body=None):
        """A request to /api/v1 + path with an admin token; body is any
        JSON-able value, sent as JSON."""
        headers = {"Authorization": "Bearer " + token}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        return self.request(method, "/api/v1" + path, body=body, headers=headers)

    def create_apikey(self, token, name, permissions):
        """Creates an API key through the admin API; returns its document
        (with the secret, shown this once)."""
        r = self.admin_api(token, "POST", "/apikeys", {"name": name, "permissions": permissions})
        assert r.status == 201, r
        return r.json()

    def ctl(self, *args, json_out=True, check=True, timeout=60):
        """Runs incomingctl --conf ... [--json] args as the server's user."""
        argv = [INCOMINGCTL, "--conf", self.conf_path]
        if json_out:
            argv.append("--json")
        argv += list(args)
        kw = {}
        if self.user:
            kw["user"] = self.user
            kw["group"] = self.user
            kw["extra_groups"] = []
        r = run(argv, timeout=timeout, **kw)
        if check and r.returncode != 0:
            raise AssertionError("%s exited %d: %s" % (" ".join(argv[3:]), r.returncode,
                                                       r.stderr.decode("utf-8", "replace")))
        return r

    def ctl_json(self, *args):
        return json.loads(self.ctl(*args).stdout.decode("utf-8"))

    def create_integration(self, name, publish=True):
        """Returns the created integration (dict with id, endpointId)."""
        doc = self.ctl_json("integration", "create", "--name", name)
        if publish:
            self.ctl("integration", "publish", doc["id"])
        return doc

    def show_event(self, event_id):
        """(raw stdout text, parsed with exact numbers) of events show."""
        r = self.ctl("events", "show", event_id)
        text = r.stdout.decode("utf-8")
        return text, loads_exact(text)

    def data_files_contain(self, needle):
        """True when needle (bytes) occurs in some file of data_dir: the
        records and the transaction log keep what was stored byte for byte,
        while incomingctl shows events re-printed."""
        for root, _, files in os.walk(self.data_dir):
            for n in files:
                path = os.path.join(root, n)
                if not os.path.isfile(path):  # runners/wake is a FIFO
                    continue
                try:
                    with open(path, "rb") as f:
                        if needle in f.read():
                            return True
                except OSError:
                    pass
        return False

    def _pids_named(self, comm):
        """Live processes of this server whose comm starts with comm (cheap:
        /proc/PID/stat first, cmdline/environ only for those)."""
        out = []
        for pid in pids():
            st = _stat(pid)
            if st and st[1] != "Z" and st[0].startswith(comm) and _mentions(pid, self.tmp):
                out.append(pid)
        return out

    def runner_pids(self):
        """Live incoming-runner processes of this server."""
        return self._pids_named("incoming-runne")

    def responder_pids(self):
        """Live incoming.fcgi processes of this server."""
        return self._pids_named("incoming.fcgi")


class TracedServer(Server):
    """A lighttpd Server whose responder runs under strace (-f -y -tt: every
    process, each descriptor's path, times), tracing the system calls
    `calls` (comma-separated) into self.trace, strings cut at `strsize`.
    Stop it with stop_server() before reading the trace."""

    def __init__(self, *args, calls, strsize=8192, **kw):
        super().__init__(*args, **kw)
        self.trace_calls, self.trace_strsize = calls, strsize

    def _lighttpd_conf(self):
        self.trace = os.path.join(self.tmp, "strace.log")
        wrapper = os.path.join(self.tmp, "traced.fcgi")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nexec %s -f -y -tt -s %d -e trace=%s -o %s %s\n" % (
                shutil.which("strace"), self.trace_strsize, self.trace_calls, self.trace,
                FCGI))
        os.chmod(wrapper, 0o755)
        self.fcgi_path = wrapper
        return super()._lighttpd_conf()


def main():
    """unittest.main with automake exit statuses (0 pass, 1 fail)."""
    require_binaries()
    unittest.main(verbosity=2)
