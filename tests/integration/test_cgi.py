#!/usr/bin/env python3
"""incoming.fcgi as a plain CGI program (issue 13 item 4), under lighttpd
mod_cgi, Apache mod_cgi (prefork MPM) and mod_cgid (event MPM), from the shipped
etc/*-incoming-cgi.conf: the health check, integrations made through the
admin API, events with auth none, JWT and HMAC, the events list, and a
workflow delivering to a sink. Each request is its own process, which
answers and exits without waiting for the runner it starts: while the
runner is held by the sink, the 202 has come back and no incoming.fcgi
process is left. A table of requests gets the same status and error code
as from the FastCGI responder under lighttpd."""

import hashlib
import hmac
import json
import os
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402
from sink import Sink  # noqa: E402

CONF = {"outgoing_allow_private": "yes", "log_level": "info"}


def have_apache_cgi(mods=("cgi", "mpm_prefork")):
    return (harness.APACHE2 is not None and os.geteuid() == 0
            and all(os.path.exists(os.path.join(harness.APACHE_MODULES, "mod_%s.so" % m))
                    for m in mods))


class CgiFlow:
    """The flow, run against cls.server (a CGI server)."""

    kind = None
    cgi = True

    @classmethod
    def setUpClass(cls):
        cls.sink = Sink().start()
        cls.server = Server(cls.kind, conf=CONF, cgi=cls.cgi).start()
        cls.admin = cls.server.ctl_json("admin-token", "create")["token"]

    @classmethod
    def tearDownClass(cls):
        cls.sink.stop()
        cls.server.stop()

    def api(self, method, path, body=None, expect=200):
        r = self.server.admin_api(self.admin, method, path, body)
        self.assertEqual(r.status, expect, "%s %s: %r\n%s" % (method, path, r,
                                                              self.server.server_log()))
        return r.json() if r.body else None

    def integration(self, body):
        doc = self.api("POST", "/integrations", body, 201)
        self.api("POST", "/integrations/%s/publish" % doc["id"])
        return doc

    def post(self, integ, body, headers=None):
        return self.server.post_json("/incoming/" + integ["endpointId"], body, headers=headers)

    def test_health_answers_from_a_cgi_process(self):
        r = self.server.get("/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "ok")
        self.assertEqual(r.headers["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(self.server.responder_pids(), [], "a CGI process outlived its request")

    def test_events_with_every_auth_and_the_events_list(self):
        plain = self.integration({"name": "plain", "auth": "none"})
        key = self.api("POST", "/apikeys", {"name": "k", "permissions": ["incoming:execute"]},
                       201)
        jwt_integ = self.integration({"name": "jwt", "auth": "jwt", "apiKeyId": key["id"]})
        secret = "gh-" + os.urandom(12).hex()
        gh = self.integration({"name": "gh", "auth": "hmac",
                               "hmac": {"scheme": "github", "secret": secret}})

        r = self.post(plain, '{"n": 1}')
        self.assertEqual(r.status, 202, r)
        plain_event = r.json()["eventId"]

        r = self.server.post_json("/auth/token", json.dumps({"apiKey": key["secret"]}))
        self.assertEqual(r.status, 200, r)
        token = r.json()["token"]
        self.assertEqual(self.post(jwt_integ, '{"n": 2}').status, 401)
        r = self.post(jwt_integ, '{"n": 2}', headers={"Authorization": "Bearer " + token})
        self.assertEqual(r.status, 202, "Authorization must reach a CGI program: %r" % r)

        body = b'{"n": 3}'
        sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        r = self.post(gh, body, headers={"X-Hub-Signature-256": sig,
                                         "X-GitHub-Delivery": os.urandom(8).hex()})
        self.assertEqual(r.status, 202, r)
        bad = self.post(gh, body + b" ", headers={"X-Hub-Signature-256": sig})
        self.assertEqual(bad.status, 401, bad)
        self.assertEqual(bad.json()["error"], "unauthorized")

        page = self.api("GET", "/integrations/%s/events" % plain["id"])
        self.assertEqual([e["eventId"] for e in page["items"]], [plain_event])
        self.assertEqual(page["items"][0]["raw"], {"n": 1})
        for integ, n in ((jwt_integ, 2), (gh, 3)):
            page = self.api("GET", "/integrations/%s/events" % integ["id"])
            self.assertEqual([e["raw"] for e in page["items"]], [{"n": n}])
        one = self.api("GET", "/events/%s" % plain_event)
        self.assertEqual(one["event"]["body"], {"n": 1})

    def test_workflow_delivers_and_the_runner_is_detached(self):
        integ = self.integration({"name": "wf", "auth": "none"})
        path = "/cgi-%s-%s" % (self.kind, self.cgi)
        # The first delivery is held open by the sink: the runner waits on
        # it, and the POST must have been answered all the same.
        self.sink.script(path, [{"hold": True}, {"status": 200}])
        node = {"id": "send", "type": "outgoing_integration", "action": "send",
                "method": "POST", "url": self.sink.url + path,
                "headers": {"Content-Type": "application/json"},
                "body": '{"got": {{ request.body.v|tojson }}}',
                "retry": {"maxAttempts": 5}, "timeoutMs": 60000}
        doc = {"name": "to sink", "nodes": [
            {"id": "trigger", "type": "business_event", "integrationId": integ["id"]},
            node, {"id": "end", "type": "end"}],
            "edges": [["trigger", "send"], ["send", "end"]]}
        wf = self.api("POST", "/workflows", doc, 201)
        self.api("POST", "/workflows/%s/publish" % wf["id"])

        r = self.post(integ, '{"v": "hello"}')
        self.assertEqual(r.status, 202, r)
        event_id = r.json()["eventId"]
        held = self.sink.wait_for(lambda s: s.received(path), timeout=20)
        self.assertTrue(held, "nothing reached the sink\n%s" % self.server.server_log())
        self.assertIsNone(held[0].answered)
        # The runner is alive, held by the sink; the CGI process that
        # started it answered and exited.
        self.assertTrue(self.server.runner_pids(), "no runner while the sink holds its request")
        gone = self.sink.wait_for(lambda s: not self.server.responder_pids(), timeout=10)
        self.assertTrue(gone, "a CGI process waits for its runner: %s"
                        % self.server.responder_pids())
        self.sink.release()
        # The held attempt fails and is retried; requests to the CGI
        # program (each looks for due retries) or the runner deliver it.
        ok = self.sink.wait_for(lambda s: s.delivered(path), timeout=30,
                                poll=lambda: self.server.get("/healthz"))
        self.assertTrue(ok, "not delivered\n%s" % self.server.server_log())
        got = [q for q in self.sink.received(path) if q.answered == 200]
        self.assertEqual(got[0].json(), {"got": "hello"})
        self.assertEqual(got[0].headers["X-Incoming-Event-Id"], event_id)


class LighttpdCgiTest(CgiFlow, unittest.TestCase):
    kind = "lighttpd"


@unittest.skipUnless(have_apache_cgi(), "apache2 with mod_cgi and prefork, as root, needed")
class ApacheCgiTest(CgiFlow, unittest.TestCase):
    kind = "apache"


@unittest.skipUnless(have_apache_cgi(("cgid", "mpm_event")),
                     "apache2 with mod_cgid and the event MPM, as root, needed")
class ApacheCgidTest(CgiFlow, unittest.TestCase):
    kind = "apache"
    cgi = "cgid"


class SameAnswersTest(unittest.TestCase):
    """The same requests to the FastCGI responder and to the CGI program
    get the same status and error code."""

    def test_a_table_of_requests_gets_the_same_answers(self):
        servers = [Server("lighttpd", conf=CONF).start()]
        try:
            servers.append(Server("lighttpd", conf=CONF, cgi=True).start())
            if have_apache_cgi():
                servers.append(Server("apache", conf=CONF, cgi=True).start())
            answers = [self.answers(s) for s in servers]
            for a in answers[1:]:
                self.assertEqual(a, answers[0])
        finally:
            for s in servers:
                s.stop()

    def answers(self, s):
        admin = s.ctl_json("admin-token", "create")["token"]
        auth = {"Authorization": "Bearer " + admin}
        integ = s.ctl_json("integration", "create", "--name", "t")
        s.ctl("integration", "publish", integ["id"])
        draft = s.ctl_json("integration", "create", "--name", "d")
        ep = "/incoming/" + integ["endpointId"]
        js = {"Content-Type": "application/json"}
        table = [
            ("GET", "/healthz", None, {}),
            ("HEAD", "/healthz", None, {}),
            ("GET", "/ui", None, {}),
            ("GET", "/ui/", None, {}),
            ("GET", "/ui/no-such-file.js", None, {}),
            ("POST", ep, b'{"a": 1}', js),
            ("POST", ep + "?x=1", b'{"a": 1}', js),
            ("GET", ep, None, {}),
            ("POST", ep, b'{"a": ', js),
            ("POST", ep, b'{"a": 1}', {"Content-Type": "text/plain"}),
            ("POST", ep, b"[" * 100 + b"]" * 100, js),
            ("POST", ep, b'{"a": "' + b"x" * (1 << 20) + b'"}', js),
            ("POST", "/incoming/" + draft["endpointId"], b"{}", js),
            ("POST", "/incoming/00000000-0000-4000-8000-000000000000", b"{}", js),
            ("POST", "/auth/token", b'{"apiKey": "nope"}', js),
            ("POST", "/auth/token", b"nope", js),
            ("POST", "/v4/events/custom", b"{}", js),
            ("GET", "/api/v1/integrations", None, {}),
            ("GET", "/api/v1/integrations", None, auth),
            ("GET", "/api/v1/integrations?limit=1", None, auth),
            ("GET", "/api/v1/integrations?limit=x", None, auth),
            ("GET", "/api/v1/no-such-thing", None, auth),
            ("POST", "/api/v1/integrations", b'{"name": ""}', dict(auth, **js)),
            ("GET", "/api/v1/integrations/%s" % integ["id"], None, auth),
        ]
        out = []
        for method, path, body, headers in table:
            r = s.request(method, path, body=body, headers=headers)
            err = None
            if r.body and r.headers.get("Content-Type", "").startswith("application/json"):
                doc = r.json()
                err = doc.get("error") if isinstance(doc, dict) else None
            out.append((method, path.replace(integ["endpointId"], "EP")
                        .replace(integ["id"], "ID").replace(draft["endpointId"], "DRAFT"),
                        r.status, err, r.headers.get("Location")))
        return out


if __name__ == "__main__":
    harness.main()
