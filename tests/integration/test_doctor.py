#!/usr/bin/env python3
"""incomingctl doctor (issue 13 item 5) against a real Apache + mod_fcgid
deployment made by the harness: every check is ok on the healthy one, then
each is broken on purpose -- a configuration that does not load, a missing
data_dir, a file of another owner, a mode open to others, a runner that is
not executable or not ours, a store that fails verify (and is another
data_dir than the one /healthz answers from), an unreachable /healthz,
Apache without CGIPassAuth, a configuration without the snippet, without
mod_fcgid, a nearly full disk, a big runner.log, due runs with no runner and
no cron drain -- and the test checks that check's line, its fix, and the
exit status (1 on a fail, 0 when the worst is a warning).

Needs root (chown, mount) and Apache with mod_fcgid; skips otherwise."""

import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402
from sink import Sink  # noqa: E402

CHECKS = ["config", "data_dir", "owner", "modes", "runner", "store", "drain", "healthz",
          "authorization", "web_config", "web_modules", "disk", "runner_log"]


def doctor(conf, *args):
    """Runs incomingctl --conf CONF --json doctor ARGS as root; returns
    (exit status, {name: check}, the JSON document)."""
    r = harness.run([harness.INCOMINGCTL, "--conf", conf, "--json", "doctor"] + list(args),
                    timeout=120)
    doc = json.loads(r.stdout.decode("utf-8"))
    checks = {c["name"]: c for c in doc["checks"]}
    return r.returncode, checks, doc


