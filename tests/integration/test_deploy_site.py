#!/usr/bin/env python3
"""A shared host without root (issue 13 item 3): Apache runs as an
unprivileged user (nobody) with AllowOverride All on a document root that
user owns; as that user, `incomingctl deploy-site DOCROOT/hooks --base-path
/hooks` puts incoming.fcgi and .htaccess there and incoming.conf and
data_dir in the user's home, and the seed's flow runs through it: an API
key, a JWT integration, a published workflow posting to a sink, an event
with a token from /auth/token, the sink gets the workflow's request. Once
with mod_fcgid loaded, once with only mod_cgi (prefork MPM) and once with
only mod_cgid (event MPM, what a2enmod cgi picks on Debian). The
server's configuration and every file outside the web directory, the
configuration and data_dir stay as they were; a data_dir inside the web
directory is refused before anything is written."""

import hashlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from sink import Sink  # noqa: E402

USER = "nobody"
MODS = harness.APACHE_MODULES


def can_run():
    if harness.APACHE2 is None or os.geteuid() != 0:
        return False
    try:
        pwd.getpwnam(USER)
    except KeyError:
        return False
    need = ("fcgid", "cgi", "cgid", "rewrite", "mime", "mpm_prefork", "mpm_event", "authz_core")
    return all(os.path.exists(os.path.join(MODS, "mod_%s.so" % m)) for m in need)


def snapshot(top, skip):
    """{path: (mode, size, sha256)} of everything under top except the
    paths in skip (and what they hold)."""
    out = {}
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in skip]
        for n in files + dirs:
            p = os.path.join(root, n)
            if p in skip:
                continue
            st = os.lstat(p)
            digest = None
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            out[p] = (st.st_mode, st.st_size if digest else 0, digest)
    return out


