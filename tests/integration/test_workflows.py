#!/usr/bin/env python3
"""Workflows end to end under lighttpd (SPEC sections 4.3, 7, 8, 9; issue 6
item 6): the seed's example (JWT integration -> Business Event with a filter
-> Outgoing Integration to the product's own /v4/events/custom -> End) lands
a goal.achieve event on the profile; then validation, CRUD, the run log,
replay and retry, secrets, the headers every request carries and template
escaping, against a local sink (tests/integration/sink.py).

The Product class here is also used by test_delivery.py."""

import json
import os
import sys
import time
import unittest
import uuid

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402
from sink import Sink  # noqa: E402

FINAL = ("succeeded", "failed", "skipped")


class Product:
    """A started server (lighttpd) with outgoing_allow_private = yes, an
    admin token, and helpers for the admin API."""

    def __init__(self, conf=None, procs=2, env=None):
        c = {"outgoing_allow_private": "yes"}
        c.update(conf or {})
        self.server = Server("lighttpd", conf=c, procs=procs, env=env).start()
        try:
            self.admin = self.server.ctl_json("admin-token", "create")["token"]
        except BaseException:
            self.server.stop()
            raise

    def stop(self):
        self.server.stop()

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.server.port

    def api(self, method, path, body=None, expect=None):
        r = self.server.admin_api(self.admin, method, path, body)
        if expect is not None and r.status != expect:
            raise AssertionError("%s %s: expected %d, got %r" % (method, path, expect, r))
        return r

    def api_json(self, method, path, body=None, expect=200):
        return self.api(method, path, body, expect).json()

    def apikey(self, name="key"):
        return self.api_json("POST", "/apikeys",
                             {"name": name, "permissions": ["incoming:execute", "events:write"]},
                             201)

    def integration(self, name="integ", auth="none", api_key_id=None):
        body = {"name": name, "auth": auth}
        if api_key_id:
            body["apiKeyId"] = api_key_id
        doc = self.api_json("POST", "/integrations", body, 201)
        self.api_json("POST", "/integrations/%s/publish" % doc["id"])
        return doc

    @staticmethod
    def document(integration_id, nodes, filt=None, name="wf"):
        """A workflow: trigger -> nodes... -> end, in a chain."""
        trigger = {"id": "trigger", "type": "business_event", "integrationId": integration_id}
        if filt is not None:
            trigger["filter"] = filt
        all_nodes = [trigger] + list(nodes) + [{"id": "end", "type": "end"}]
        ids = [n["id"] for n in all_nodes]
        return {"name": name, "nodes": all_nodes, "edges": [[a, b] for a, b in zip(ids, ids[1:])]}

    def workflow(self, integration_id, nodes, filt=None, name="wf", publish=True):
        doc = self.api_json("POST", "/workflows",
                            self.document(integration_id, nodes, filt, name), 201)
        if publish:
            doc = self.api_json("POST", "/workflows/%s/publish" % doc["id"])
        return doc

    @staticmethod
    def outgoing(node_id, url, body=None, headers=None, auth=None, method="POST", **kw):
        n = {"id": node_id, "type": "outgoing_integration", "action": "act." + node_id,
             "method": method, "url": url,
             "headers": headers if headers is not None else {"Content-Type": "application/json"}}
        if body is not None:
            n["body"] = body
        if auth is not None:
            n["auth"] = auth
        n.update(kw)
        return n

    def post_event(self, integ, body, headers=None, expect=202):
        r = self.server.post_json("/incoming/" + integ["endpointId"], json.dumps(body),
                                  headers=headers)
        if r.status != expect:
            raise AssertionError("POST /incoming: expected %d, got %r" % (expect, r))
        return r.json().get("eventId")

    def runs_of(self, event_id):
        return self.api_json("GET", "/events/%s" % event_id)["runs"]

    def wait_runs(self, event_id, n=1, timeout=10.0, states=FINAL):
        """Waits until the event has n runs, all in states; returns them.
        Each poll is a request, which also lets responders start runners
        for due retries."""
        deadline = time.time() + timeout
        runs = []
        while time.time() < deadline:
            runs = self.runs_of(event_id)
            if len(runs) >= n and all(r["state"] in states for r in runs):
                return runs
            time.sleep(0.1)
        raise AssertionError("event %s: runs not in %s after %.0f s: %s\n%s"
                             % (event_id, states, timeout, json.dumps(runs)[:3000],
                                self.server.server_log()))

    def wait_run(self, run_id, states=FINAL, timeout=10.0):
        deadline = time.time() + timeout
        run = None
        while time.time() < deadline:
            run = self.api_json("GET", "/runs/%s" % run_id)
            if run["state"] in states:
                return run
            time.sleep(0.1)
        raise AssertionError("run %s not in %s after %.0f s: %s\n%s"
                             % (run_id, states, timeout, json.dumps(run)[:3000],
                                self.server.server_log()))

    def wait_idle(self, timeout=10.0):
        """Waits until GET /healthz shows nothing queued and no runner: every
        accepted event has been planned into its runs."""
        deadline = time.time() + timeout
        h = None
        while time.time() < deadline:
            h = self.server.get("/healthz").json()
            if h["queued"] == 0 and h["runners"] == 0:
                return h
            time.sleep(0.05)
        raise AssertionError("not idle after %.0f s: %r" % (timeout, h))

    def runner_log(self):
        p = os.path.join(self.server.data_dir, "runner.log")
        if not os.path.exists(p):
            return b""
        with open(p, "rb") as f:
            return f.read()


# The seed's example data (the body of "example data received from external
# service") and its request body template, corrected to read the product
# fields from request.body.products[0] (the seed reads request.body.name).
SEED_BODY = {
    "customer_email": "example@example.com",
    "order_number": "111111111",
    "type": "email",
    "language": "eng",
    "products": [{
        "name": "Earwax",
        "category": "Hygiene",
        "id": "abcdefgh",
        "image_url": "http://exampleimage.url",
        "product_url": "http://exampleproduct.url",
        "group_id": "groupid",
    }],
}
SEED_TEMPLATE = """{
  "action": "goal.achieve",
  "client": {"email": "{{request.body.customer_email}}"},
  "params": {
    "created_at": "2021-04-28T14:09:27.000Z",
    "group_id": "{{request.body.products[0].group_id}}",
    "image_url": "{{request.body.products[0].image_url}}",
    "name": "{{request.body.products[0].name}}",
    "product_url": "{{request.body.products[0].product_url}}",
    "request_id": "{{request.headers["X-Request-ID"]}}"
  }
}"""