class DoctorCase:
    server_procs = 2

    @classmethod
    def setUpClass(cls):
        if not harness.have_apache():
            raise unittest.SkipTest("needs root and Apache with mod_fcgid")
        cls.s = Server("apache", procs=cls.server_procs,
                       conf={"outgoing_allow_private": "yes"}).start()
        cls.web_conf = os.path.join(cls.s.tmp, "apache2.conf")
        cls.www = pwd.getpwnam(harness.APACHE_USER)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def conf_copy(self, name, **keys):
        """A copy of the server's incoming.conf with keys replaced."""
        with open(self.s.conf_path) as f:
            lines = [ln for ln in f.read().splitlines()
                     if ln.split("=")[0].strip() not in keys]
        lines += ["%s = %s" % kv for kv in keys.items()]
        path = os.path.join(self.s.tmp, name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def run_doctor(self, *args, conf=None, web_conf=True):
        argv = list(args)
        if web_conf:
            argv += ["--web-conf", self.web_conf]
        return doctor(conf or self.s.conf_path, *argv)

    def assertLine(self, checks, name, status, *words):
        self.assertIn(name, checks, checks.keys())
        c = checks[name]
        self.assertEqual(c["status"], status, c)
        text = c["message"] + " " + c.get("fix", "")
        for w in words:
            self.assertIn(w, text, c)
        if status != "ok":
            self.assertTrue(c.get("fix"), c)


class ApacheDoctor(DoctorCase, unittest.TestCase):

    def test_a_healthy_deployment_is_ok_on_every_line(self):
        rc, checks, doc = self.run_doctor()
        self.assertEqual(list(checks), CHECKS)
        for name, c in checks.items():
            if name == "disk":  # the machine's disk is not the test's to fill
                self.assertIn(c["status"], ("ok", "warn"), c)
            else:
                self.assertEqual(c["status"], "ok", c)
        self.assertEqual(rc, 0, doc)
        # The web server's user was found from its responders.
        self.assertIn("www-data", checks["owner"]["message"])
        self.assertIn("this configuration", checks["owner"]["message"])
        # The text form: one line a check, status first.
        r = harness.run([harness.INCOMINGCTL, "--conf", self.s.conf_path, "doctor", "--web-conf",
                         self.web_conf], timeout=120)
        lines = r.stdout.decode().splitlines()
        self.assertEqual([ln.split()[1] for ln in lines], CHECKS, lines)
        self.assertTrue(all(ln.split()[0] in ("ok", "warn", "fail") for ln in lines), lines)

    def test_config_that_does_not_load_fails_first(self):
        conf = self.conf_copy("bad.conf", runner_max="900")
        rc, checks, _ = self.run_doctor(conf=conf)
        self.assertEqual(rc, 1)
        self.assertEqual(list(checks), ["config"])
        self.assertLine(checks, "config", "fail", "bad.conf", "runner_max")

    def test_missing_data_dir(self):
        conf = self.conf_copy("nodir.conf", data_dir=os.path.join(self.s.tmp, "nowhere"))
        rc, checks, _ = self.run_doctor("--user", "www-data", "--no-http", conf=conf)
        self.assertEqual(rc, 1)
        self.assertLine(checks, "data_dir", "fail", "does not exist", "sudo -u www-data",
                        "init")

    def test_a_file_of_another_owner(self):
        path = os.path.join(self.s.data_dir, "counters.db")
        os.chown(path, 0, 0)
        try:
            rc, checks, _ = self.run_doctor()
        finally:
            os.chown(path, self.www.pw_uid, self.www.pw_gid)
        self.assertEqual(rc, 1)
        self.assertLine(checks, "owner", "fail", "counters.db", "chown -R www-data:")
        self.assertEqual(self.run_doctor()[0], 0)

    def test_a_mode_open_to_others(self):
        path = os.path.join(self.s.data_dir, "meta.db")
        os.chmod(path, 0o644)
        try:
            rc, checks, _ = self.run_doctor()
        finally:
            os.chmod(path, 0o600)
        self.assertEqual(rc, 1)
        self.assertLine(checks, "modes", "fail", "meta.db", "0644", "chmod -R go-rwx")

    def test_a_runner_the_web_user_cannot_execute(self):
        runner = os.path.join(self.s.tmp, "runner-noexec")
        shutil.copy2(harness.RUNNER, runner)
        os.chmod(runner, 0o644)
        conf = self.conf_copy("noexec.conf", runner_path=runner)
        rc, checks, _ = self.run_doctor("--user", "www-data", conf=conf)
        self.assertEqual(rc, 1)
        self.assertLine(checks, "runner", "fail", "cannot be executed by www-data", "chmod 755")

    def test_a_runner_that_is_not_ours(self):
        conf = self.conf_copy("other.conf", runner_path="/bin/true")
        rc, checks, _ = self.run_doctor("--user", "www-data", conf=conf)
        self.assertEqual(rc, 1)
        self.assertLine(checks, "runner", "fail", "does not report its version", "runner_path")

    def test_a_store_that_fails_verify_and_is_not_the_one_healthz_serves(self):
        copy = os.path.join(self.s.tmp, "copy")
        self.s.ctl("backup", copy, json_out=False)
        path = os.path.join(copy, "integrations.db")
        with open(path, "r+b") as f:
            f.write(b"\xa5" * os.path.getsize(path))
        conf = self.conf_copy("copy.conf", data_dir=copy)
        rc, checks, _ = self.run_doctor("--user", "www-data", conf=conf)
        self.assertEqual(rc, 1)
        self.assertLine(checks, "store", "fail", "integrations.db")
        self.assertLine(checks, "healthz", "fail", "another data_dir", "INCOMING_CONF=" + conf)

    def test_healthz_that_does_not_answer(self):
        conf = self.conf_copy("noanswer.conf",
                              public_base_url="http://127.0.0.1:%d" % harness.free_port())
        rc, checks, _ = self.run_doctor("--user", "www-data", conf=conf)
        self.assertEqual(rc, 1)
        self.assertLine(checks, "healthz", "fail", "no answer", "public_base_url")
        self.assertNotIn("authorization", checks)

    def test_a_configuration_without_the_snippet(self):
        with open(self.web_conf) as f:
            text = f.read()
        bare = os.path.join(self.s.tmp, "bare.conf")
        with open(bare, "w") as f:
            f.write(re.sub(r"(?m)^Include .*$", "", text))
        rc, checks, _ = doctor(self.s.conf_path, "--web-conf", bare)
        self.assertEqual(rc, 1)
        self.assertLine(checks, "web_config", "fail", "do not route to incoming.fcgi",
                        "a2enconf incoming")

    def test_a_configuration_without_mod_fcgid(self):
        with open(self.web_conf) as f:
            text = f.read()
        nofcgid = os.path.join(self.s.tmp, "nofcgid.conf")
        with open(nofcgid, "w") as f:
            f.write(re.sub(r"(?m)^(LoadModule fcgid_module|Fcgid).*$", "", text))
        rc, checks, _ = doctor(self.s.conf_path, "--web-conf", nofcgid)
        self.assertEqual(rc, 1)
        self.assertLine(checks, "web_config", "ok")
        self.assertLine(checks, "web_modules", "fail", "mod_fcgid", "a2enmod fcgid")

    def test_a_big_runner_log_is_a_warning(self):
        log = os.path.join(self.s.data_dir, "runner.log")
        with open(log, "ab") as f:
            f.truncate(200 * 1024 * 1024)  # sparse: no disk used
        os.chown(log, self.www.pw_uid, self.www.pw_gid)
        os.chmod(log, 0o600)
        try:
            rc, checks, _ = self.run_doctor()
        finally:
            with open(log, "r+b") as f:
                f.truncate(0)
        self.assertLine(checks, "runner_log", "warn", "200 MiB", "logrotate")
        worst = {c["status"] for c in checks.values()}
        self.assertNotIn("fail", worst, checks)
        self.assertEqual(rc, 0)

    def test_a_nearly_full_disk(self):
        small = os.path.join(self.s.tmp, "small")
        os.mkdir(small)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", small],
                          capture_output=True).returncode != 0:
            self.skipTest("cannot mount a tmpfs here")
        try:
            os.chown(small, self.www.pw_uid, self.www.pw_gid)
            data = os.path.join(small, "data")
            self.s.ctl("backup", data, json_out=False)
            conf = self.conf_copy("small.conf", data_dir=data)
            rc, checks, _ = self.run_doctor("--user", "www-data", "--no-http", conf=conf)
        finally:
            subprocess.run(["umount", "-l", small])
        self.assertEqual(rc, 1)
        self.assertLine(checks, "disk", "fail", "MiB free", "purge")