@unittest.skipUnless(can_run(), "apache2 with mod_fcgid, mod_cgi, mod_rewrite, as root, needed")
class DeploySiteTest(unittest.TestCase):

    def setUp(self):
        self.pw = pwd.getpwnam(USER)
        self.tmp = tempfile.mkdtemp(prefix="incoming-it-site-")
        os.chmod(self.tmp, 0o755)
        self.home = os.path.join(self.tmp, "home")
        self.docroot = os.path.join(self.home, "public_html")
        self.webdir = os.path.join(self.docroot, "hooks")
        self.server_dir = os.path.join(self.tmp, "server")
        bindir = os.path.join(self.home, "incoming", "bin")
        for d in (self.home, self.docroot, self.webdir, self.server_dir, bindir):
            os.makedirs(d, exist_ok=True)
        # What `make install --prefix=$HOME/incoming` would have put there.
        self.fcgi = shutil.copy2(harness.FCGI, bindir)
        self.runner = shutil.copy2(harness.RUNNER, bindir)
        self.ctl_bin = shutil.copy2(harness.INCOMINGCTL, bindir)
        for root, dirs, files in os.walk(self.tmp):
            for n in dirs + files:
                os.chown(os.path.join(root, n), self.pw.pw_uid, self.pw.pw_gid)
        os.chown(self.tmp, self.pw.pw_uid, self.pw.pw_gid)
        self.conf = os.path.join(self.home, "incoming", "etc", "incoming.conf")
        self.data_dir = os.path.join(self.home, "incoming", "data")
        self.proc = None
        self.sink = Sink().start()

    def tearDown(self):
        self.sink.stop()
        if getattr(self, "out", None):
            self.out.close()
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        harness.kill_all_of(self.tmp)
        reports = self.sanitizer_reports()
        if os.environ.get("INCOMING_TEST_KEEP") == "1":
            sys.stderr.write("kept %s\n" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.assertEqual(reports, [], "sanitizer reports")

    def sanitizer_reports(self):
        out = []
        for p in (os.path.join(self.server_dir, "error.log"),
                  os.path.join(self.data_dir, "runner.log")):
            if os.path.exists(p):
                with open(p, "rb") as f:
                    out += [line for line in f
                            if any(m in line for m in harness.Server.SANITIZER_MARKS)]
        return out

    def as_user(self, argv, check=True):
        env = {"PATH": "/usr/bin:/bin", "HOME": self.home, "LANG": "C.UTF-8"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        r = harness.run(argv, user=self.pw.pw_uid, group=self.pw.pw_gid, extra_groups=[],
                        env=env, cwd=self.home)
        if check and r.returncode != 0:
            raise AssertionError("%s exited %d: %s" % (argv, r.returncode,
                                                       r.stderr.decode("utf-8", "replace")))
        return r

    def ctl(self, *args):
        return self.as_user([self.ctl_bin, "--conf", self.conf] + list(args))

    def log(self):
        out = []
        for p in (os.path.join(self.server_dir, "error.log"),
                  os.path.join(self.data_dir, "runner.log")):
            if os.path.exists(p):
                with open(p, "rb") as f:
                    out.append("--- %s ---\n%s" % (p, f.read()[-3000:].decode("utf-8", "replace")))
        return "\n".join(out)

    # -- the web server, as the hosting provider set it up --

    def start_apache(self, fcgid, cgid=False):
        self.port = harness.free_port()
        mods = ["authz_core", "mime", "rewrite"]
        if fcgid:
            mods += ["mpm_event", "fcgid"]
        elif cgid:
            mods += ["mpm_event", "cgid"]
        else:
            mods += ["mpm_prefork", "cgi"]
        lines = ["LoadModule %s_module %s/mod_%s.so" % (m, MODS, m) for m in mods]
        d = self.server_dir
        lines += [
            'ServerRoot "%s"' % d,
            "ServerName 127.0.0.1",
            "Listen 127.0.0.1:%d" % self.port,
            'PidFile "%s/apache2.pid"' % d,
            'ErrorLog "%s/error.log"' % d,
            "LogLevel warn",
            'Mutex file:%s default' % d,
            'DocumentRoot "%s"' % self.docroot,
            "TypesConfig /etc/mime.types",
            "<Directory />\n    AllowOverride None\n    Require all denied\n</Directory>",
            '<Directory "%s">\n    AllowOverride All\n    Require all granted\n</Directory>'
            % self.docroot,
        ]
        if fcgid:
            lines += ['FcgidIPCDir "%s/fcgid"' % d, 'FcgidProcessTableFile "%s/fcgid/shm"' % d,
                      "StartServers 1", "ServerLimit 2", "ThreadsPerChild 10",
                      "MaxRequestWorkers 20"]
            os.makedirs(os.path.join(d, "fcgid"), exist_ok=True)
            os.chown(os.path.join(d, "fcgid"), self.pw.pw_uid, self.pw.pw_gid)
        elif cgid:
            lines += ['ScriptSock "%s/cgid.sock"' % d, "StartServers 1", "ServerLimit 2",
                      "ThreadsPerChild 10", "MaxRequestWorkers 20"]
        else:
            lines += ["StartServers 2", "MaxRequestWorkers 16"]
        self.apache_conf = os.path.join(d, "apache2.conf")
        with open(self.apache_conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        self.out = open(os.path.join(d, "server.out"), "wb")
        self.proc = harness.spawn([harness.APACHE2, "-d", d, "-f", self.apache_conf,
                                   "-DFOREGROUND"], stdin=subprocess.DEVNULL, stdout=self.out,
                                  stderr=subprocess.STDOUT, start_new_session=True,
                                  user=self.pw.pw_uid, group=self.pw.pw_gid, extra_groups=[],
                                  env=env)
        self.server = harness.Server("apache")  # only its HTTP client
        self.server.port = self.port
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.out.close()
                raise AssertionError("apache2 exited %s:\n%s" % (self.proc.returncode,
                                                                 self.log()))
            try:
                self.server.request("GET", "/", timeout=2)
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("apache2 not listening on %d" % self.port)

    # -- the flow --

    def deploy(self):
        """deploy-site as the user; returns its --json document."""
        args = ["--json", "deploy-site", self.webdir, "--base-path", "/hooks",
                "--data-dir", self.data_dir, "--responder", self.fcgi, "--runner", self.runner,
                "--public-url", "http://127.0.0.1:%d/hooks" % self.port]
        before = snapshot(self.tmp, {self.webdir, self.conf, os.path.dirname(self.conf),
                                     self.data_dir})
        with open(self.apache_conf, "rb") as f:
            server_conf = f.read()
        doc = json.loads(self.ctl(*args).stdout)
        after = snapshot(self.tmp, {self.webdir, self.conf, os.path.dirname(self.conf),
                                    self.data_dir})
        # Apache's files change by themselves (logs, pid, fcgid's
        # sockets): what deploy-site must not touch is the rest.
        changed = sorted(p for p in set(before) | set(after)
                         if before.get(p) != after.get(p) and not p.startswith(self.server_dir))
        self.assertEqual(changed, [], "deploy-site changed files outside its own")
        with open(self.apache_conf, "rb") as f:
            self.assertEqual(f.read(), server_conf)
        self.assertEqual(sorted(os.listdir(self.webdir)), [".htaccess", "incoming.fcgi"])
        self.assertEqual(doc["conf"], self.conf)
        self.assertEqual(doc["dataDir"], self.data_dir)
        self.assertIn("drain", doc["crontab"])
        self.assertTrue(doc["crontab"].startswith("* * * * * "), doc["crontab"])
        st = os.stat(self.data_dir)
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (self.pw.pw_uid, 0o700))
        self.assertEqual(os.stat(self.conf).st_uid, self.pw.pw_uid)
        with open(os.path.join(self.webdir, ".htaccess")) as f:
            ht = f.read()
        for needle in ("<IfModule mod_fcgid.c>", "AddHandler fcgid-script .fcgi",
                       "AddHandler cgi-script .fcgi", "CGIPassAuth On", "Options +ExecCGI",
                       "RewriteBase /hooks/"):
            self.assertIn(needle, ht)
        # The sink is on loopback: the site's owner allows it.
        with open(self.conf, "a") as f:
            f.write("outgoing_allow_private = yes\n")
        return doc

    def seed_flow(self):
        r = self.server.request("GET", "/hooks/healthz")
        self.assertEqual(r.status, 200, "%r\n%s" % (r, self.log()))
        self.assertEqual(r.json()["status"], "ok")
        # The wrapper is run, never shown.
        r = self.server.request("GET", "/hooks/incoming.fcgi")
        self.assertEqual(r.status, 404, r)
        self.assertNotIn(b"INCOMING_CONF", r.body)
        r = self.server.request("GET", "/hooks/.htaccess")
        self.assertNotIn(b"RewriteRule", r.body)

        admin = json.loads(self.ctl("--json", "admin-token", "create").stdout)["token"]
        auth = {"Authorization": "Bearer " + admin, "Content-Type": "application/json"}

        def api(method, path, body=None, expect=200):
            r = self.server.request(method, "/hooks/api/v1" + path, headers=auth,
                                    body=json.dumps(body) if body is not None else None)
            self.assertEqual(r.status, expect, "%s %s: %r\n%s" % (method, path, r, self.log()))
            return r.json()

        key = api("POST", "/apikeys", {"name": "shop", "permissions": ["incoming:execute"]}, 201)
        integ = api("POST", "/integrations", {"name": "Cart", "auth": "jwt",
                                              "apiKeyId": key["id"]}, 201)
        self.assertTrue(integ["endpointUrl"].startswith(
            "http://127.0.0.1:%d/hooks/incoming/" % self.port), integ)
        api("POST", "/integrations/%s/publish" % integ["id"])
        doc = {"name": "to sink", "nodes": [
            {"id": "trigger", "type": "business_event", "integrationId": integ["id"],
             "filter": {"all": [{"param": "body.type", "op": "eq", "value": "email"}]}},
            {"id": "send", "type": "outgoing_integration", "action": "goal.achieve",
             "method": "POST", "url": self.sink.url + "/profile",
             "headers": {"Content-Type": "application/json"},
             "body": '{"email": "{{ request.body.customer_email }}", '
                     '"request": "{{ request.headers["X-Request-ID"] }}"}'},
            {"id": "end", "type": "end"}],
            "edges": [["trigger", "send"], ["send", "end"]]}
        wf = api("POST", "/workflows", doc, 201)
        api("POST", "/workflows/%s/publish" % wf["id"])

        r = self.server.request("POST", "/hooks/auth/token",
                                body=json.dumps({"apiKey": key["secret"]}),
                                headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r)
        token = r.json()["token"]
        path = "/hooks/incoming/" + integ["endpointId"]
        body = json.dumps({"customer_email": "example@example.com", "type": "email"})
        r = self.server.request("POST", path, body=body,
                                headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 401, "without a token: %r" % r)
        r = self.server.request("POST", path, body=body, headers={
            "Content-Type": "application/json", "Authorization": "Bearer " + token,
            "X-Request-ID": "req-0001"})
        self.assertEqual(r.status, 202, "%r\n%s" % (r, self.log()))
        event_id = r.json()["eventId"]
        got = self.sink.wait_for(lambda s: s.delivered("/profile"), timeout=20,
                                 poll=lambda: self.server.request("GET", "/hooks/healthz"))
        self.assertTrue(got, "the sink got nothing\n%s" % self.log())
        req = [q for q in self.sink.received("/profile") if q.answered == 200][0]
        self.assertEqual(req.json(), {"email": "example@example.com", "request": "req-0001"})
        self.assertEqual(req.headers["X-Incoming-Event-Id"], event_id)
        ev = api("GET", "/events/%s" % event_id)
        self.assertEqual(ev["event"]["body"]["customer_email"], "example@example.com")

    def test_under_mod_fcgid(self):
        self.start_apache(fcgid=True)
        self.deploy()
        self.seed_flow()
        # FastCGI: the responder stays between requests, run through the
        # wrapper (exec keeps the process mod_fcgid started).
        self.assertTrue(harness.processes_of(self.fcgi), "no lingering FastCGI responder")

    def test_under_mod_cgi_only(self):
        self.start_apache(fcgid=False)
        self.deploy()
        self.seed_flow()
        # CGI: a process per request, gone once it answered.
        gone = self.sink.wait_for(lambda s: not harness.processes_of(self.fcgi), timeout=10)
        self.assertTrue(gone, "incoming.fcgi processes outlive their requests under mod_cgi")

    def test_under_mod_cgid_only(self):
        """Debian's Apache (event MPM): a2enmod cgi enables mod_cgid."""
        self.start_apache(fcgid=False, cgid=True)
        self.deploy()
        self.seed_flow()

    def test_a_data_dir_inside_the_web_directory_is_refused(self):
        self.port = 8080
        r = self.as_user([self.ctl_bin, "--conf", self.conf, "deploy-site", self.webdir,
                          "--base-path", "/hooks", "--data-dir",
                          os.path.join(self.webdir, "data"), "--responder", self.fcgi,
                          "--runner", self.runner], check=False)
        self.assertEqual(r.returncode, 1, r)
        err = r.stderr.decode()
        self.assertIn("inside the web directory", err)
        self.assertEqual(err.count("\n"), 1, err)
        self.assertEqual(os.listdir(self.webdir), [])
        self.assertFalse(os.path.exists(self.conf))
        # A configuration of its own whose data_dir is inside: refused too.
        os.makedirs(os.path.dirname(self.conf), exist_ok=True)
        with open(self.conf, "w") as f:
            f.write("data_dir = %s/x\nbase_path = /hooks\n" % self.docroot)
        r = self.as_user([self.ctl_bin, "--conf", self.conf, "deploy-site", self.docroot,
                          "--base-path", "/hooks", "--responder", self.fcgi], check=False)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("inside the web directory", r.stderr.decode())
        self.assertEqual(sorted(os.listdir(self.docroot)), ["hooks"])
        # And a configuration file inside the web directory.
        r = self.as_user([self.ctl_bin, "--conf", os.path.join(self.webdir, "incoming.conf"),
                          "deploy-site", self.webdir, "--responder", self.fcgi], check=False)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("inside the web directory", r.stderr.decode())


if __name__ == "__main__":
    harness.main()