class SeedExampleTest(unittest.TestCase):
    """The seed's "Example of use", end to end."""

    @classmethod
    def setUpClass(cls):
        cls.p = Product()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def test_seed_example_lands_a_goal_achieve_event_on_the_profile(self):
        p = self.p
        key = p.apikey("seed")
        integ = p.integration("seed", auth="jwt", api_key_id=key["id"])
        send = p.outgoing("send", p.base_url + "/v4/events/custom", body=SEED_TEMPLATE,
                          auth={"type": "api_key", "apiKeyId": key["id"]})
        send["action"] = "goal.achieve"
        wf = p.workflow(integ["id"], [send],
                        filt={"all": [{"param": "body.type", "op": "eq", "value": "email"}]},
                        name="Cart to custom event")
        self.assertEqual(wf["state"], "published")

        r = p.server.post_json("/auth/token", json.dumps({"apiKey": key["secret"]}))
        self.assertEqual(r.status, 200, r)
        token = r.json()["token"]
        t0 = time.time()
        ev = p.post_event(integ, SEED_BODY, headers={"Authorization": "Bearer " + token,
                                                     "X-Request-ID": "req-0001"})
        # The profile gains the event within seconds.
        prof = None
        deadline = time.time() + 10
        while time.time() < deadline:
            r = p.api("GET", "/profiles?email=example@example.com")
            if r.status == 200:
                prof = r.json()
                if any(e.get("action") == "goal.achieve" for e in prof.get("events", [])):
                    break
            time.sleep(0.1)
        took = time.time() - t0
        self.assertIsNotNone(prof, "no profile example@example.com after 10 s: %r\nruns: %s\n%s"
                             % (r, json.dumps(p.runs_of(ev))[:3000], p.server.server_log()))
        events = [e for e in prof["events"] if e.get("action") == "goal.achieve"]
        self.assertEqual(len(events), 1, prof)
        self.assertEqual(events[0]["params"], {
            "created_at": "2021-04-28T14:09:27.000Z",
            "group_id": "groupid",
            "image_url": "http://exampleimage.url",
            "name": "Earwax",
            "product_url": "http://exampleproduct.url",
            "request_id": "req-0001",
        })
        sys.stderr.write("\n  seed example: profile event %.2f s after the POST\n" % took)
        runs = p.wait_runs(ev)
        self.assertEqual([r["state"] for r in runs], ["succeeded"], runs)
        self.assertEqual(runs[0]["name"], "goal.achieve")
        self.assertEqual(runs[0]["attempts"][-1]["response"]["status"], 202)

        # A second event of another type is filtered out: a skipped run.
        body = dict(SEED_BODY, type="sms")
        ev2 = p.post_event(integ, body, headers={"Authorization": "Bearer " + token})
        runs = p.wait_runs(ev2)
        self.assertEqual([r["state"] for r in runs], ["skipped"], runs)
        self.assertEqual(runs[0]["attempts"], [])
        prof = p.api_json("GET", "/profiles?email=example@example.com")
        self.assertEqual(len([e for e in prof["events"] if e.get("action") == "goal.achieve"]), 1)


class WorkflowApiTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.p = Product()
        cls.sink = Sink().start()
        try:
            cls.key = cls.p.apikey("wf")
            cls.integ = cls.p.integration("wf")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.sink.stop()
        cls.p.stop()

    def url(self, path):
        return self.sink.url + path

    def new_integration(self):
        return self.p.integration("wf-%s" % uuid.uuid4().hex[:8])

    # -- validation --

    def assert_invalid(self, doc, *needles):
        r = self.p.api("POST", "/workflows", doc)
        self.assertEqual(r.status, 400, r)
        body = r.json()
        self.assertEqual(body["status"], 400)
        self.assertEqual(body["error"], "invalid_workflow", body)
        for n in needles:
            self.assertIn(n, body["message"])
        return body["message"]

    def test_validation_refuses_bad_documents_naming_the_node(self):
        P = Product
        ok = P.outgoing("send", self.url("/v"), body="{}")
        good = P.document(self.integ["id"], [ok])
        r = self.p.api("POST", "/workflows", good)
        self.assertEqual(r.status, 201, r)

        # A name with a control character (it would break lists and logs).
        doc = P.document(self.integ["id"], [ok])
        doc["name"] = "bell\x07"
        self.assert_invalid(doc, "name", "control characters")
        # No trigger at all.
        doc = P.document(self.integ["id"], [ok])
        doc["nodes"] = doc["nodes"][1:]
        doc["edges"] = [["send", "end"]]
        self.assert_invalid(doc, "business_event")
        # Two triggers: the second one is named.
        doc = P.document(self.integ["id"], [ok])
        doc["nodes"].append({"id": "trigger2", "type": "business_event",
                             "integrationId": self.integ["id"]})
        doc["edges"].append(["trigger2", "send"])
        self.assert_invalid(doc, "nodes.trigger2")
        # A cycle.
        a = P.outgoing("a", self.url("/v"), body="{}")
        b = P.outgoing("b", self.url("/v"), body="{}")
        doc = P.document(self.integ["id"], [a, b])
        doc["edges"].append(["b", "a"])
        msg = self.assert_invalid(doc, "cycle")
        self.assertTrue("nodes.a" in msg or "nodes.b" in msg, msg)
        # A node not connected to the trigger.
        doc = P.document(self.integ["id"], [ok])
        doc["nodes"].append(P.outgoing("island", self.url("/v"), body="{}"))
        self.assert_invalid(doc, "nodes.island")
        # Unknown integration, unknown API key.
        self.assert_invalid(P.document(str(uuid.uuid4()), [ok]), "nodes.trigger", "integration")
        bad = P.outgoing("send", self.url("/v"), body="{}",
                         auth={"type": "api_key", "apiKeyId": str(uuid.uuid4())})
        self.assert_invalid(P.document(self.integ["id"], [bad]), "nodes.send", "API key")
        # Template syntax errors in url and body.
        bad = P.outgoing("send", self.url("/v/{{ request.body.x "), body="{}")
        self.assert_invalid(P.document(self.integ["id"], [bad]), "nodes.send", "url")
        bad = P.outgoing("send", self.url("/v"), body='{"a": "{% if x %}"}')
        self.assert_invalid(P.document(self.integ["id"], [bad]), "nodes.send", "body")
        # An edge to a node that does not exist.
        doc = P.document(self.integ["id"], [ok])
        doc["edges"].append(["send", "ghost"])
        self.assert_invalid(doc, "ghost")
        # Credentials only on the nodes that send them (found by the api
        # fuzz target: a trigger's headers were stored and shown as sent,
        # since the public form masks outgoing nodes).
        doc = P.document(self.integ["id"], [ok])
        doc["nodes"][0]["headers"] = {"Authorization": "Bearer not-for-a-trigger"}
        msg = self.assert_invalid(doc, "nodes.trigger", "headers")
        self.assertNotIn("not-for-a-trigger", msg)
        doc = P.document(self.integ["id"], [ok])
        end = [n for n in doc["nodes"] if n["type"] == "end"][0]
        end["auth"] = {"type": "bearer", "token": "tok"}
        self.assert_invalid(doc, "nodes.%s" % end["id"], "auth")

    # -- CRUD --

    def test_crud_publish_and_unpublish(self):
        integ = self.new_integration()
        node = Product.outgoing("send", self.url("/crud"), body='{"n": 1}')
        doc = Product.document(integ["id"], [node], name="crud")
        created = self.p.api_json("POST", "/workflows", doc, 201)
        wid = created["id"]
        self.assertEqual(created["state"], "draft")
        self.assertEqual(created["name"], "crud")
        got = self.p.api_json("GET", "/workflows/" + wid)
        self.assertEqual(got["nodes"], doc["nodes"])
        self.assertEqual(got["edges"], doc["edges"])
        listed = self.p.api_json("GET", "/workflows?limit=500")
        self.assertIn(wid, [w["id"] for w in listed["items"]])

        # A draft does not run.
        ev = self.p.post_event(integ, {"n": 0})
        self.p.wait_idle()
        self.assertEqual(self.p.runs_of(ev), [])

        doc["name"] = "crud renamed"
        put = self.p.api_json("PUT", "/workflows/" + wid, doc)
        self.assertEqual(put["name"], "crud renamed")
        self.assertEqual(put["state"], "draft")
        pub = self.p.api_json("POST", "/workflows/%s/publish" % wid)
        self.assertEqual(pub["state"], "published")
        ev = self.p.post_event(integ, {"n": 1})
        runs = self.p.wait_runs(ev)
        self.assertEqual([r["state"] for r in runs], ["succeeded"])
        self.assertEqual(runs[0]["workflowId"], wid)

        unpub = self.p.api_json("POST", "/workflows/%s/unpublish" % wid)
        self.assertEqual(unpub["state"], "unpublished")
        ev = self.p.post_event(integ, {"n": 2})
        self.p.wait_idle()
        self.assertEqual(self.p.runs_of(ev), [])

        # Invalid replacement keeps the old document.
        bad = json.loads(json.dumps(doc))
        bad["edges"] = []
        self.assertEqual(self.p.api("PUT", "/workflows/" + wid, bad).status, 400)
        self.assertEqual(self.p.api_json("GET", "/workflows/" + wid)["name"], "crud renamed")

        r = self.p.api("DELETE", "/workflows/" + wid)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(self.p.api("GET", "/workflows/" + wid).status, 404)
        self.assertEqual(self.p.api("DELETE", "/workflows/" + wid).status, 404)
        self.assertEqual(self.p.api("POST", "/workflows/%s/publish" % wid).status, 404)

    # -- the run log --

    def test_runs_filters_and_paging(self):
        integ = self.new_integration()
        node = Product.outgoing("send", self.url("/runs"), body='{"i": {{ request.body.i }}}')
        wf = self.p.workflow(integ["id"], [node],
                             filt={"all": [{"param": "body.i", "op": "lt", "value": 5}]})
        events = [self.p.post_event(integ, {"i": i}) for i in range(7)]
        for ev in events:
            self.p.wait_runs(ev)
        all_runs = self.p.api_json("GET", "/runs?workflowId=%s&limit=500" % wf["id"])["items"]
        self.assertEqual(len(all_runs), 7)
        self.assertEqual({r["eventId"] for r in all_runs}, set(events))
        # Newest first.
        created = [r["createdAt"] for r in all_runs]
        self.assertEqual(created, sorted(created, reverse=True))

        skipped = self.p.api_json("GET", "/runs?workflowId=%s&state=skipped" % wf["id"])["items"]
        self.assertEqual(len(skipped), 2)
        self.assertTrue(all(r["state"] == "skipped" for r in skipped))
        ok = self.p.api_json("GET", "/runs?workflowId=%s&state=succeeded" % wf["id"])["items"]
        self.assertEqual(len(ok), 5)
        one = self.p.api_json("GET", "/runs?eventId=%s" % events[3])["items"]
        self.assertEqual([r["eventId"] for r in one], [events[3]])
        self.assertEqual(self.p.api("GET", "/runs?state=bogus").status, 400)
        self.assertEqual(self.p.api("GET", "/runs?workflowId=nope").status, 400)

        # Pages of 3: 3 + 3 + 1, every run exactly once, next absent at the end.
        seen, cursor, pages = [], None, 0
        while True:
            q = "/runs?workflowId=%s&limit=3" % wf["id"]
            if cursor:
                q += "&cursor=" + cursor
            page = self.p.api_json("GET", q)
            pages += 1
            seen += [r["id"] for r in page["items"]]
            cursor = page.get("next")
            if not cursor:
                break
            self.assertLess(pages, 10)
        self.assertEqual(sorted(seen), sorted(r["id"] for r in all_runs))
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(pages, 3)
        self.assertEqual(self.p.api("GET", "/runs?cursor=zzz").status, 400)

        # GET /api/v1/events/{id} includes the runs; GET /api/v1/runs/{id}.
        ev = self.p.api_json("GET", "/events/" + events[0])
        self.assertEqual(ev["event"]["body"], {"i": 0})
        self.assertEqual(len(ev["runs"]), 1)
        run = self.p.api_json("GET", "/runs/" + ev["runs"][0]["id"])
        self.assertEqual(run["eventId"], events[0])
        self.assertEqual(run["state"], "succeeded")
        att = run["attempts"][0]
        for k in ("node", "at", "durationMs", "request", "response"):
            self.assertIn(k, att)
        self.assertEqual(att["request"]["method"], "POST")
        self.assertEqual(att["request"]["url"], self.url("/runs"))
        self.assertEqual(att["request"]["bodyExcerpt"], '{"i": 0}')
        self.assertEqual(self.p.api("GET", "/runs/" + str(uuid.uuid4())).status, 404)

    def test_replay_creates_a_new_run_and_delivers_again(self):
        integ = self.new_integration()
        self.p.workflow(integ["id"], [Product.outgoing("send", self.url("/replay"), body="{}")])
        ev = self.p.post_event(integ, {"r": 1})
        first = self.p.wait_runs(ev)
        r = self.p.api_json("POST", "/events/%s/replay" % ev)
        self.assertEqual(r["event"]["eventId"], ev)
        runs = self.p.wait_runs(ev, n=2)
        self.assertEqual(len(runs), 2)
        self.assertIn(first[0]["id"], [x["id"] for x in runs])
        self.assertTrue(all(x["state"] == "succeeded" for x in runs), runs)
        got = self.sink.wait_for(lambda s: len(s.delivered("/replay")) == 2, 5)
        self.assertTrue(got, self.sink.received("/replay"))
        self.assertEqual(self.sink.delivered("/replay"),
                         {"%s.send" % x["id"] for x in runs})
        self.assertEqual(self.p.api("POST", "/events/%s/replay" % uuid.uuid4()).status, 404)

    def test_retry_of_a_failed_run(self):
        integ = self.new_integration()
        self.sink.script("/retry", [{"status": 400}, {"status": 200}])
        self.p.workflow(integ["id"], [Product.outgoing("send", self.url("/retry"), body="{}")])
        ev = self.p.post_event(integ, {"x": 1})
        run = self.p.wait_runs(ev)[0]
        self.assertEqual(run["state"], "failed")
        self.assertEqual(len(run["attempts"]), 1)
        r = self.p.api_json("POST", "/runs/%s/retry" % run["id"])
        self.assertEqual(r["id"], run["id"])
        self.assertIn(r["state"], ("queued", "running", "succeeded"))
        run = self.p.wait_run(run["id"])
        self.assertEqual(run["state"], "succeeded", run)
        self.assertEqual([a["response"]["status"] for a in run["attempts"]], [400, 200])
        keys = [q.key for q in self.sink.received("/retry")]
        self.assertEqual(keys, ["%s.send" % run["id"]] * 2)
        self.assertEqual(self.p.api("POST", "/runs/%s/retry" % uuid.uuid4()).status, 404)

    # -- what the requests carry, secrets --

    def test_requests_carry_idempotency_key_and_event_id(self):
        integ = self.new_integration()
        n1 = Product.outgoing("first", self.url("/hdr1"), body='{"a": 1}')
        n2 = Product.outgoing("second", self.url("/hdr2"),
                              body='{"prev": {{ nodes.first.status }}, '
                                   '"ok": {{ nodes.first.body.ok | tojson }}}')
        self.p.workflow(integ["id"], [n1, n2])
        ev = self.p.post_event(integ, {"h": 1})
        run = self.p.wait_runs(ev)[0]
        self.assertEqual(run["state"], "succeeded", run)
        # The run id takes the event's time (its first 64 bits but the
        # variant's): runs.db is appended to in time order (docs/storage.md).
        self.assertEqual(run["id"][:18], ev[:18], (run["id"], ev))
        for path, node in (("/hdr1", "first"), ("/hdr2", "second")):
            reqs = self.sink.received(path)
            self.assertEqual(len(reqs), 1)
            self.assertEqual(reqs[0].headers["Idempotency-Key"], "%s.%s" % (run["id"], node))
            self.assertEqual(reqs[0].headers["X-Incoming-Event-Id"], ev)
            self.assertEqual(reqs[0].headers["Content-Type"], "application/json")
        self.assertEqual(self.sink.received("/hdr2")[0].json(), {"prev": 200, "ok": True})

    def test_secrets_never_appear_in_runs_or_runner_log(self):
        integ = self.new_integration()
        bearer = "bearer-SECRET-" + uuid.uuid4().hex
        password = "basic-SECRET-" + uuid.uuid4().hex
        hvalue = "header-SECRET-" + uuid.uuid4().hex
        nodes = [
            Product.outgoing("bearer", self.url("/s1"), body="{}",
                             auth={"type": "bearer", "token": bearer}),
            Product.outgoing("basic", self.url("/s2"), body="{}",
                             auth={"type": "basic", "username": "user", "password": password}),
            Product.outgoing("header", self.url("/s3"), body="{}",
                             auth={"type": "header", "name": "X-Api-Token", "value": hvalue}),
            Product.outgoing("apikey", self.url("/s4"), body="{}",
                             auth={"type": "api_key", "apiKeyId": self.key["id"]}),
        ]
        self.p.workflow(integ["id"], nodes)
        ev = self.p.post_event(integ, {"s": 1})
        run = self.p.wait_runs(ev)[0]
        self.assertEqual(run["state"], "succeeded", run)
        # The secrets did reach the sink...
        s1, s2, s3, s4 = (self.sink.received(p)[0] for p in ("/s1", "/s2", "/s3", "/s4"))
        self.assertEqual(s1.headers["Authorization"], "Bearer " + bearer)
        import base64
        basic = base64.b64encode(("user:" + password).encode()).decode()
        self.assertEqual(s2.headers["Authorization"], "Basic " + basic)
        self.assertEqual(s3.headers["X-Api-Token"], hvalue)
        self.assertTrue(s4.headers["Authorization"].startswith("Bearer ey"), s4.headers)
        jwt = s4.headers["Authorization"][7:]
        # ...and the API key's token is a valid /auth/token token for the key.
        payload = json.loads(base64.urlsafe_b64decode(jwt.split(".")[1] + "=="))
        self.assertEqual(payload["sub"], self.key["id"])
        self.assertEqual(payload["iss"], "incoming")
        # ...but never into the run log or runner.log.
        texts = {
            "GET /runs": self.p.api("GET", "/runs?limit=500").body,
            "GET /runs/{id}": self.p.api("GET", "/runs/" + run["id"]).body,
            "GET /events/{id}": self.p.api("GET", "/events/" + ev).body,
            "runner.log": self.p.runner_log(),
        }
        for where, text in texts.items():
            for secret in (bearer, password, basic, hvalue, jwt, self.key["secret"]):
                self.assertNotIn(secret.encode(), text, "%s holds a secret" % where)
        heads = [a["request"]["headers"] for a in run["attempts"]]
        self.assertEqual(heads[0]["Authorization"], "[redacted]")
        self.assertEqual(heads[1]["Authorization"], "[redacted]")
        self.assertEqual(heads[2]["X-Api-Token"], "[redacted]")
        self.assertEqual(heads[3]["Authorization"], "[redacted]")

    # -- template escaping --

    def test_json_body_values_are_escaped(self):
        integ = self.new_integration()
        node = Product.outgoing("send", self.url("/esc"),
                                body='{"name": "{{ request.body.name }}", '
                                     '"raw": {{ request.body.obj | tojson }}}')
        self.p.workflow(integ["id"], [node])
        nasty = 'a "quoted" \\ back\nslash\ttab \u0001 </script> \u00e9'
        ev = self.p.post_event(integ, {"name": nasty, "obj": {"k": [1, "two"]}})
        run = self.p.wait_runs(ev)[0]
        self.assertEqual(run["state"], "succeeded", run)
        got = self.sink.received("/esc")[0].json()  # valid JSON
        self.assertEqual(got, {"name": nasty, "raw": {"k": [1, "two"]}})

    def test_url_values_are_percent_encoded(self):
        integ = self.new_integration()
        node = Product.outgoing("send", self.url("/url/{{ request.body.seg }}?q={{ request.body.q }}"),
                                body="{}")
        self.p.workflow(integ["id"], [node])
        ev = self.p.post_event(integ, {"seg": "a/b c", "q": "x&y=z #é"})
        run = self.p.wait_runs(ev)[0]
        self.assertEqual(run["state"], "succeeded", run)
        reqs = [q for q in self.sink.received() if q.path.startswith("/url/")]
        self.assertEqual(len(reqs), 1, reqs)
        target = reqs[0].target
        self.assertNotIn(" ", target)
        self.assertNotIn("#", target)
        self.assertTrue(target.startswith("/url/a%2Fb%20c?q="), target)
        import urllib.parse
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
        self.assertEqual(q, {"q": ["x&y=z #é"]})

    def test_header_value_with_newline_fails_the_run_with_nothing_sent(self):
        integ = self.new_integration()
        node = Product.outgoing("send", self.url("/crlf"), body="{}",
                                headers={"Content-Type": "application/json",
                                         "X-Name": "{{ request.body.name }}"})
        self.p.workflow(integ["id"], [node])
        for name in ("evil\r\nX-Injected: 1", "evil\nX-Injected: 1", "evil\rX: 1"):
            ev = self.p.post_event(integ, {"name": name})
            run = self.p.wait_runs(ev)[0]
            self.assertEqual(run["state"], "failed", run)
            self.assertEqual(len(run["attempts"]), 1, run)
            self.assertIn("headers.X-Name", run["attempts"][0].get("error", ""), run)
        time.sleep(0.3)
        self.assertEqual(self.sink.received("/crlf"), [])

    def test_undefined_variables_are_warnings_in_the_attempt(self):
        integ = self.new_integration()
        node = Product.outgoing("send", self.url("/undef"),
                                body='{"a": "{{ request.body.missing }}", "b": "{{ nothere }}"}')
        self.p.workflow(integ["id"], [node])
        ev = self.p.post_event(integ, {"present": 1})
        run = self.p.wait_runs(ev)[0]
        self.assertEqual(run["state"], "succeeded", run)
        warnings = run["attempts"][0].get("warnings", [])
        self.assertTrue(any("request.body.missing" in w for w in warnings), warnings)
        self.assertTrue(any("nothere" in w for w in warnings), warnings)
        self.assertEqual(self.sink.received("/undef")[0].json(), {"a": "", "b": ""})

    def test_rendered_body_that_is_not_json_fails_with_a_clear_error(self):
        integ = self.new_integration()
        node = Product.outgoing("send", self.url("/notjson"),
                                body='{"n": {{ request.body.n }}}')
        self.p.workflow(integ["id"], [node])
        ev = self.p.post_event(integ, {"n": "not a number"})
        run = self.p.wait_runs(ev)[0]
        self.assertEqual(run["state"], "failed", run)
        self.assertIn("body", run["attempts"][0].get("error", ""))
        self.assertEqual(self.sink.received("/notjson"), [])

    def test_call_with_17_arguments_is_refused_and_the_responder_lives(self):
        # Issue 11 item 1: this text once wrote past the evaluator's argument
        # array and killed the responder (and, in a workflow, every runner).
        before = sorted(self.p.server.responder_pids())
        tpl = "{{ n(n,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1) }}"
        for _ in range(4):  # reach every responder
            r = self.p.api("POST", "/templates/render", {"template": tpl, "data": {}})
            self.assertEqual(r.status, 400, r)
            self.assertIn("too many arguments (limit 16)", r.json()["message"])
            self.assertIn("line 1, column", r.json()["message"])
        bad = Product.outgoing("send", self.url("/v"), body='{"a": "%s"}' % tpl)
        self.assert_invalid(Product.document(self.integ["id"], [bad]), "nodes.send", "body",
                            "limit 16")
        r = self.p.api("POST", "/templates/render", {"template": "{{ 'a'|upper }}", "data": {}})
        self.assertEqual(r.json()["output"], "A")
        self.assertEqual(sorted(self.p.server.responder_pids()), before)
        with open(os.path.join(self.p.server.tmp, "error.log"), "rb") as f:
            self.assertNotIn(b"signalled", f.read())


