#!/usr/bin/env python3
"""The workflow editor's "Test with the sample" (issue 12, Readability and
flow): POST /api/v1/workflows/test-node renders one Outgoing Integration
node against its integration's sample and really sends it, under a real
lighttpd, to a real sink (tests/integration/sink.py):

- the sink gets the rendered request (method, URL, headers, body with the
  sample's exact numbers), the answer shows it with credentials redacted
  and the sink's answer (status, headers, body);
- a credential left masked takes the stored value of the workflow named by
  workflowId, and is refused without one;
- a private address is refused (a failed attempt, nothing sent) unless
  outgoing_allow_private allows it;
- bad input gets a 4xx JSON error in SPEC section 4's shape; a session
  needs its CSRF token;
- nothing is stored: no run, no event, no counter moves."""

import json
import os
import sys
import unittest
import urllib.parse
import uuid

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from sink import Sink  # noqa: E402
from test_workflows import Product  # noqa: E402

REDACTED = "[redacted]"
COUNTERS = ("incoming_events_", "incoming_runs_created_total", "incoming_runs_finished_total",
            "incoming_attempts_total", "incoming_runs{")


class TestNode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        harness.require_binaries()
        cls.sink = Sink().start()
        cls.p = Product()
        cls.integ = cls.p.api_json("POST", "/integrations", {"name": "sampled", "auth": "none"},
                                   201)
        cls.capture(cls.integ, {"customer_email": "a@example.com", "n": 9007199254740993,
                                "name": "Zoë \"Z\""})

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()
        cls.sink.stop()

    @classmethod
    def capture(cls, integ, body):
        """Makes body the integration's Retrieve data sample."""
        cls.p.api_json("POST", "/integrations/%s/capture" % integ["id"], expect=202)
        cls.p.post_event(integ, body, headers={"X-Request-Id": "req-1"})
        st = cls.p.api_json("GET", "/integrations/%s/capture" % integ["id"])
        assert st["status"] == "received", st

    def setUp(self):
        self.sink.reset()

    # -- helpers --

    def node(self, url, **kw):
        return Product.outgoing("send", url, **kw)

    def try_node(self, node, integration_id=None, expect=200, **extra):
        body = {"node": node, "integrationId": integration_id or self.integ["id"]}
        body.update(extra)
        r = self.p.api("POST", "/workflows/test-node", body)
        self.assertEqual(r.status, expect, r)
        return r

    def counters(self):
        r = self.p.server.request("GET", "/metrics",
                                  headers={"Authorization": "Bearer " + self.p.admin})
        self.assertEqual(r.status, 200, r)
        return sorted(line for line in r.body.decode().splitlines()
                      if line.startswith(COUNTERS))

    def stored(self):
        """Runs, events and counters: what a test must leave as it was."""
        runs = self.p.api_json("GET", "/runs?limit=500")["items"]
        events = self.p.api_json("GET", "/integrations/%s/events?limit=500"
                                 % self.integ["id"])["items"]
        return len(runs), [e["eventId"] for e in events], self.counters()

    def assertJsonError(self, r, status, code, words=""):
        self.assertEqual(r.status, status, r)
        doc = r.json()
        self.assertEqual(sorted(doc), ["error", "message", "status"], doc)
        self.assertEqual((doc["status"], doc["error"]), (status, code), doc)
        self.assertIn(words, doc["message"])

    # -- the request and its answer --

    def test_sends_the_rendered_request_and_shows_it_redacted_with_the_answer(self):
        self.sink.script("/hook", [{"status": 201, "body": '{"received": true, "id": 7}',
                                    "headers": {"X-Sink": "yes"}}])
        node = self.node(self.sink.url + "/hook?e={{ request.body.customer_email }}",
                         body='{"email": "{{ request.body.customer_email }}", '
                              '"n": {{ request.body.n }}, "name": "{{ request.body.name }}"}',
                         headers={"Content-Type": "application/json",
                                  "X-Request": "{{ request.headers[\"X-Request-ID\"] }}",
                                  "Cookie": "sid=cookie-secret"},
                         auth={"type": "bearer", "token": "token-secret"})
        before = self.stored()
        r = self.try_node(node)
        self.assertEqual(self.stored(), before, "a test stored something")

        got = self.sink.received("/hook")
        self.assertEqual(len(got), 1, got)
        req = got[0]
        self.assertEqual(req.method, "POST")
        self.assertEqual(urllib.parse.parse_qs(urllib.parse.urlsplit(req.target).query),
                         {"e": ["a@example.com"]})
        self.assertEqual(req.headers["Authorization"], "Bearer token-secret")
        self.assertEqual(req.headers["Cookie"], "sid=cookie-secret")
        self.assertEqual(req.headers["X-Request"], "req-1")
        self.assertEqual(req.headers["X-Incoming-Event-Id"], r.json()["sample"]["eventId"])
        self.assertIn(b'"n": 9007199254740993', req.body)
        self.assertEqual(req.json()["name"], "Zoë \"Z\"")

        doc = r.json()
        self.assertNotIn("token-secret", r.body.decode())
        self.assertNotIn("cookie-secret", r.body.decode())
        self.assertEqual(doc["sample"]["source"], "capture")
        a = doc["attempt"]
        self.assertEqual(a["node"], "send")
        self.assertNotIn("error", a)
        rq = a["request"]
        self.assertEqual(rq["method"], "POST")
        self.assertEqual(rq["url"], self.sink.url + "/hook?e=a%40example.com")
        self.assertEqual(rq["headers"]["Authorization"], REDACTED)
        self.assertEqual(rq["headers"]["Cookie"], REDACTED)
        self.assertEqual(rq["headers"]["X-Request"], "req-1")
        self.assertEqual(rq["headers"]["Idempotency-Key"], req.headers["Idempotency-Key"])
        self.assertTrue(rq["headers"]["Idempotency-Key"].endswith(".send"))
        self.assertIn("9007199254740993", rq["bodyExcerpt"])
        self.assertEqual(a["response"]["status"], 201)
        self.assertEqual(a["response"]["headers"]["X-Sink"], "yes")
        self.assertEqual(json.loads(a["response"]["bodyExcerpt"]), {"received": True, "id": 7})
        self.assertIsInstance(a["durationMs"], int)

    def test_each_test_is_a_new_idempotency_key(self):
        node = self.node(self.sink.url + "/again")
        k1 = self.try_node(node).json()["attempt"]["request"]["headers"]["Idempotency-Key"]
        k2 = self.try_node(node).json()["attempt"]["request"]["headers"]["Idempotency-Key"]
        self.assertNotEqual(k1, k2)
        self.assertEqual(len(self.sink.received("/again")), 2)

    def test_an_error_answer_is_shown_and_a_run_would_not_count_it(self):
        self.sink.script("/bad", [{"status": 422, "body": '{"error": "no such client"}'}])
        before = self.stored()
        a = self.try_node(self.node(self.sink.url + "/bad")).json()["attempt"]
        self.assertEqual(self.stored(), before)
        self.assertEqual(a["response"]["status"], 422)
        self.assertEqual(a["error"], "HTTP 422")
        self.assertIn("no such client", a["response"]["bodyExcerpt"])

    def test_a_body_that_renders_to_invalid_json_is_a_failed_attempt_and_sends_nothing(self):
        node = self.node(self.sink.url + "/json", body='{"n": {{ request.body.customer_email }}}')
        a = self.try_node(node).json()["attempt"]
        self.assertIn("body: the rendered JSON does not parse", a["error"])
        self.assertNotIn("response", a)
        self.assertEqual(self.sink.received("/json"), [])

    def test_a_connection_error_is_a_failed_attempt(self):
        s = Sink().start()
        url = s.url
        s.stop()
        a = self.try_node(self.node(url + "/gone")).json()["attempt"]
        self.assertTrue(a.get("error"), a)
        self.assertNotIn("response", a)

    # -- credentials --

    def test_a_masked_credential_takes_the_stored_value_of_the_workflow(self):
        wf = self.p.workflow(self.integ["id"], [self.node(
            self.sink.url + "/stored", auth={"type": "bearer", "token": "stored-secret"},
            )], publish=False)
        wf = self.p.api_json("GET", "/workflows/%s" % wf["id"])
        sent = [n for n in wf["nodes"] if n["id"] == "send"][0]
        self.assertEqual(sent["auth"], {"type": "bearer", "tokenSet": True})
        r = self.try_node(sent, workflowId=wf["id"])
        self.assertNotIn("stored-secret", r.body.decode())
        got = self.sink.received("/stored")
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0].headers["Authorization"], "Bearer stored-secret")
        self.assertEqual(r.json()["attempt"]["request"]["headers"]["Authorization"], REDACTED)

        # Without the workflow there is nothing stored to take.
        r = self.try_node(sent, expect=400)
        self.assertJsonError(r, 400, "invalid_workflow", "tokenSet")
        r = self.try_node(sent, workflowId=str(uuid.uuid4()), expect=404)
        self.assertJsonError(r, 404, "not_found", "workflowId")
        self.assertEqual(len(self.sink.received("/stored")), 1)

    # -- the sample --

    def test_without_a_captured_sample_the_newest_event_is_the_sample(self):
        integ = self.p.integration("events-only")
        sent = {self.p.post_event(integ, {"customer_email": "old@example.com"}): "old",
                self.p.post_event(integ, {"customer_email": "new@example.com"}): "new"}
        # Newest as the event list orders them (two events of the same
        # millisecond are ordered by id there).
        ev = self.p.api_json("GET", "/integrations/%s/events?limit=1" % integ["id"])
        ev = ev["items"][0]["eventId"]
        r = self.try_node(self.node(self.sink.url + "/newest?e={{ request.body.customer_email }}"),
                          integration_id=integ["id"])
        self.assertEqual(r.json()["sample"], {"source": "event", "eventId": ev})
        self.assertEqual(self.sink.received("/newest")[0].target,
                         "/newest?e=%s%%40example.com" % sent[ev])

    def test_an_integration_without_a_sample_is_409(self):
        integ = self.p.api_json("POST", "/integrations", {"name": "empty", "auth": "none"}, 201)
        r = self.try_node(self.node(self.sink.url + "/x"), integration_id=integ["id"],
                          expect=409)
        self.assertJsonError(r, 409, "no_sample", "Retrieve data")
        self.assertEqual(self.sink.received(), [])

    # -- bad input --

    def test_bad_input_gets_a_json_error_and_sends_nothing(self):
        good = self.node(self.sink.url + "/x")
        deleted = self.p.api_json("POST", "/integrations", {"name": "gone", "auth": "none"}, 201)
        self.p.api("DELETE", "/integrations/%s" % deleted["id"], expect=204)
        cases = [
            ({"integrationId": self.integ["id"]}, 400, "invalid_request", "node"),
            ({"node": "send", "integrationId": self.integ["id"]}, 400, "invalid_request", "node"),
            ({"node": {"id": "end", "type": "end"}, "integrationId": self.integ["id"]}, 400,
             "invalid_request", "outgoing_integration"),
            ({"node": good}, 400, "invalid_request", "integrationId"),
            ({"node": good, "integrationId": 7}, 400, "invalid_request", "integrationId"),
            ({"node": good, "integrationId": self.integ["id"], "workflowId": 7}, 400,
             "invalid_request", "workflowId"),
            ({"node": good, "integrationId": str(uuid.uuid4())}, 404, "not_found",
             "integrationId"),
            ({"node": good, "integrationId": "not-an-id"}, 404, "not_found", "integrationId"),
            ({"node": good, "integrationId": deleted["id"]}, 404, "not_found", "deleted"),
            ({"node": self.node(self.sink.url + "/{{ request.body.x"),
              "integrationId": self.integ["id"]}, 400, "invalid_workflow", "nodes.send: url:"),
            ({"node": self.node(self.sink.url, method="TRACE"),
              "integrationId": self.integ["id"]}, 400, "invalid_workflow", "nodes.send: method"),
            ({"node": self.node(self.sink.url, headers={"Content-Length": "1"}),
              "integrationId": self.integ["id"]}, 400, "invalid_workflow", "Content-Length"),
            ({"node": dict(good, id="bad id"), "integrationId": self.integ["id"]}, 400,
             "invalid_workflow", "id"),
        ]
        for body, status, code, words in cases:
            with self.subTest(body=body):
                r = self.p.api("POST", "/workflows/test-node", body)
                self.assertJsonError(r, status, code, words)
        r = self.p.server.request("POST", "/api/v1/workflows/test-node", body="{",
                                  headers={"Authorization": "Bearer " + self.p.admin,
                                           "Content-Type": "application/json"})
        self.assertJsonError(r, 400, "invalid_json")
        r = self.p.api("GET", "/workflows/test-node")
        self.assertJsonError(r, 405, "method_not_allowed")
        self.assertEqual(r.headers["Allow"], "POST")
        self.assertEqual(self.sink.received(), [])

    def test_node_ids_of_the_wrapper_are_free_to_use(self):
        for nid in ("trigger", "end"):
            with self.subTest(nid=nid):
                node = Product.outgoing(nid, self.sink.url + "/ids")
                self.assertEqual(self.try_node(node).json()["attempt"]["node"], nid)

    # -- who may call --

    def test_an_admin_token_or_a_session_with_its_csrf_token_is_required(self):
        body = json.dumps({"node": self.node(self.sink.url + "/auth"),
                           "integrationId": self.integ["id"]})
        path = "/api/v1/workflows/test-node"
        r = self.p.server.post_json(path, body)
        self.assertEqual(r.status, 401, r)
        r = self.p.server.post_json("/api/v1/session", json.dumps({"token": self.p.admin}))
        self.assertEqual(r.status, 200, r)
        jar = r.headers["Set-Cookie"].split(";")[0]
        csrf = r.json()["csrfToken"]
        for h in ({"Cookie": jar}, {"Cookie": jar, "X-CSRF-Token": "0" * len(csrf)}):
            r = self.p.server.post_json(path, body, headers=h)
            self.assertEqual(r.status, 403, r)
        self.assertEqual(self.sink.received("/auth"), [])
        r = self.p.server.post_json(path, body, headers={"Cookie": jar, "X-CSRF-Token": csrf})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(self.sink.received("/auth")), 1)


class TestNodePrivateRefused(unittest.TestCase):
    """outgoing_allow_private = no (the default): the sink on loopback is
    refused like a run's request would be."""

    @classmethod
    def setUpClass(cls):
        harness.require_binaries()
        cls.sink = Sink().start()
        cls.p = Product(conf={"outgoing_allow_private": "no"})
        cls.integ = cls.p.integration("published")
        cls.p.post_event(cls.integ, {"a": 1})

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()
        cls.sink.stop()

    def test_a_private_address_is_a_refused_attempt(self):
        node = Product.outgoing("send", self.sink.url + "/private")
        r = self.p.api("POST", "/workflows/test-node",
                       {"node": node, "integrationId": self.integ["id"]})
        self.assertEqual(r.status, 200, r)
        a = r.json()["attempt"]
        self.assertIn("refused", a["error"])
        self.assertIn("outgoing_allow_private", a["error"])
        self.assertNotIn("response", a)
        self.assertEqual(self.sink.received(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