class ApacheWithoutCGIPassAuth(DoctorCase, unittest.TestCase):

    def test_authorization_hidden_by_apache(self):
        snippet = os.path.join(self.s.tmp, "apache2-incoming.conf")
        with open(snippet) as f:
            text = f.read()
        self.assertIn("CGIPassAuth On", text)
        with open(snippet, "w") as f:
            f.write(text.replace("CGIPassAuth On", ""))
        self.s.restart_server()
        rc, checks, _ = self.run_doctor()
        self.assertEqual(rc, 1)
        self.assertLine(checks, "healthz", "ok")
        self.assertLine(checks, "authorization", "fail", "did not reach the responder",
                        "CGIPassAuth On")


class ApacheStrandedRetries(DoctorCase, unittest.TestCase):

    def test_due_runs_with_no_runner_and_no_cron_drain(self):
        sink = Sink().start()
        try:
            sink.script("/down", [{"status": 503}])
            admin = self.s.ctl_json("admin-token", "create")["token"]
            r = self.s.admin_api(admin, "POST", "/integrations", {"name": "d", "auth": "none"})
            integ = r.json()
            self.s.admin_api(admin, "POST", "/integrations/%s/publish" % integ["id"])
            wf = {"name": "w", "nodes": [
                {"id": "trigger", "type": "business_event", "integrationId": integ["id"]},
                {"id": "send", "type": "outgoing_integration", "action": "a", "method": "POST",
                 "url": sink.url + "/down", "headers": {"Content-Type": "application/json"},
                 "body": "{}", "retry": {"maxAttempts": 8}},
                {"id": "end", "type": "end"}],
                "edges": [["trigger", "send"], ["send", "end"]]}
            r = self.s.admin_api(admin, "POST", "/workflows", wf)
            self.assertEqual(r.status, 201, r)
            self.s.admin_api(admin, "POST", "/workflows/%s/publish" % r.json()["id"])
            r = self.s.post_json("/incoming/" + integ["endpointId"], "{}")
            self.assertEqual(r.status, 202, r)
            deadline = time.time() + 20
            while time.time() < deadline and len(sink.received("/down")) == 0:
                time.sleep(0.1)
            self.assertGreater(len(sink.received("/down")), 0)
        finally:
            sink.stop()
        self.s.stop_server()  # nothing runs the retry now
        deadline = time.time() + 30
        checks = {}
        while time.time() < deadline:
            rc, checks, _ = self.run_doctor("--user", "www-data", "--no-http",
                                            "--stale-after", "0")
            if checks.get("drain", {}).get("status") == "fail":
                break
            time.sleep(0.5)
        self.assertEqual(rc, 1)
        self.assertLine(checks, "drain", "fail", "no cron job", "incomingctl --conf "
                        + self.s.conf_path + " drain")
        # With the default grace of two minutes the same runs are fine.
        rc, checks, _ = self.run_doctor("--user", "www-data", "--no-http")
        self.assertIn(checks["drain"]["status"], ("ok", "warn"), checks["drain"])


