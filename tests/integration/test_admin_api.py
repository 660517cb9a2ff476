#!/usr/bin/python3
"""The admin API (SPEC section 7) over HTTP through a real lighttpd: every
/api/v1 route for API keys, integrations, capture, apply, publish/unpublish,
events and sessions; authentication (admin token, revoked token, session
cookie with its CSRF header); validation errors naming the field; JSON
everywhere with errors exactly {status, error, message}; status codes of
create/action/capture/delete; cursor paging; the integration state machine
as senders see it; the Retrieve data window (sample, expiry, and the race of
16 senders on 4 responders); SPEC 4.1's 409/410 for senders.

capture_seconds is 5 here so that a window's expiry can be watched."""

import base64
import json
import os
import re
import sys
import threading
import time
import unittest
import uuid

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402

CAPTURE_SECONDS = 5
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# A real 1x1 PNG and a minimal JFIF header.
TINY_PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAC"
                            "hwGA60e6kgAAAABJRU5ErkJggg==")
TINY_JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
             b"\xff\xd9")


def data_url(mime, data):
    return "data:%s;base64,%s" % (mime, base64.b64encode(data).decode())


class Client:
    """Admin API calls that check what every answer must be: JSON (unless
    204 without a body) and errors of exactly {status, error, message}."""

    def __init__(self, test, server, token=None):
        self.test = test
        self.server = server
        self.token = token

    def call(self, method, path, body=None, headers=None, raw=None, token=True):
        h = {}
        if token is True and self.token:
            h["Authorization"] = "Bearer " + self.token
        elif isinstance(token, str):
            h["Authorization"] = "Bearer " + token
        if body is not None or raw is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        r = self.server.request(method, "/api/v1" + path, body=data, headers=h)
        self.check_shape(r, "%s %s" % (method, path))
        return r

    def check_shape(self, r, what):
        t = self.test
        if r.status == 204:
            t.assertEqual(r.body, b"", what)
            return
        ct = r.headers.get("Content-Type", "")
        t.assertTrue(ct.startswith("application/json"), "%s: Content-Type %r" % (what, ct))
        doc = json.loads(r.body.decode("utf-8"))
        if r.status >= 400:
            t.assertEqual(set(doc), {"status", "error", "message"}, "%s: %r" % (what, doc))
            t.assertEqual(doc["status"], r.status, what)
            t.assertIsInstance(doc["error"], str)
            t.assertTrue(doc["message"], what)
            t.assertNotIn(t.server.tmp, doc["message"])


class AdminBase(unittest.TestCase):
    CONF = {"capture_seconds": CAPTURE_SECONDS}
    PROCS = 4

    @classmethod
    def setUpClass(cls):
        cls.server = Server("lighttpd", procs=cls.PROCS, conf=dict(cls.CONF)).start()
        try:
            cls.admin = cls.server.ctl_json("admin-token", "create", "--name", "admin-test")
        except BaseException:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.c = Client(self, self.server, self.admin["token"])

    # -- helpers --

    def assertError(self, r, status, code=None, field=None):
        self.assertEqual(r.status, status, r)
        doc = r.json()
        if code:
            self.assertEqual(doc["error"], code, doc)
        if field:
            self.assertIn(field, doc["message"], doc)
        return doc

    def ok(self, r, status):
        self.assertEqual(r.status, status, r)
        return r.json() if r.body else None

    def create(self, **doc):
        doc.setdefault("name", "integ-" + uuid.uuid4().hex[:8])
        return self.ok(self.c.call("POST", "/integrations", doc), 201)

    def new_key(self, name="key", permissions=None):
        body = {"name": name}
        if permissions is not None:
            body["permissions"] = permissions
        return self.ok(self.c.call("POST", "/apikeys", body), 201)

    def issue(self, secret):
        r = self.server.post_json("/auth/token", json.dumps({"apiKey": secret}))
        self.assertEqual(r.status, 200, r)
        return r.json()["token"]

    def send(self, integ, body=b'{"order_id": 42}', headers=None):
        return self.server.post_json("/incoming/" + integ["endpointId"], body, headers=headers)

    def events(self, integ, query=""):
        return self.ok(self.c.call("GET", "/integrations/%s/events%s" % (integ["id"], query)),
                       200)