class WriteOnlySecretsTest(unittest.TestCase):
    """Issue 11 item 5: credentials of a workflow read back as set, a PUT
    or an import keeps, replaces or clears them, and runs redact credential
    headers (the fixed ones, those of redact_headers, the one an auth sets)
    and URL userinfo. The server's redact_headers leaves the defaults out:
    Authorization, Proxy-Authorization and Cookie stay credentials anyway."""

    @classmethod
    def setUpClass(cls):
        cls.p = Product(conf={"redact_headers": "X-Api-Key"})
        cls.sink = Sink().start()

    @classmethod
    def tearDownClass(cls):
        cls.sink.stop()
        cls.p.stop()

    def setUp(self):
        self.integ = self.p.integration("secrets-%s" % uuid.uuid4().hex[:8])
        self.secrets = {k: "%s-SECRET-%s" % (k, uuid.uuid4().hex) for k in
                        ("password", "token", "hvalue", "static", "proxy", "cookie", "xapi",
                         "urlpw")}

    def url(self, path):
        return self.sink.url + path

    NODES = ("static", "basic", "bearer", "header")

    def nodes(self, tag):
        s = self.secrets
        return [
            Product.outgoing("static", self.url("/%s/static" % tag), body="{}",
                             headers={"Content-Type": "application/json",
                                      "Authorization": "Bearer " + s["static"],
                                      "Proxy-Authorization": "Basic " + s["proxy"],
                                      "Cookie": "sid=" + s["cookie"],
                                      "X-Api-Key": s["xapi"],
                                      "X-Plain": "plain-{{ request.body.n }}"}),
            Product.outgoing("basic", self.url("/%s/basic" % tag), body="{}",
                             auth={"type": "basic", "username": "ann",
                                   "password": s["password"]}),
            Product.outgoing("bearer", self.url("/%s/bearer" % tag), body="{}",
                             auth={"type": "bearer", "token": s["token"]}),
            Product.outgoing("header", self.url("/%s/header" % tag), body="{}",
                             headers={"Content-Type": "application/json",
                                      "X-Token": "also-" + s["hvalue"]},
                             auth={"type": "header", "name": "X-Token", "value": s["hvalue"]}),
        ]

    def create(self, tag):
        doc = self.p.api_json("POST", "/workflows",
                              Product.document(self.integ["id"], self.nodes(tag), name=tag), 201)
        self.p.api_json("POST", "/workflows/%s/publish" % doc["id"])
        return doc

    def assert_no_secret(self, where, text):
        if isinstance(text, str):
            text = text.encode()
        for name, secret in self.secrets.items():
            self.assertNotIn(secret.encode(), text, "%s shows the %s" % (where, name))

    def assert_public_form(self, doc):
        n = {x["id"]: x for x in doc["nodes"]}
        self.assertEqual(n["static"]["headers"], {
            "Content-Type": "application/json", "Authorization": {"set": True},
            "Proxy-Authorization": {"set": True}, "Cookie": {"set": True},
            "X-Api-Key": {"set": True}, "X-Plain": "plain-{{ request.body.n }}"})
        self.assertNotIn("auth", n["static"])
        self.assertEqual(n["basic"]["auth"], {"type": "basic", "username": "ann",
                                              "passwordSet": True})
        self.assertEqual(n["bearer"]["auth"], {"type": "bearer", "tokenSet": True})
        self.assertEqual(n["header"]["auth"], {"type": "header", "name": "X-Token",
                                               "valueSet": True})
        self.assertEqual(n["header"]["headers"], {"Content-Type": "application/json",
                                                  "X-Token": {"set": True}})

    def run_once(self, tag, n=1):
        """Posts an event; returns (run, {node: last request the sink got})."""
        ev = self.p.post_event(self.integ, {"n": n})
        run = self.p.wait_runs(ev)[0]
        got = {}
        for node in self.NODES:
            reqs = self.sink.received("/%s/%s" % (tag, node))
            got[node] = reqs[-1] if reqs else None
        return run, got

    def assert_sent(self, got):
        s = self.secrets
        import base64
        h = got["static"].headers
        self.assertEqual(h["Authorization"], "Bearer " + s["static"])
        self.assertEqual(h["Proxy-Authorization"], "Basic " + s["proxy"])
        self.assertEqual(h["Cookie"], "sid=" + s["cookie"])
        self.assertEqual(h["X-Api-Key"], s["xapi"])
        self.assertEqual(got["basic"].headers["Authorization"],
                         "Basic " + base64.b64encode(("ann:" + s["password"]).encode()).decode())
        self.assertEqual(got["bearer"].headers["Authorization"], "Bearer " + s["token"])
        self.assertEqual(got["header"].headers.get_all("X-Token"),
                         ["also-" + s["hvalue"], s["hvalue"]])

    def test_credentials_read_back_as_set_from_the_api_and_incomingctl(self):
        created = self.create("shapes")
        self.assert_public_form(created)
        self.assert_no_secret("POST /workflows", json.dumps(created))
        wid = created["id"]
        shown = {
            "GET /workflows/{id}": self.p.api("GET", "/workflows/" + wid, expect=200).body,
            "GET /workflows": self.p.api("GET", "/workflows?limit=500", expect=200).body,
            "publish": self.p.api("POST", "/workflows/%s/publish" % wid, expect=200).body,
            "unpublish": self.p.api("POST", "/workflows/%s/unpublish" % wid, expect=200).body,
            "workflow export": self.p.server.ctl("workflow", "export", wid).stdout,
            "workflow list --json": self.p.server.ctl("workflow", "list").stdout,
            "workflow publish --json": self.p.server.ctl("workflow", "publish", wid).stdout,
        }
        for where, text in shown.items():
            self.assert_no_secret(where, text)
        self.assert_public_form(json.loads(shown["GET /workflows/{id}"]))
        self.assert_public_form(json.loads(shown["workflow export"]))
        listed = [w for w in json.loads(shown["GET /workflows"])["items"] if w["id"] == wid]
        self.assert_public_form(listed[0])
        # The secrets are still there: the run sends them.
        run, got = self.run_once("shapes")
        self.assertEqual(run["state"], "succeeded", run)
        self.assert_sent(got)

    def test_put_keeps_what_reads_back_as_set_and_replaces_or_clears_the_rest(self):
        wid = self.create("put")["id"]
        # The read-back form sent back unchanged keeps every secret.
        doc = self.p.api_json("GET", "/workflows/" + wid)
        self.assert_public_form(self.p.api_json("PUT", "/workflows/" + wid, doc))
        run, got = self.run_once("put", 1)
        self.assertEqual(run["state"], "succeeded", run)
        self.assert_sent(got)
        # New values replace them; {"set": false} and leaving out clear.
        new_token, new_static = "new-" + uuid.uuid4().hex, "new-" + uuid.uuid4().hex
        self.secrets.update(new_token=new_token, new_static=new_static)
        n = {x["id"]: x for x in doc["nodes"]}
        n["bearer"]["auth"] = {"type": "bearer", "token": new_token, "tokenSet": True}
        n["static"]["headers"]["Authorization"] = "Bearer " + new_static
        n["static"]["headers"]["Cookie"] = {"set": False}
        del n["static"]["headers"]["X-Api-Key"]
        out = self.p.api_json("PUT", "/workflows/" + wid, doc)
        self.assert_no_secret("PUT answer", json.dumps(out))
        out_n = {x["id"]: x for x in out["nodes"]}
        self.assertEqual(out_n["bearer"]["auth"], {"type": "bearer", "tokenSet": True})
        self.assertEqual(out_n["static"]["headers"], {
            "Content-Type": "application/json", "Authorization": {"set": True},
            "Proxy-Authorization": {"set": True}, "X-Plain": "plain-{{ request.body.n }}"})
        run, got = self.run_once("put", 2)
        self.assertEqual(run["state"], "succeeded", run)
        self.assertEqual(got["bearer"].headers["Authorization"], "Bearer " + new_token)
        self.assertEqual(got["static"].headers["Authorization"], "Bearer " + new_static)
        self.assertEqual(got["static"].headers["Proxy-Authorization"],
                         "Basic " + self.secrets["proxy"])
        self.assertIsNone(got["static"].headers.get("Cookie"))
        self.assertIsNone(got["static"].headers.get("X-Api-Key"))
        # Set with nothing stored: another auth type, a renamed node, a new
        # workflow. Refused naming the node and the field; nothing changes.
        bad = json.loads(json.dumps(doc))
        {x["id"]: x for x in bad["nodes"]}["bearer"]["auth"] = {
            "type": "header", "name": "X-K", "valueSet": True}
        r = self.p.api("PUT", "/workflows/" + wid, bad)
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["error"], "invalid_workflow")
        self.assertIn("nodes.bearer: auth: value: valueSet", r.json()["message"])
        bad = json.loads(json.dumps(doc))
        {x["id"]: x for x in bad["nodes"]}["header"]["id"] = "renamed"
        bad["edges"] = [[a if a != "header" else "renamed", b if b != "header" else "renamed"]
                        for a, b in bad["edges"]]
        r = self.p.api("PUT", "/workflows/" + wid, bad)
        self.assertEqual(r.status, 400, r)
        self.assertIn("nodes.renamed: headers.X-Token", r.json()["message"])
        r = self.p.api("POST", "/workflows", doc)
        self.assertEqual(r.status, 400, r)
        self.assertIn("nodes.static: headers.Proxy-Authorization", r.json()["message"])
        self.assertIn("never exported", r.json()["message"])
        # A secret left out of an auth that needs one: refused, not emptied.
        bad = json.loads(json.dumps(doc))
        {x["id"]: x for x in bad["nodes"]}["bearer"]["auth"] = {"type": "bearer"}
        r = self.p.api("PUT", "/workflows/" + wid, bad)
        self.assertEqual(r.status, 400, r)
        self.assertIn("nodes.bearer: auth", r.json()["message"])
        run, got = self.run_once("put", 3)
        self.assertEqual(got["bearer"].headers["Authorization"], "Bearer " + new_token)

    def test_export_then_import_keeps_secrets_here_and_refuses_them_elsewhere(self):
        wid = self.create("export")["id"]
        r = self.p.server.ctl("workflow", "export", wid, json_out=False)
        exported = r.stdout
        self.assert_no_secret("workflow export", exported)
        self.assertIn(b"not exported", r.stderr)
        path = os.path.join(self.p.server.tmp, "export.json")
        with open(path, "wb") as f:
            f.write(exported)
        r = self.p.server.ctl("workflow", "import", path, json_out=False)
        self.assertIn(("replaced workflow " + wid).encode(), r.stdout)
        run, got = self.run_once("export")
        self.assertEqual(run["state"], "succeeded", run)
        self.assert_sent(got)
        # Another data directory has nothing to keep: refused, one line.
        other = os.path.join(self.p.server.tmp, "other")
        conf = os.path.join(self.p.server.tmp, "other.conf")
        with open(self.p.server.conf_path) as f, open(conf, "w") as g:
            for line in f:
                g.write("data_dir = %s\n" % other if line.startswith("data_dir") else line)
        ctl = [harness.INCOMINGCTL, "--conf", conf]
        self.assertEqual(harness.run(ctl + ["init"]).returncode, 0)
        r = harness.run(ctl + ["workflow", "import", path])
        self.assertEqual(r.returncode, 1, r)
        err = r.stderr.decode()
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn("never exported", err)
        self.assertIn("nodes.static: headers.Authorization", err)

    def test_runs_redact_credential_headers_and_url_userinfo(self):
        s = self.secrets
        self.create("runs")
        userinfo = Product.outgoing(
            "userinfo", self.url("/runs/userinfo").replace("http://",
                                                           "http://bob:%s@" % s["urlpw"]),
            body="{}")
        self.p.workflow(self.integ["id"], [userinfo], name="userinfo")
        ev = self.p.post_event(self.integ, {"n": 7})
        runs = self.p.wait_runs(ev, n=2)
        self.assertEqual([r["state"] for r in runs], ["succeeded", "succeeded"], runs)
        # libcurl sent the userinfo as Basic authentication.
        import base64
        sent = self.sink.received("/runs/userinfo")[0]
        self.assertEqual(sent.headers["Authorization"],
                         "Basic " + base64.b64encode(("bob:" + s["urlpw"]).encode()).decode())
        texts = {
            "GET /runs": self.p.api("GET", "/runs?limit=500").body,
            "GET /events/{id}": self.p.api("GET", "/events/" + ev).body,
            "runner.log": self.p.runner_log(),
            "runs list --json": self.p.server.ctl("runs", "list", "--event", ev).stdout,
            "events show": self.p.server.ctl("events", "show", ev).stdout,
        }
        for r in runs:
            texts["GET /runs/" + r["name"]] = self.p.api("GET", "/runs/" + r["id"]).body
            texts["runs show " + r["name"]] = self.p.server.ctl("runs", "show", r["id"]).stdout
        for where, text in texts.items():
            self.assert_no_secret(where, text)
        by = {r["name"]: r for r in runs}
        heads = {a["node"]: a["request"]["headers"] for a in by["act.static"]["attempts"]}
        for name in ("Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key"):
            self.assertEqual(heads["static"][name], "[redacted]", heads["static"])
        self.assertEqual(heads["static"]["X-Plain"], "plain-7")
        self.assertEqual(heads["static"]["Content-Type"], "application/json")
        self.assertEqual(heads["basic"]["Authorization"], "[redacted]")
        self.assertEqual(heads["bearer"]["Authorization"], "[redacted]")
        self.assertEqual(heads["header"]["X-Token"], "[redacted]")
        attempt = by["act.userinfo"]["attempts"][0]
        self.assertEqual(attempt["request"]["url"],
                         self.url("/runs/userinfo").replace("http://", "http://[redacted]@"))