class LighttpdDoctor(unittest.TestCase):
    """lighttpd's configuration is read through `lighttpd -p`; a site
    directory through its .htaccess."""

    @classmethod
    def setUpClass(cls):
        if harness.LIGHTTPD is None:
            raise unittest.SkipTest("needs lighttpd")
        cls.s = Server("lighttpd").start()
        cls.web_conf = os.path.join(cls.s.tmp, "lighttpd.conf")

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def test_a_healthy_lighttpd_deployment(self):
        user = pwd.getpwuid(os.stat(self.s.data_dir).st_uid).pw_name
        rc, checks, doc = doctor(self.s.conf_path, "--user", user, "--web-conf", self.web_conf)
        for name in ("web_config", "web_modules", "healthz", "authorization", "owner", "store"):
            self.assertEqual(checks[name]["status"], "ok", checks[name])
        self.assertIn("mod_fastcgi", checks["web_modules"]["message"])
        self.assertEqual(rc, 0, doc)

    def test_a_lighttpd_configuration_without_the_snippet(self):
        with open(self.web_conf) as f:
            text = f.read()
        bare = os.path.join(self.s.tmp, "bare-lighttpd.conf")
        with open(bare, "w") as f:
            f.write(re.sub(r"(?m)^include .*$", "", text))
        rc, checks, _ = doctor(self.s.conf_path, "--no-http", "--web-conf", bare)
        self.assertEqual(rc, 1)
        self.assertEqual(checks["web_config"]["status"], "fail", checks["web_config"])
        self.assertIn("lighty-enable-mod", checks["web_config"]["fix"])

    def test_a_site_directory(self):
        site = os.path.join(self.s.tmp, "site")
        os.mkdir(site)
        shutil.copy2(harness.FCGI, site)
        with open(os.path.join(site, ".htaccess"), "w") as f:
            f.write("Options +ExecCGI\nAddHandler fcgid-script .fcgi\nCGIPassAuth On\n"
                    "RewriteEngine On\nRewriteRule ^(healthz)$ incoming.fcgi [L]\n")
        rc, checks, _ = doctor(self.s.conf_path, "--no-http", "--site", site)
        self.assertEqual(checks["web_config"]["status"], "ok", checks["web_config"])
        with open(os.path.join(site, ".htaccess"), "w") as f:
            f.write("Options +ExecCGI\nRewriteRule ^(healthz)$ incoming.fcgi [L]\n")
        rc, checks, _ = doctor(self.s.conf_path, "--no-http", "--site", site)
        self.assertEqual(checks["web_config"]["status"], "warn", checks["web_config"])
        self.assertIn("CGIPassAuth", checks["web_config"]["fix"])
        os.remove(os.path.join(site, ".htaccess"))
        rc, checks, _ = doctor(self.s.conf_path, "--no-http", "--site", site)
        self.assertEqual(checks["web_config"]["status"], "fail", checks["web_config"])
        self.assertEqual(rc, 1)


class DoctorHelp(unittest.TestCase):
    def test_help_names_doctor_and_metrics_token(self):
        r = harness.run([harness.INCOMINGCTL, "--help"])
        out = r.stdout.decode()
        self.assertIn("doctor [--user U]", out)
        self.assertIn("metrics-token create", out)


if __name__ == "__main__":
    harness.main()