class AdminApi(AdminBase):

    # -- authentication --

    def all_routes(self):
        """(method, path, body) of every route of this file's scope, with
        real ids so that only authentication can refuse them."""
        key = self.new_key("routes")
        integ = self.create()
        ev = self.ok(self.c.call("POST", "/integrations/%s/publish" % integ["id"]), 200)
        r = self.send(ev)
        self.assertEqual(r.status, 202, r)
        event_id = r.json()["eventId"]
        i = "/integrations/" + integ["id"]
        return [
            ("GET", "/apikeys", None),
            ("POST", "/apikeys", {"name": "x"}),
            ("GET", "/apikeys/" + key["id"], None),
            ("DELETE", "/apikeys/" + key["id"], None),
            ("GET", "/integrations", None),
            ("POST", "/integrations", {"name": "x"}),
            ("GET", i, None),
            ("PATCH", i, {"name": "y"}),
            ("DELETE", i, None),
            ("POST", i + "/capture", None),
            ("GET", i + "/capture", None),
            ("POST", i + "/apply", None),
            ("POST", i + "/publish", None),
            ("POST", i + "/unpublish", None),
            ("GET", i + "/events", None),
            ("GET", "/events/" + event_id, None),
        ], key, integ

    def test_every_route_needs_a_valid_admin_token(self):
        routes, key, integ = self.all_routes()
        revoked = self.server.ctl_json("admin-token", "create", "--name", "to-revoke")
        self.server.ctl("admin-token", "revoke", revoked["id"])
        for method, path, body in routes:
            for what, tok in (("no token", False), ("revoked token", revoked["token"]),
                              ("unknown token", "iat_" + str(uuid.uuid4()) + "_" + "0" * 64),
                              ("garbage token", "garbage")):
                r = self.c.call(method, path, body, token=tok)
                self.assertEqual(r.status, 401, "%s %s with %s: %r" % (method, path, what, r))
                self.assertEqual(r.json()["error"], "unauthorized")
            # Basic credentials are not an admin token.
            r = self.c.call(method, path, body, token=False,
                            headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
            self.assertEqual(r.status, 401, "%s %s with Basic: %r" % (method, path, r))
        # Nothing changed behind the refusals.
        self.assertEqual(self.ok(self.c.call("GET", "/apikeys/" + key["id"]), 200)["state"],
                         "active")
        doc = self.ok(self.c.call("GET", "/integrations/" + integ["id"]), 200)
        self.assertEqual((doc["name"], doc["state"]), (integ["name"], "published"))

    # -- API keys --

    def test_api_keys_create_list_revoke(self):
        key = self.new_key("k1", ["incoming:execute"])
        self.assertRegex(key["id"], UUID_RE)
        self.assertEqual(key["name"], "k1")
        self.assertEqual(key["permissions"], ["incoming:execute"])
        self.assertEqual(key["state"], "active")
        self.assertGreaterEqual(len(key["secret"]), 43)  # at least 256 bits of base64
        both = self.new_key("k2")
        self.assertEqual(sorted(both["permissions"]), ["events:write", "incoming:execute"])
        page = self.ok(self.c.call("GET", "/apikeys?limit=500"), 200)
        listed = {k["id"]: k for k in page["items"]}
        self.assertIn(key["id"], listed)
        self.assertNotIn("secret", listed[key["id"]])
        r = self.c.call("GET", "/apikeys/" + key["id"])
        self.assertNotIn(key["secret"].encode(), r.body)
        self.assertIsNone(self.ok(self.c.call("DELETE", "/apikeys/" + key["id"]), 204))
        self.assertEqual(self.ok(self.c.call("GET", "/apikeys/" + key["id"]), 200)["state"],
                         "revoked")
        self.assertError(self.c.call("DELETE", "/apikeys/" + str(uuid.uuid4())), 404,
                         "not_found")

    def test_api_key_bad_input_names_the_field(self):
        cases = [
            ({}, "name"),
            ({"name": ""}, "name"),
            ({"name": 5}, "name"),
            ({"name": "a\x01b"}, "name"),
            ({"name": "tab\tname"}, "name"),
            ({"name": "del\x7f"}, "name"),
            ({"name": "x", "permissions": ["root"]}, "permissions"),
            ({"name": "x", "permissions": []}, "permissions"),
            ({"name": "x", "permissions": "incoming:execute"}, "permissions"),
            ({"name": "x", "colour": "red"}, "colour"),
        ]
        for body, field in cases:
            self.assertError(self.c.call("POST", "/apikeys", body), 400, field=field)
        self.assertError(self.c.call("POST", "/apikeys", raw='{"name": '), 400, "invalid_json")

    # -- integrations: create and validation --

    def test_create_answers_201_with_endpoint_and_draft_state(self):
        doc = self.create(name="orders", icon="cart", dedupParams=["body.order_id"],
                          rateLimitPerSecond=5)
        self.assertRegex(doc["id"], UUID_RE)
        self.assertRegex(doc["endpointId"], UUID_RE)
        self.assertEqual(doc["state"], "draft")
        self.assertEqual(doc["auth"], "none")
        self.assertEqual(doc["endpointUrl"], "http://127.0.0.1:%d/incoming/%s"
                         % (self.server.port, doc["endpointId"]))
        self.assertEqual((doc["icon"], doc["dedupParams"], doc["rateLimitPerSecond"]),
                         ("cart", ["body.order_id"], 5))
        got = self.ok(self.c.call("GET", "/integrations/" + doc["id"]), 200)
        self.assertEqual(got["endpointUrl"], doc["endpointUrl"])
        page = self.ok(self.c.call("GET", "/integrations?limit=500"), 200)
        self.assertIn(doc["id"], [i["id"] for i in page["items"]])
        self.assertError(self.c.call("GET", "/integrations/" + str(uuid.uuid4())), 404,
                         "not_found")

    def test_bad_integration_input_names_the_field(self):
        key = self.new_key("for-validation")
        svg = data_url("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>')
        big = data_url("image/png", PNG_MAGIC + b"\0" * 50000)
        self.assertGreater(len(big), 64 * 1024)
        cases = [
            ({}, "name"),
            ({"name": ""}, "name"),
            ({"name": 7}, "name"),
            ({"name": "esc\x1b[31m"}, "name"),
            ({"name": "del\x7f"}, "name"),
            ({"name": "x", "auth": "oauth"}, "auth"),
            ({"name": "x", "auth": 1}, "auth"),
            ({"name": "x", "auth": "jwt"}, "apiKeyId"),
            ({"name": "x", "auth": "jwt", "apiKeyId": "nope"}, "apiKeyId"),
            ({"name": "x", "auth": "jwt", "apiKeyId": str(uuid.uuid4())}, "apiKeyId"),
            ({"name": "x", "auth": "hmac"}, "hmac"),
            ({"name": "x", "auth": "hmac", "hmac": {"secret": "not-whsec"}}, "hmac"),
            ({"name": "x", "auth": "hmac", "hmac": {"scheme": "md5", "secret": "s"}}, "hmac"),
            ({"name": "x", "auth": "hmac", "hmac": {"scheme": "custom", "secret": "s"}}, "hmac"),
            ({"name": "x", "auth": "hmac", "hmac": {"scheme": "custom", "secret": "s",
                                                    "header": "X-S", "algorithm": "md5"}},
             "hmac"),
            ({"name": "x", "auth": "hmac", "hmac": {"scheme": "github"}}, "hmac"),
            ({"name": "x", "icon": svg}, "icon"),
            ({"name": "x", "icon": "data:image/svg+xml,<svg/>"}, "icon"),
            ({"name": "x", "icon": data_url("image/png", TINY_JPEG)}, "icon"),
            ({"name": "x", "icon": data_url("image/png", b"<svg/>" * 3)}, "icon"),
            ({"name": "x", "icon": data_url("image/jpeg", TINY_PNG)}, "icon"),
            ({"name": "x", "icon": data_url("image/gif", b"GIF89a" + b"\0" * 20)}, "icon"),
            ({"name": "x", "icon": big}, "icon"),
            ({"name": "x", "icon": "no-such-icon"}, "icon"),
            ({"name": "x", "dedupParams": ["body.a%d" % i for i in range(6)]}, "dedupParams"),
            ({"name": "x", "dedupParams": "body.a"}, "dedupParams"),
            ({"name": "x", "rateLimitPerSecond": -1}, "rateLimitPerSecond"),
            ({"name": "x", "rateLimitPerSecond": "5"}, "rateLimitPerSecond"),
            ({"name": "x", "bogus": 1}, "bogus"),
        ]
        before = len(self.ok(self.c.call("GET", "/integrations?limit=500"), 200)["items"])
        for body, field in cases:
            r = self.c.call("POST", "/integrations", body)
            self.assertEqual(r.status, 400, "%s: %r" % (str(body)[:120], r))
            self.assertIn(field, r.json()["message"], str(body)[:120])
        self.assertError(self.c.call("POST", "/integrations", raw="{"), 400, "invalid_json")
        self.assertEqual(len(self.ok(self.c.call("GET", "/integrations?limit=500"),
                                     200)["items"]), before, "a refused create stored something")
        # PATCH is validated the same way.
        integ = self.create()
        for body, field in [({"auth": "jwt"}, "apiKeyId"), ({"icon": svg}, "icon"),
                            ({"rateLimitPerSecond": -5}, "rateLimitPerSecond"),
                            ({"dedupParams": ["a", "b", "c", "d", "e", "f"]}, "dedupParams"),
                            ({"name": ""}, "name"), ({"bogus": True}, "bogus")]:
            self.assertError(self.c.call("PATCH", "/integrations/" + integ["id"], body), 400,
                             field=field)
        # Valid input of each kind is accepted.
        for icon in (data_url("image/png", TINY_PNG), data_url("image/jpeg", TINY_JPEG),
                     data_url("image/png", PNG_MAGIC + b"\0" * 40000), "webhook"):
            self.assertEqual(self.create(icon=icon)["icon"], icon)
        self.create(auth="jwt", apiKeyId=key["id"])
        self.create(auth="hmac", hmac={"secret": "whsec_" + base64.b64encode(b"k" * 24).decode()})
        self.create(dedupParams=["body.a", "body.b", "body.c", "body.d", "body.e"],
                    rateLimitPerSecond=0)

    # -- state machine as senders see it --

    def test_lifecycle_draft_capture_apply_publish_unpublish_delete(self):
        integ = self.create(name="lifecycle")
        i = "/integrations/" + integ["id"]
        r = self.send(integ)
        self.assertError(r, 409, "not_published")
        self.assertError(self.c.call("POST", i + "/apply"), 409)
        self.assertError(self.c.call("POST", i + "/unpublish"), 409)
        # Retrieve data.
        t0 = int(time.time() * 1000)
        opened = self.ok(self.c.call("POST", i + "/capture"), 202)
        self.assertTrue(t0 + (CAPTURE_SECONDS - 1) * 1000 <= opened["expiresAt"]
                        <= t0 + (CAPTURE_SECONDS + 1) * 1000, opened)
        st = self.ok(self.c.call("GET", i + "/capture"), 200)
        self.assertEqual(st["status"], "waiting")
        self.assertTrue(1 <= st["secondsLeft"] <= CAPTURE_SECONDS, st)
        self.assertNotIn("sample", st)
        sample_body = b'{"order_id": 9007199254740993, "customer": {"email": "a@example.com"}}'
        r = self.send(integ, sample_body, headers={"X-Request-Id": "req-1"})
        self.assertEqual(r.status, 202, r)
        doc = r.json()
        self.assertIs(doc.get("sample"), True, doc)
        sample_id = doc["eventId"]
        # A draft's sample starts nothing: no event stored or listed.
        self.assertEqual(self.events(integ)["items"], [])
        self.assertError(self.c.call("GET", "/events/" + sample_id), 404, "not_found")
        # The window took its one sample; the draft refuses again.
        self.assertError(self.send(integ), 409, "not_published")
        st = self.ok(self.c.call("GET", i + "/capture"), 200)
        self.assertEqual(st["status"], "received", st)
        raw = st["sample"]["raw"]
        self.assertEqual(raw["body"]["customer"], {"email": "a@example.com"})
        self.assertEqual(raw["endpointId"], integ["endpointId"])
        self.assertEqual(raw["headers"].get("X-Request-Id"), "req-1")
        self.assertIn(b"9007199254740993", self.c.call("GET", i + "/capture").body)
        flat = {f["key"]: f for f in st["sample"]["flattened"]}
        self.assertEqual(flat["body.customer.email"],
                         {"key": "body.customer.email", "type": "string", "value": "a@example.com"})
        self.assertEqual(flat["body.order_id"]["type"], "number")
        self.assertEqual(flat["headers[\"X-Request-Id\"]"]["value"], "req-1")
        # Apply stores the parameters.
        applied = self.ok(self.c.call("POST", i + "/apply"), 200)
        params = {p["key"]: p for p in applied["parameters"]}
        self.assertEqual(params["body.customer.email"],
                         {"key": "body.customer.email", "type": "string",
                          "example": "a@example.com"})
        self.assertEqual(params["body.order_id"]["type"], "number")
        for p in applied["parameters"]:
            self.assertEqual(set(p), {"key", "type", "example"}, p)
        self.assertEqual(self.ok(self.c.call("GET", i), 200)["parameters"], applied["parameters"])
        self.assertEqual(applied["state"], "draft")
        # Save & publish.
        pub = self.ok(self.c.call("POST", i + "/publish"), 200)
        self.assertEqual(pub["state"], "published")
        r = self.send(integ, b'{"n": 1}')
        self.assertEqual(r.status, 202, r)
        first = r.json()["eventId"]
        self.assertNotIn("sample", r.json())
        r = self.send(integ, b'{"n": 2}')
        second = r.json()["eventId"]
        items = self.events(integ)["items"]
        self.assertEqual([e["eventId"] for e in items], [second, first])  # newest first
        for e in items:
            self.assertEqual(set(e), {"eventId", "time", "flattened", "flattenedCount",
                                      "flattenedTruncated", "raw", "rawBytes", "rawTruncated"}, e)
            self.assertEqual(e["flattenedCount"], len(e["flattened"]), e)
            self.assertIs(e["flattenedTruncated"], False)
            self.assertIs(e["rawTruncated"], False)
        self.assertEqual(items[1]["raw"], {"n": 1})  # the body as sent
        self.assertEqual(items[1]["rawBytes"], len(b'{"n": 1}'))
        one = self.ok(self.c.call("GET", "/events/" + first), 200)
        self.assertEqual(set(one), {"event", "flattened", "flattenedCount", "flattenedTruncated",
                                    "runs"}, one)
        self.assertEqual(one["flattenedCount"], len(one["flattened"]))
        self.assertIs(one["flattenedTruncated"], False)
        self.assertEqual(one["event"]["eventId"], first)
        self.assertIn({"key": "body.n", "type": "number", "value": 1}, one["flattened"])
        page = self.events(integ, "?limit=1")
        self.assertEqual([e["eventId"] for e in page["items"]], [second])
        page = self.events(integ, "?limit=1&cursor=" + page["next"])
        self.assertEqual([e["eventId"] for e in page["items"]], [first])
        self.assertNotIn("next", page)
        self.assertError(self.c.call("GET", "/integrations/%s/events?cursor=%%zz" % integ["id"]),
                         400)
        self.assertError(self.c.call("GET", "/events/" + str(uuid.uuid4())), 404, "not_found")
        # Unpublish, publish again, unpublish.
        self.assertEqual(self.ok(self.c.call("POST", i + "/unpublish"), 200)["state"],
                         "unpublished")
        self.assertError(self.send(integ), 409, "not_published")
        self.assertEqual(self.ok(self.c.call("POST", i + "/publish"), 200)["state"], "published")
        self.assertEqual(self.send(integ).status, 202)
        # Delete is final.
        self.assertIsNone(self.ok(self.c.call("DELETE", i), 204))
        self.assertError(self.send(integ), 410, "gone")
        self.assertError(self.c.call("GET", i), 410, "gone")
        for method, path in (("POST", i + "/publish"), ("POST", i + "/capture"),
                             ("PATCH", i), ("POST", i + "/apply")):
            body = {"name": "z"} if method == "PATCH" else None
            self.assertError(self.c.call(method, path, body), 410, "gone")

    def test_capture_on_a_published_integration_stores_the_event_too(self):
        integ = self.create()
        i = "/integrations/" + integ["id"]
        self.ok(self.c.call("POST", i + "/publish"), 200)
        self.ok(self.c.call("POST", i + "/capture"), 202)
        r = self.send(integ, b'{"live": true}')
        self.assertEqual(r.status, 202, r)
        event_id = r.json()["eventId"]
        st = self.ok(self.c.call("GET", i + "/capture"), 200)
        self.assertEqual(st["status"], "received")
        self.assertEqual(st["sample"]["raw"]["eventId"], event_id)
        self.assertEqual([e["eventId"] for e in self.events(integ)["items"]], [event_id])

    def test_patch_of_auth_takes_effect_on_the_next_request(self):
        key = self.new_key("patch-auth", ["incoming:execute"])
        integ = self.create()
        i = "/integrations/" + integ["id"]
        self.ok(self.c.call("POST", i + "/publish"), 200)
        self.assertEqual(self.send(integ).status, 202)
        doc = self.ok(self.c.call("PATCH", i, {"auth": "jwt", "apiKeyId": key["id"]}), 200)
        self.assertEqual((doc["auth"], doc["apiKeyId"], doc["state"]),
                         ("jwt", key["id"], "published"))
        r = self.send(integ)
        self.assertError(r, 401, "unauthorized")
        self.assertEqual(r.headers.get("WWW-Authenticate"), 'Bearer realm="incoming"')
        token = self.issue(key["secret"])
        self.assertEqual(self.send(integ, headers={"Authorization": "Bearer " + token}).status, 202)
        # And back to none.
        doc = self.ok(self.c.call("PATCH", i, {"auth": "none"}), 200)
        self.assertNotIn("apiKeyId", doc)
        self.assertEqual(self.send(integ).status, 202)
        self.assertEqual(self.ok(self.c.call("PATCH", i, {"name": "renamed"}), 200)["name"],
                         "renamed")

    def test_capture_window_expires(self):
        integ = self.create()
        i = "/integrations/" + integ["id"]
        st = self.ok(self.c.call("GET", i + "/capture"), 200)
        self.assertEqual(st["status"], "expired")  # never opened
        self.ok(self.c.call("POST", i + "/capture"), 202)
        self.assertEqual(self.ok(self.c.call("GET", i + "/capture"), 200)["status"], "waiting")
        time.sleep(CAPTURE_SECONDS + 0.5)
        st = self.ok(self.c.call("GET", i + "/capture"), 200)
        self.assertEqual(st["status"], "expired", st)
        self.assertEqual(st["secondsLeft"], 0)
        self.assertNotIn("sample", st)
        self.assertError(self.send(integ), 409, "not_published")
        self.assertError(self.c.call("POST", i + "/apply"), 409)

    def test_capture_race_keeps_exactly_one_sample(self):
        key = self.new_key("race", ["incoming:execute"])
        integ = self.create(auth="jwt", apiKeyId=key["id"])
        token = self.issue(key["secret"])
        i = "/integrations/" + integ["id"]
        # Every responder is up before the race.
        self.assertEqual(len(self.server.responder_pids()), self.PROCS)
        self.ok(self.c.call("POST", i + "/capture"), 202)
        n = 16
        barrier = threading.Barrier(n)
        answers = [None] * n

        def send(k):
            try:
                barrier.wait(timeout=30)
                answers[k] = self.send(integ, b'{"i": %d}' % k,
                                       headers={"Authorization": "Bearer " + token})
            except Exception as e:  # reported below
                answers[k] = e

        threads = [threading.Thread(target=send, args=(k,)) for k in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        statuses = sorted(getattr(a, "status", repr(a)) for a in answers)
        winners = [k for k, a in enumerate(answers) if getattr(a, "status", None) == 202]
        self.assertEqual(len(winners), 1, statuses)
        self.assertEqual(statuses.count(409), n - 1, statuses)
        for a in answers:
            if a.status == 409:
                self.assertEqual(a.json()["error"], "not_published")
        won = answers[winners[0]].json()
        self.assertIs(won.get("sample"), True)
        st = self.ok(self.c.call("GET", i + "/capture"), 200)
        self.assertEqual(st["status"], "received")
        self.assertEqual(st["sample"]["eventId"], won["eventId"])
        self.assertEqual(st["sample"]["raw"]["body"], {"i": winners[0]})
        self.assertEqual(self.events(integ)["items"], [])

    def test_wrong_methods_and_routes(self):
        integ = self.create()
        i = "/integrations/" + integ["id"]
        for method, path, allow in (("PUT", "/integrations", "POST"), ("PUT", i, "PATCH"),
                                    ("GET", i + "/apply", "POST"), ("GET", i + "/publish", "POST"),
                                    ("DELETE", i + "/capture", "POST")):
            r = self.c.call(method, path)
            self.assertError(r, 405, "method_not_allowed")
            self.assertIn(allow, r.headers.get("Allow", ""), (method, path))
        self.assertError(self.c.call("GET", i + "/nothing"), 404, "not_found")
        self.assertError(self.c.call("GET", "/nothing"), 404, "not_found")

    # -- sessions --

    def sign_in(self, token):
        r = self.c.call("POST", "/session", {"token": token}, token=False)
        self.assertEqual(r.status, 200, r)
        cookie = r.headers.get("Set-Cookie", "")
        attrs = [a.strip() for a in cookie.split(";")]
        name, _, value = attrs[0].partition("=")
        self.assertTrue(name and len(value) >= 32, cookie)
        self.assertIn("HttpOnly", attrs)
        self.assertIn("SameSite=Strict", attrs)
        csrf = r.json()["csrfToken"]
        self.assertGreaterEqual(len(csrf), 32)
        self.assertNotIn(csrf, cookie)
        return "%s=%s" % (name, value), csrf

    def test_session_cookie_with_csrf(self):
        cookie, csrf = self.sign_in(self.admin["token"])
        jar = {"Cookie": cookie}
        self.assertEqual(self.c.call("GET", "/integrations", headers=jar, token=False).status, 200)
        before = len(self.ok(self.c.call("GET", "/apikeys?limit=500"), 200)["items"])
        r = self.c.call("POST", "/apikeys", {"name": "via-ui"}, headers=jar, token=False)
        self.assertError(r, 403)
        r = self.c.call("POST", "/apikeys", {"name": "via-ui"}, token=False,
                        headers=dict(jar, **{"X-CSRF-Token": "0" * len(csrf)}))
        self.assertError(r, 403)
        r = self.c.call("DELETE", "/integrations/" + str(uuid.uuid4()), headers=jar, token=False)
        self.assertError(r, 403)
        self.assertEqual(len(self.ok(self.c.call("GET", "/apikeys?limit=500"), 200)["items"]),
                         before, "a refused POST created a key")
        r = self.c.call("POST", "/apikeys", {"name": "via-ui"}, token=False,
                        headers=dict(jar, **{"X-CSRF-Token": csrf}))
        self.assertEqual(r.status, 201, r)
        # Sign-out clears the cookie and ends the session.
        r = self.c.call("DELETE", "/session", headers=dict(jar, **{"X-CSRF-Token": csrf}),
                        token=False)
        self.assertIn(r.status, (200, 204), r)
        cleared = r.headers.get("Set-Cookie", "")
        self.assertTrue(cleared.startswith(cookie.split("=")[0] + "=;")
                        or cleared.startswith(cookie.split("=")[0] + "=\"\""), cleared)
        self.assertTrue("Max-Age=0" in cleared or "Expires=Thu, 01 Jan 1970" in cleared, cleared)
        r = self.c.call("GET", "/integrations", headers=jar, token=False)
        self.assertError(r, 401, "unauthorized")

    def test_session_sign_in_refusals(self):
        self.assertError(self.c.call("POST", "/session", {}, token=False), 400, field="token")
        self.assertError(self.c.call("POST", "/session", {"token": "iat_nope"}, token=False), 401,
                         "unauthorized")
        self.assertError(self.c.call("POST", "/session", raw="{", token=False), 400,
                         "invalid_json")
        jar = {"Cookie": "incoming_session=" + "ab" * 32}
        self.assertError(self.c.call("GET", "/integrations", headers=jar, token=False), 401)

    def test_revoking_the_admin_token_ends_its_sessions(self):
        other = self.server.ctl_json("admin-token", "create", "--name", "ui-user")
        cookie, csrf = self.sign_in(other["token"])
        jar = {"Cookie": cookie}
        self.assertEqual(self.c.call("GET", "/apikeys", headers=jar, token=False).status, 200)
        self.server.ctl("admin-token", "revoke", other["id"])
        self.assertError(self.c.call("GET", "/apikeys", headers=jar, token=False), 401)
        self.assertError(self.c.call("POST", "/apikeys", {"name": "x"}, token=False,
                                     headers=dict(jar, **{"X-CSRF-Token": csrf})), 401)
        self.assertError(self.c.call("POST", "/session", {"token": other["token"]}, token=False),
                         401)


class AdminPaging(AdminBase):
    """A data directory of its own, so the collections hold exactly what
    these tests create."""

    PROCS = 2

    def test_integrations_are_paged_with_a_cursor(self):
        made = {self.create(name="p%d" % k)["id"] for k in range(7)}
        pages, cursor = [], None
        while True:
            path = "/integrations?limit=3" + ("&cursor=" + cursor if cursor else "")
            page = self.ok(self.c.call("GET", path), 200)
            self.assertEqual(set(page) - {"items", "next"}, set(), page)
            pages.append([i["id"] for i in page["items"]])
            cursor = page.get("next")
            if cursor is None:
                break
            self.assertIsInstance(cursor, str)
            self.assertLess(len(pages), 5, "paging does not end")
        self.assertEqual([len(p) for p in pages], [3, 3, 1], pages)
        self.assertEqual({i for p in pages for i in p}, made)
        whole = self.ok(self.c.call("GET", "/integrations"), 200)
        self.assertEqual(len(whole["items"]), 7)
        self.assertNotIn("next", whole)
        exact = self.ok(self.c.call("GET", "/integrations?limit=7"), 200)
        self.assertNotIn("next", exact)
        for q in ("cursor=not-a-cursor", "cursor=" + "g" * 36, "limit=0", "limit=501", "limit=x",
                  "limit=-1"):
            self.assertError(self.c.call("GET", "/integrations?" + q), 400)

    def test_api_keys_are_paged_with_a_cursor(self):
        made = {self.new_key("pk%d" % k)["id"] for k in range(4)}
        first = self.ok(self.c.call("GET", "/apikeys?limit=3"), 200)
        self.assertEqual(len(first["items"]), 3)
        rest = self.ok(self.c.call("GET", "/apikeys?limit=3&cursor=" + first["next"]), 200)
        self.assertEqual(len(rest["items"]), 1)
        self.assertNotIn("next", rest)
        self.assertEqual({k["id"] for k in first["items"] + rest["items"]}, made)
        self.assertError(self.c.call("GET", "/apikeys?cursor=zzz"), 400)


if __name__ == "__main__":
    harness.main()