class HttpFramingTest(unittest.TestCase):
    """Issue 11 item 6: hop-by-hop and framing headers and templated or
    malformed header names are refused at save, naming the node and the
    header; a rendered header value with a control character fails the run
    before anything is sent."""

    FRAMING = ("Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "TE",
               "Trailer", "Upgrade", "Proxy-Connection", "Expect", "transfer-encoding",
               "content-length", "HOST")

    @classmethod
    def setUpClass(cls):
        cls.p = Product()
        cls.sink = Sink().start()
        try:
            cls.integ = cls.p.integration("framing")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.sink.stop()
        cls.p.stop()

    def url(self, path):
        return self.sink.url + path

    def refused(self, node, *needles, method="POST", path="/workflows"):
        r = self.p.api(method, path, Product.document(self.integ["id"], [node]))
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["error"], "invalid_workflow", r.json())
        for n in needles:
            self.assertIn(n, r.json()["message"])
        return r.json()["message"]

    def test_hop_by_hop_and_framing_headers_are_refused_at_save(self):
        good = self.p.workflow(self.integ["id"],
                               [Product.outgoing("send", self.url("/framing"), body="{}")],
                               publish=False)
        for name in self.FRAMING:
            node = Product.outgoing("send", self.url("/framing"), body="{}",
                                    headers={"Content-Type": "application/json", name: "5"})
            msg = self.refused(node, "nodes.send: headers.%s:" % name, "framing header")
            self.refused(node, "nodes.send: headers.%s:" % name, method="PUT",
                         path="/workflows/" + good["id"])
            self.assertIn(name, msg)
        # The header an auth sets is held to the same rule.
        node = Product.outgoing("send", self.url("/framing"), body="{}",
                                auth={"type": "header", "name": "Transfer-Encoding",
                                      "value": "chunked"})
        self.refused(node, "nodes.send: auth: name:", "Transfer-Encoding")
        self.assertEqual(self.sink.received("/framing"), [])

    def test_header_names_are_fixed_tokens(self):
        for name in ("X-{{ request.body.name }}", "{{ request.body.h }}", "X Name", "X:Y", "",
                     "X-\u00e9", "X-Name\r\nX-Injected", "(x)"):
            node = Product.outgoing("send", self.url("/names"), body="{}",
                                    headers={name: "v"})
            self.refused(node, "nodes.send: headers.", "fixed text")
        node = Product.outgoing("send", self.url("/names"), body="{}",
                                auth={"type": "header", "name": "X {{ a }}", "value": "v"})
        self.refused(node, "nodes.send: auth: name:")

    def test_static_control_characters_are_refused_at_save(self):
        for value in ("a\x01b", "a\x7fb", "a\u2028b", "a\u0085b", "a\x0bb", "a\rb"):
            node = Product.outgoing("send", self.url("/static"), body="{}",
                                    headers={"X-Name": value})
            self.refused(node, "nodes.send: headers.X-Name:", "control character")
        node = Product.outgoing("send", self.url("/static"), body="{}",
                                auth={"type": "bearer", "token": "tok\x01en"})
        self.refused(node, "nodes.send: auth: token:", "U+0001")
        node = Product.outgoing("send", self.url("/static"), body="{}",
                                auth={"type": "header", "name": "X-K", "value": "v\u2029"})
        self.refused(node, "nodes.send: auth: value:", "U+2029")
        # A tab is fine.
        ok = Product.outgoing("send", self.url("/static"), body="{}",
                              headers={"X-Name": "a\tb"})
        self.p.api_json("POST", "/workflows", Product.document(self.integ["id"], [ok]), 201)

    def test_rendered_control_characters_fail_the_run_with_nothing_sent(self):
        integ = self.p.integration("framing-run-%s" % uuid.uuid4().hex[:8])
        node = Product.outgoing("send", self.url("/ctl"), body="{}",
                                headers={"Content-Type": "application/json",
                                         "X-Name": "n={{ request.body.name }}"})
        self.p.workflow(integ["id"], [node])
        for ch, cp in (("\x01", "U+0001"), ("\x7f", "U+007F"), ("\x1b", "U+001B"),
                       ("\x0b", "U+000B"), ("\u0085", "U+0085"), ("\u2028", "U+2028"),
                       ("\u2029", "U+2029"), ("\u009f", "U+009F")):
            ev = self.p.post_event(integ, {"name": "evil" + ch + "X-Injected: 1"})
            run = self.p.wait_runs(ev)[0]
            self.assertEqual(run["state"], "failed", run)
            self.assertEqual(len(run["attempts"]), 1, run)
            err = run["attempts"][0].get("error", "")
            self.assertIn("headers.X-Name", err)
            self.assertIn("control character (%s)" % cp, err)
            self.assertIn("nothing was sent", err)
        time.sleep(0.3)
        self.assertEqual(self.sink.received("/ctl"), [])
        # A tab and ordinary Unicode pass.
        ev = self.p.post_event(integ, {"name": "a\tb za\u017c\u00f3\u0142\u0107"})
        run = self.p.wait_runs(ev)[0]
        self.assertEqual(run["state"], "succeeded", run)
        got = self.sink.received("/ctl")[0].headers["X-Name"]  # decoded as Latin-1
        self.assertEqual(got.encode("latin-1").decode("utf-8"),
                         "n=a\tb za\u017c\u00f3\u0142\u0107")


if __name__ == "__main__":
    harness.main()
