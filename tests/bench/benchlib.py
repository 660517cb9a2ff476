"""What the benchmarks under tests/bench/ share: building their C fixtures,
lighttpd serving one FastCGI program on a free loopback port, the C sink
(sink-responder.c) and its arrival log, wrk runs, and percentiles.

Process hygiene comes from tests/integration/harness.py (imported by the
caller first): this process is a child subreaper that reaps adopted
runners, and every server started here is stopped by stop()."""

import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


def build_c(name, libs, workdir, out=None):
    """Compiles tests/bench/NAME.c into workdir (as OUT, default NAME: the
    process name that CPU figures go by); returns the binary's path."""
    out = os.path.join(workdir, out or name)
    r = subprocess.run([os.environ.get("CC", "cc"), "-O2", "-o", out,
                        os.path.join(HERE, name + ".c")] + libs,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise SystemExit("bench: cannot build %s:\n%s" % (name, r.stdout.decode()))
    return out


def cpu_states():
    """Clock ticks of all CPUs by state, from /proc/stat's first line."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    v += [0] * (8 - len(v))
    return {"user": v[0] + v[1], "system": v[2] + v[5] + v[6], "idle": v[3], "iowait": v[4],
            "steal": v[7], "total": sum(v)}


def cpu_seconds_by_comm(comms):
    """{comm: utime + stime in seconds, summed over its live processes}
    for each process name in comms (a process that exits meanwhile takes
    its time with it)."""
    out = dict.fromkeys(comms, 0)
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                head, tail = f.read().rsplit(")", 1)
        except OSError:
            continue
        comm = head.split("(", 1)[1]
        if comm in out:
            fields = tail.split()
            out[comm] += int(fields[11]) + int(fields[12])
    hz = float(os.sysconf("SC_CLK_TCK"))
    return {k: v / hz for k, v in out.items()}


def busy_seconds(before, after):
    """CPU seconds spent on user and system work (all CPUs) between two
    cpu_states()."""
    hz = os.sysconf("SC_CLK_TCK")
    return sum(after[k] - before[k] for k in ("user", "system")) / float(hz)


def cpu_share(before, after):
    """{state: percent of all CPU time} between two cpu_states()."""
    total = max(after["total"] - before["total"], 1)
    return {k: 100.0 * (after[k] - before[k]) / total for k in after if k != "total"}


def pct(xs, q):
    """The q-th percentile (nearest rank) of xs, nan when empty."""
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = min(len(xs) - 1, max(0, int(round(q / 100.0 * len(xs) + 0.5)) - 1))
    return xs[k]


def wait_http(url, timeout=15):
    end = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.05)


class FcgiServer:
    """lighttpd on 127.0.0.1:<free port> serving every path with one
    FastCGI program (procs processes, env in their environment)."""

    def __init__(self, program, procs=2, env=None, name="fcgi"):
        self.tmp = tempfile.mkdtemp(prefix="incoming-bench-%s-" % name)
        self.port = harness.free_port()
        self.program = program
        self.procs = procs
        self.env = dict(env or {})
        self.proc = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        conf = os.path.join(self.tmp, "lighttpd.conf")
        envs = ", ".join('"%s" => "%s"' % kv for kv in self.env.items())
        with open(conf, "w") as f:
            f.write('server.modules = ("mod_fastcgi")\n')
            f.write('server.bind = "127.0.0.1"\nserver.port = %d\n' % self.port)
            f.write('server.document-root = "%s"\n' % self.tmp)
            f.write('server.errorlog = "%s"\n' % os.path.join(self.tmp, "error.log"))
            f.write('server.max-connections = 1024\nserver.max-keep-alive-requests = 100000\n')
            f.write('fastcgi.server = ("/" => ((\n  "bin-path" => "%s",\n' % self.program)
            f.write('  "socket" => "%s",\n' % os.path.join(self.tmp, "fcgi.sock"))
            f.write('  "max-procs" => %d,\n  "check-local" => "disable",\n' % self.procs)
            if envs:
                f.write('  "bin-environment" => (%s),\n' % envs)
            f.write(')))\n')
        self.proc = harness.spawn([harness.LIGHTTPD, "-D", "-f", conf], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        wait_http(self.url + "/")
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        harness.kill_all_of(self.tmp)
        shutil.rmtree(self.tmp, ignore_errors=True)


class CSink(FcgiServer):
    """The C sink under lighttpd: every request's arrival time and ids go to
    a log file (see sink-responder.c)."""

    def __init__(self, binary, procs=2):
        log = tempfile.mktemp(prefix="incoming-bench-sink-", suffix=".log")
        super().__init__(binary, procs=procs, env={"SINK_LOG": log}, name="sink")
        self.log = log

    def arrivals(self):
        """[(seconds since the epoch, event id, idempotency key)] so far."""
        out = []
        try:
            with open(self.log) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 3:
                        out.append((int(parts[0]) / 1e6, parts[1], parts[2]))
        except OSError:
            pass
        return out

    def reset(self):
        open(self.log, "w").close()

    def count(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().count(b"\n")
        except OSError:
            return 0

    def stop(self):
        super().stop()
        try:
            os.unlink(self.log)
        except OSError:
            pass


def wrk(url, conns, seconds, script=None, headers=(), threads=2, timeout=10):
    """Runs wrk; returns its stdout (text). script: a Lua file or None."""
    argv = [shutil.which("wrk") or "wrk", "-t%d" % min(conns, threads), "-c%d" % conns,
            "-d%ds" % seconds, "--timeout", "%ds" % timeout]
    for h in headers:
        argv += ["-H", h]
    if script:
        argv += ["-s", script]
    argv.append(url)
    r = harness.run(argv, timeout=seconds + 60)
    if r.returncode != 0:
        raise SystemExit("wrk failed: %s" % r.stderr.decode()[-2000:])
    return r.stdout.decode()


def wrk_rate(out):
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    return float("nan")
