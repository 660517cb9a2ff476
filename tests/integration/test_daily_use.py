#!/usr/bin/env python3
"""The seed's flow on the default configuration, and the admin API changes
that make the UI hold up to daily use (issue 12), under a real lighttpd:

- outgoing_allow_private = no (the default): a workflow posting to this
  server's own /v4/events/custom at the origin of public_base_url lands its
  profile event; a URL at another loopback port is refused at run time and
  its workflow says so ahead of time (warnings naming outgoing_allow_hosts)
  on create, read, replace and publish; outgoing_allow_hosts lets a listed
  address block or host name through, and then nothing warns;
- deleting an integration or revoking an API key: GET of the integration or
  the key lists what uses it (usedBy); the workflows left behind read as
  orphaned, with reasons, and publishing them is refused (409 orphaned);
- retry only for failed runs of a workflow that exists (409 otherwise, and
  the run keeps its state); a run can be replayed as a new run;
- replaying an event says which runs it created (replayedRunIds).
Outgoing traffic goes to the product itself and to a local sink only."""

import json
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sink import Sink  # noqa: E402
from test_workflows import Product, SEED_BODY, SEED_TEMPLATE  # noqa: E402

STRICT = {"outgoing_allow_private": "no"}


class DefaultConfiguration(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink().start()
        cls.p = Product(conf=STRICT)

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()
        cls.sink.stop()

    def test_the_seed_example_posts_to_this_server_by_default(self):
        p = self.p
        key = p.apikey("seed")
        integ = p.integration("seed", auth="jwt", api_key_id=key["id"])
        send = p.outgoing("send", p.base_url + "/v4/events/custom", body=SEED_TEMPLATE,
                          auth={"type": "api_key", "apiKeyId": key["id"]}, action="goal.achieve")
        wf = p.workflow(integ["id"], [send], name="Cart to custom event")
        self.assertEqual(wf["warnings"], [], wf)
        token = p.server.post_json("/auth/token", json.dumps({"apiKey": key["secret"]})).json()
        ev = p.post_event(integ, SEED_BODY, headers={
            "Authorization": "Bearer " + token["token"], "X-Request-ID": "req-default"})
        run = p.wait_runs(ev)[0]
        self.assertEqual(run["state"], "succeeded", run)
        self.assertEqual(run["attempts"][-1]["response"]["status"], 202)
        prof = p.api_json("GET", "/profiles?email=example@example.com")
        got = [e for e in prof["events"] if e["action"] == "goal.achieve"]
        self.assertEqual(len(got), 1, prof)
        self.assertEqual(got[0]["params"]["request_id"], "req-default")

    def test_a_url_runs_would_refuse_warns_and_its_run_fails(self):
        p = self.p
        integ = p.integration("strict")
        url = self.sink.url + "/refused"
        doc = p.document(integ["id"], [p.outgoing("send", url, body="{}")])
        made = p.api_json("POST", "/workflows", doc, 201)
        self.assertEqual(len(made["warnings"]), 1, made)
        w = made["warnings"][0]
        self.assertTrue(w.startswith("nodes.send: url: 127.0.0.1 is a loopback"), w)
        self.assertIn("outgoing_allow_hosts = 127.0.0.1", w)
        self.assertIn("outgoing_allow_private = yes", w)
        self.assertIn(p.base_url, w)  # names the origin that is always allowed
        self.assertEqual(p.api_json("GET", "/workflows/" + made["id"])["warnings"], [w])
        self.assertEqual(p.api_json("PUT", "/workflows/" + made["id"], doc)["warnings"], [w])
        pub = p.api_json("POST", "/workflows/%s/publish" % made["id"])
        self.assertEqual(pub["warnings"], [w])
        self.assertEqual(pub["state"], "published")  # a warning, not a refusal
        run = p.wait_runs(p.post_event(integ, {"x": 1}))[0]
        self.assertEqual(run["state"], "failed", run)
        self.assertIn("refused", run["attempts"][0]["error"])
        self.assertIn("outgoing_allow_hosts", run["attempts"][0]["error"])
        self.assertEqual(self.sink.received("/refused"), [])

    def test_templated_hosts_and_public_addresses_do_not_warn(self):
        p = self.p
        integ = p.integration("nowarn")
        for url in ("{{ request.body.url }}", "http://{{ request.body.host }}:9/x",
                    "http://192.0.2.10/x",  # TEST-NET-1: public as far as the rules go
                    p.base_url + "/v4/events/custom?x={{ request.body.x }}"):
            doc = p.api_json("POST", "/workflows",
                             p.document(integ["id"], [p.outgoing("send", url, body="{}")]), 201)
            self.assertEqual(doc["warnings"], [], url)
            p.api("DELETE", "/workflows/" + doc["id"], expect=204)

    def test_the_workflow_list_carries_the_orphan_state_but_no_warnings(self):
        p = self.p
        integ = p.integration("listed")
        wf = p.workflow(integ["id"], [p.outgoing("send", self.sink.url + "/l", body="{}")],
                        name="listed wf", publish=False)
        items = p.api_json("GET", "/workflows?limit=500")["items"]
        mine = [w for w in items if w["id"] == wf["id"]][0]
        self.assertIs(mine["orphaned"], False)
        self.assertEqual(mine["orphanReasons"], [])
        self.assertNotIn("warnings", mine)


class RefusedDuringCapture(unittest.TestCase):
    """Retrieve data lists the requests refused while its window waits."""

    @classmethod
    def setUpClass(cls):
        cls.p = Product(conf=STRICT)

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def test_refused_requests_are_listed_while_the_window_waits(self):
        p = self.p
        key = p.apikey("capture key")
        doc = p.api_json("POST", "/integrations",
                         {"name": "capture", "auth": "jwt", "apiKeyId": key["id"]}, 201)
        # Refused before any window: nothing is noted.
        p.post_event(doc, {"a": 1}, headers={"Authorization": "Bearer nope"}, expect=401)
        p.api_json("POST", "/integrations/%s/capture" % doc["id"], expect=202)
        self.assertEqual(p.api_json("GET", "/integrations/%s/capture" % doc["id"])["refused"], [])
        r = p.server.post_json("/incoming/" + doc["endpointId"], json.dumps({"a": 1}),
                               headers={"Authorization": "Bearer not.a.jwt"})
        self.assertEqual(r.status, 401, r)
        r2 = p.server.post_json("/incoming/" + doc["endpointId"], "{}", content_type="text/plain")
        self.assertEqual(r2.status, 401, r2)  # authentication comes first
        st = p.api_json("GET", "/integrations/%s/capture" % doc["id"])
        self.assertEqual(st["status"], "waiting")
        self.assertEqual([(x["status"], x["error"]) for x in st["refused"]],
                         [(401, "unauthorized"), (401, "unauthorized")])
        self.assertEqual(st["refused"][0]["message"], r.json()["message"])
        self.assertIsInstance(st["refused"][0]["at"], int)
        # At most 5 are kept, the newest last; a new window starts empty.
        for _ in range(6):
            p.server.post_json("/incoming/" + doc["endpointId"], "{}",
                               headers={"Authorization": "Bearer x"})
        self.assertEqual(len(p.api_json("GET", "/integrations/%s/capture" % doc["id"])["refused"]),
                         5)
        p.api_json("POST", "/integrations/%s/capture" % doc["id"], expect=202)
        self.assertEqual(p.api_json("GET", "/integrations/%s/capture" % doc["id"])["refused"], [])
        # The request that passes becomes the sample, as before.
        tok = p.server.post_json("/auth/token", json.dumps({"apiKey": key["secret"]})).json()
        p.post_event(doc, {"ok": 1}, headers={"Authorization": "Bearer " + tok["token"]})
        st = p.api_json("GET", "/integrations/%s/capture" % doc["id"])
        self.assertEqual(st["status"], "received")
        self.assertEqual(st["sample"]["raw"]["body"], {"ok": 1})


class AllowHosts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink().start()
        cls.p = Product(conf=dict(STRICT, outgoing_allow_hosts="127.0.0.0/8, localhost"))

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()
        cls.sink.stop()

    def test_a_listed_block_and_a_listed_name_are_reached(self):
        p = self.p
        integ = p.integration("allowed")
        for host in ("127.0.0.1", "localhost"):
            path = "/allowed-" + host
            url = "http://%s:%d%s" % (host, self.sink.port, path)
            wf = p.workflow(integ["id"], [p.outgoing("send", url, body="{}")], name=host)
            self.assertEqual(wf["warnings"], [], wf)
            run = p.wait_runs(p.post_event(integ, {"h": host}))
            mine = [r for r in run if r["workflowId"] == wf["id"]][0]
            self.assertEqual(mine["state"], "succeeded", mine)
            self.assertEqual(len(self.sink.received(path)), 1)
            p.api("DELETE", "/workflows/" + wf["id"], expect=204)


class Dependencies(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink().start()
        cls.p = Product()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()
        cls.sink.stop()

    def test_deleting_an_integration_orphans_its_workflows(self):
        p = self.p
        integ = p.integration("Cart")
        wf = p.workflow(integ["id"], [p.outgoing("send", self.sink.url + "/o", body="{}")],
                        name="Cart workflow")
        other = p.workflow(p.integration("Other")["id"],
                           [p.outgoing("send", self.sink.url + "/o", body="{}")], name="Other")
        got = p.api_json("GET", "/integrations/" + integ["id"])
        self.assertEqual(got["usedBy"], {"workflows": [
            {"id": wf["id"], "name": "Cart workflow", "state": "published"}]})
        self.assertIs(p.api_json("GET", "/workflows/" + wf["id"])["orphaned"], False)
        p.api("DELETE", "/integrations/" + integ["id"], expect=204)
        doc = p.api_json("GET", "/workflows/" + wf["id"])
        self.assertIs(doc["orphaned"], True)
        self.assertEqual(doc["orphanReasons"],
                         ['nodes.trigger: integrationId: the integration "Cart" was deleted'])
        items = p.api_json("GET", "/workflows?limit=500")["items"]
        by_id = {w["id"]: w for w in items}
        self.assertIs(by_id[wf["id"]]["orphaned"], True)
        self.assertIs(by_id[other["id"]]["orphaned"], False)
        p.api_json("POST", "/workflows/%s/unpublish" % wf["id"])
        r = p.api("POST", "/workflows/%s/publish" % wf["id"])
        self.assertEqual(r.status, 409, r)
        self.assertEqual(r.json()["error"], "orphaned")
        self.assertEqual(r.json()["message"],
                         'the workflow is orphaned and cannot be published: nodes.trigger: '
                         'integrationId: the integration "Cart" was deleted')
        self.assertEqual(p.api_json("GET", "/workflows/" + wf["id"])["state"], "unpublished")
        r = p.server.ctl("workflow", "publish", wf["id"], json_out=False, check=False)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("orphaned and cannot be published", r.stderr.decode())

    def test_revoking_an_api_key_names_and_orphans_what_uses_it(self):
        p = self.p
        key = p.apikey("Shop key")
        integ = p.integration("Shop cart", auth="jwt", api_key_id=key["id"])
        send = p.outgoing("send", p.base_url + "/v4/events/custom", body="{}",
                          auth={"type": "api_key", "apiKeyId": key["id"]})
        wf = p.workflow(p.integration("plain")["id"], [send], name="Uses the key")
        got = p.api_json("GET", "/apikeys/" + key["id"])
        self.assertNotIn("secret", got)
        self.assertEqual(got["usedBy"]["integrations"],
                         [{"id": integ["id"], "name": "Shop cart", "state": "published"}])
        self.assertEqual(got["usedBy"]["workflows"],
                         [{"id": wf["id"], "name": "Uses the key", "state": "published"}])
        p.api("DELETE", "/apikeys/" + key["id"], expect=204)
        doc = p.api_json("GET", "/workflows/" + wf["id"])
        self.assertIs(doc["orphaned"], True)
        self.assertEqual(doc["orphanReasons"],
                         ['nodes.send: auth: apiKeyId: the API key "Shop key" was revoked'])
        p.api_json("POST", "/workflows/%s/unpublish" % wf["id"])
        self.assertEqual(p.api("POST", "/workflows/%s/publish" % wf["id"]).status, 409)


class Dashboard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink().start()
        cls.p = Product()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()
        cls.sink.stop()

    def test_counts_per_hour_with_failing_integrations_first(self):
        p = self.p
        quiet = p.integration("quiet")
        busy = p.integration("busy")
        failing = p.integration("failing")
        p.workflow(busy["id"], [p.outgoing("send", self.sink.url + "/busy", body="{}")])
        self.sink.script("/failing", [{"status": 400}])
        p.workflow(failing["id"], [p.outgoing("send", self.sink.url + "/failing", body="{}")])
        for _ in range(3):
            p.wait_runs(p.post_event(busy, {"b": 1}))
        p.wait_runs(p.post_event(failing, {"f": 1}))
        d = p.api_json("GET", "/dashboard")
        self.assertEqual((d["hours"], d["bucketMs"], d["truncated"]), (24, 3600000, False))
        self.assertEqual(d["to"] - d["from"], 24 * 3600000)
        self.assertGreater(d["to"], int(time.time() * 1000) - 1000)
        names = [i["name"] for i in d["integrations"]]
        self.assertEqual(names[0], "failing", names)
        self.assertLess(names.index("busy"), names.index("quiet"))
        by = {i["name"]: i for i in d["integrations"]}
        for name, ev, ok, bad in (("failing", 1, 0, 1), ("busy", 3, 3, 0), ("quiet", 0, 0, 0)):
            it = by[name]
            self.assertEqual(len(it["events"]), 24)
            self.assertEqual(it["totals"], {"events": ev, "succeeded": ok, "failed": bad}, name)
            self.assertEqual(sum(it["events"]), ev)
            # This hour is the last bucket (the one before, should the
            # hour have turned since the events were sent).
            self.assertEqual(sum(it["events"][-2:]), ev)
            self.assertEqual(sum(it["failed"][-2:]), bad)
            self.assertEqual(sum(it["succeeded"][-2:]), ok)
        self.assertEqual(len(p.api_json("GET", "/dashboard?hours=1")["integrations"][0]["events"]),
                         1)
        self.assertEqual(p.api("GET", "/dashboard?hours=0").status, 400)
        self.assertEqual(p.api("GET", "/dashboard?hours=169").status, 400)
        self.assertEqual(p.api("POST", "/dashboard").status, 405)
        p.api("DELETE", "/integrations/" + quiet["id"], expect=204)
        self.assertNotIn("quiet", [i["name"] for i in p.api_json("GET", "/dashboard")["integrations"]])


class RetryAndReplay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink().start()
        cls.p = Product()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()
        cls.sink.stop()

    def test_a_succeeded_run_is_not_retried_but_replayed(self):
        p = self.p
        integ = p.integration("ok")
        wf = p.workflow(integ["id"], [p.outgoing("send", self.sink.url + "/ok", body="{}")])
        run = p.wait_runs(p.post_event(integ, {"a": 1}))[0]
        self.assertEqual(run["state"], "succeeded", run)
        r = p.api("POST", "/runs/%s/retry" % run["id"])
        self.assertEqual(r.status, 409, r)
        self.assertEqual(r.json()["error"], "conflict")
        self.assertIn("only a failed run is retried", r.json()["message"])
        self.assertEqual(p.api_json("GET", "/runs/" + run["id"])["state"], "succeeded")
        new = p.api_json("POST", "/runs/%s/replay" % run["id"], expect=201)
        self.assertNotEqual(new["id"], run["id"])
        self.assertEqual((new["workflowId"], new["eventId"]), (wf["id"], run["eventId"]))
        new = p.wait_run(new["id"])
        self.assertEqual(new["state"], "succeeded", new)
        self.assertEqual(len(self.sink.received("/ok")), 2)
        self.assertEqual(p.api_json("GET", "/runs/" + run["id"])["state"], "succeeded")

    def test_a_run_of_a_deleted_workflow_keeps_its_state(self):
        p = self.p
        integ = p.integration("gone")
        self.sink.script("/gone", [{"status": 400}])
        wf = p.workflow(integ["id"], [p.outgoing("send", self.sink.url + "/gone", body="{}")])
        failed = p.wait_runs(p.post_event(integ, {"a": 1}))[0]
        self.assertEqual(failed["state"], "failed", failed)
        p.api("DELETE", "/workflows/" + wf["id"], expect=204)
        for action in ("retry", "replay"):
            r = p.api("POST", "/runs/%s/%s" % (failed["id"], action))
            self.assertEqual(r.status, 409, r)
            self.assertIn("workflow of this run was deleted", r.json()["message"])
        self.assertEqual(p.api_json("GET", "/runs/" + failed["id"])["state"], "failed")
        self.assertEqual(p.api("POST", "/runs/00000000-0000-4000-8000-000000000000/replay").status,
                         404)

    def test_replaying_an_event_names_the_runs_it_created(self):
        p = self.p
        integ = p.integration("twice")
        a = p.workflow(integ["id"], [p.outgoing("send", self.sink.url + "/a", body="{}")], name="a")
        b = p.workflow(integ["id"], [p.outgoing("send", self.sink.url + "/b", body="{}")], name="b")
        ev = p.post_event(integ, {"n": 1})
        first = p.wait_runs(ev, n=2)
        p.api_json("POST", "/workflows/%s/unpublish" % b["id"])
        r = p.api_json("POST", "/events/%s/replay" % ev)
        self.assertEqual(len(r["replayedRunIds"]), 1, r)
        self.assertEqual(len(r["runs"]), 3)
        new = [x for x in r["runs"] if x["id"] == r["replayedRunIds"][0]][0]
        self.assertEqual(new["workflowId"], a["id"])
        self.assertNotIn(new["id"], [x["id"] for x in first])


if __name__ == "__main__":
    unittest.main(verbosity=2)
