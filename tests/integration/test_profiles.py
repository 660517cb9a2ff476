#!/usr/bin/env python3
"""POST /v4/events/custom and GET /api/v1/profiles (SPEC 4.3 and 7) through a
real lighttpd and a real Apache 2.4 (mod_fcgid): Bearer tokens from /auth/token (missing, malformed, forged,
self-signed, revoked key, key without events:write), every validation error,
case-insensitive email, eventSalt replacement, the future-time clamp, exact
numbers in params, ten concurrent first events for one new email making
exactly one profile, and the list of recent profiles (GET /api/v1/profiles
without an identifier) paged newest first.

Choices checked here (the SPEC is silent): a token of a key without
events:write gets 403 insufficient_scope; a revoked key's token 401; only
tokens issued by /auth/token are accepted (a self-signed token with a kid is
401)."""

import base64
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PATH = "/v4/events/custom"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256(header, claims, key):
    signing = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = hmac.new(key, signing.encode(), hashlib.sha256).digest()
    return signing + "." + b64url(sig)


class ProfileCases:
    """Mixed into one TestCase per web server (KIND)."""

    KIND = None
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.KIND, procs=4).start()
        try:
            s = cls.server
            cls.admin = s.ctl_json("admin-token", "create", "--name", "profiles-test")["token"]
            cls.writer = cls.create_key("writer", ["events:write"])
            cls.executor = cls.create_key("executor", ["incoming:execute"])
            cls.token = cls.issue(cls.writer["secret"])
        except BaseException:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    # -- helpers --

    @classmethod
    def admin_request(cls, method, path, body=None):
        return cls.server.admin_api(cls.admin, method, path, body)

    @classmethod
    def create_key(cls, name, permissions):
        return cls.server.create_apikey(cls.admin, name, permissions)

    @classmethod
    def issue(cls, secret):
        r = cls.server.post_json("/auth/token", json.dumps({"apiKey": secret}))
        assert r.status == 200, r
        return r.json()["token"]

    def post(self, body, token=None, raw=False, headers=None):
        h = {"Authorization": "Bearer " + (token or self.token)}
        if token == "":
            h = {}
        h.update(headers or {})
        return self.server.post_json(PATH, body if raw else json.dumps(body), headers=h)

    def profile(self, **query):
        qs = "&".join("%s=%s" % (k, v) for k, v in query.items())
        return self.admin_request("GET", "/profiles" + ("?" + qs if qs else ""))

    def assertError(self, r, status, code):
        self.assertEqual(r.status, status, r)
        doc = r.json()
        self.assertEqual(set(doc), {"status", "error", "message"}, doc)
        self.assertEqual((doc["status"], doc["error"]), (status, code), doc)
        return doc

    def assertAccepted(self, r):
        self.assertEqual(r.status, 202, r)
        doc = r.json()
        self.assertEqual(set(doc), {"status", "eventId", "profileId"}, doc)
        self.assertEqual(doc["status"], 202)
        self.assertRegex(doc["eventId"], UUID_RE)
        self.assertRegex(doc["profileId"], UUID_RE)
        return doc

    def event(self, email, **kw):
        body = {"action": "goal.achieve", "client": {"email": email}, "params": {"g": "1"}}
        body.update(kw)
        return body

    # -- authentication --

    def test_missing_token_gets_401_with_a_bearer_challenge(self):
        r = self.post(self.event("a@example.com"), token="")
        self.assertError(r, 401, "unauthorized")
        self.assertEqual(r.headers.get("WWW-Authenticate"), 'Bearer realm="incoming"')
        r = self.post(self.event("a@example.com"), headers={"Authorization": "Basic eDp5"})
        self.assertError(r, 401, "unauthorized")

    def test_bad_tokens_get_401_invalid_token(self):
        now = int(time.time())
        claims = {"iss": "incoming", "sub": self.writer["id"], "iat": now, "exp": now + 600,
                  "jti": str(uuid.uuid4())}
        forged = hs256({"alg": "HS256", "typ": "JWT"}, claims, b"not the server key")
        self_signed = hs256({"alg": "HS256", "typ": "JWT", "kid": self.writer["id"]}, claims,
                            self.writer["secret"].encode())
        none_alg = (b64url(b'{"alg":"none","typ":"JWT"}') + "." +
                    b64url(json.dumps(claims).encode()) + ".")
        parts = self.token.split(".")
        tampered = parts[0] + "." + parts[1] + "." + b64url(b"\0" * 32)
        for bad in ("abc", forged, self_signed, none_alg, tampered):
            r = self.post(self.event("a@example.com"), token=bad)
            self.assertError(r, 401, "unauthorized")
            self.assertIn('error="invalid_token"', r.headers.get("WWW-Authenticate", ""))

    def test_key_without_events_write_gets_403(self):
        token = self.issue(self.executor["secret"])
        r = self.post(self.event("a@example.com"), token=token)
        self.assertError(r, 403, "forbidden")
        self.assertIn('error="insufficient_scope"', r.headers.get("WWW-Authenticate", ""))

    def test_revoked_key_gets_401(self):
        key = self.create_key("short-lived", ["events:write"])
        token = self.issue(key["secret"])
        self.assertAccepted(self.post(self.event("revoked@example.com"), token=token))
        r = self.admin_request("DELETE", "/apikeys/" + key["id"])
        self.assertIn(r.status, (200, 204), r)
        r = self.post(self.event("revoked@example.com"), token=token)
        self.assertError(r, 401, "unauthorized")

    # -- request checks --

    def test_only_post_is_allowed(self):
        r = self.server.request("GET", PATH, headers={"Authorization": "Bearer " + self.token})
        self.assertError(r, 405, "method_not_allowed")
        self.assertEqual(r.headers.get("Allow"), "POST")

    def test_invalid_json_and_large_bodies_are_refused(self):
        self.assertError(self.post(b'{"action": ', raw=True), 400, "invalid_json")
        big = json.dumps(self.event("big@example.com", params={"x": "y" * (300 * 1024)}))
        self.assertError(self.post(big, raw=True), 413, "payload_too_large")
        r = self.post(self.event("a@example.com"), headers={"Content-Type": "text/plain"})
        self.assertError(r, 415, "unsupported_media_type")

    def test_each_invalid_field_is_named(self):
        good = {"action": "a", "client": {"email": "v@example.com"}}
        cases = [
            ([], "body:"),
            ({"client": {"email": "v@example.com"}}, "action:"),
            (dict(good, action=""), "action:"),
            (dict(good, action="x" * 33), "action:"),
            (dict(good, action="has space"), "action:"),
            (dict(good, action="ünï"), "action:"),
            (dict(good, label=5), "label:"),
            ({"action": "a"}, "client:"),
            (dict(good, client={}), "client:"),
            (dict(good, client="v@example.com"), "client:"),
            (dict(good, client={"email": "not-an-address"}), "client.email:"),
            (dict(good, client={"customId": ""}), "client.customId:"),
            (dict(good, client={"uuid": "1234"}), "client.uuid:"),
            (dict(good, client={"id": -3}), "client.id:"),
            (dict(good, params=[1]), "params:"),
            (dict(good, params="x"), "params:"),
            (dict(good, time="28/04/2021"), "time:"),
            (dict(good, time="2021-02-30T00:00:00Z"), "time:"),
            (dict(good, time=1619618967000), "time:"),
            (dict(good, eventSalt=""), "eventSalt:"),
            (dict(good, eventSalt=7), "eventSalt:"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                doc = self.assertError(self.post(body), 400, "invalid_event")
                self.assertTrue(doc["message"].startswith(field), doc["message"])
        self.assertEqual(self.post(good).status, 202)

    # -- profiles --

    def test_email_is_case_insensitive_and_events_come_newest_first(self):
        a = self.assertAccepted(self.post(self.event(
            "Case.Test@Example.COM", time="2021-04-28T14:09:27.000Z",
            params={"n": 1, "big": 9007199254740993})))
        b = self.assertAccepted(self.post(self.event(
            "case.test@example.com", time="2021-04-28T17:09:27+02:00", label="second")))
        self.assertEqual(a["profileId"], b["profileId"])
        self.assertNotEqual(a["eventId"], b["eventId"])
        r = self.profile(email="CASE.TEST%40example.com")
        self.assertEqual(r.status, 200, r)
        text = r.body.decode()
        self.assertIn("9007199254740993", text)  # exact, not rounded
        doc = r.json()
        self.assertEqual(doc["id"], a["profileId"])
        self.assertEqual(doc["identifiers"], {"email": "Case.Test@Example.COM"})
        events = doc["events"]
        self.assertEqual([e["eventId"] for e in events], [b["eventId"], a["eventId"]])
        self.assertEqual([e["time"] for e in events],
                         ["2021-04-28T15:09:27.000Z", "2021-04-28T14:09:27.000Z"])
        first = [e for e in events if e["eventId"] == a["eventId"]][0]
        self.assertEqual(first["action"], "goal.achieve")
        self.assertEqual(first["params"]["n"], 1)
        self.assertNotIn("label", first)
        second = [e for e in events if e["eventId"] == b["eventId"]][0]
        self.assertEqual(second["label"], "second")

    def test_newest_first_by_event_time(self):
        ids = []
        for t in ("2020-01-01T00:00:00Z", "2022-01-01T00:00:00Z", "2021-01-01T00:00:00Z"):
            ids.append(self.assertAccepted(self.post(self.event("order@example.com", time=t))))
        events = self.profile(email="order@example.com").json()["events"]
        self.assertEqual([e["eventId"] for e in events],
                         [ids[1]["eventId"], ids[2]["eventId"], ids[0]["eventId"]])

    def test_repeated_salt_replaces_the_event(self):
        a = self.assertAccepted(self.post(self.event(
            "salt@example.com", eventSalt="order-1", params={"v": 1})))
        b = self.assertAccepted(self.post(self.event(
            "SALT@example.com", eventSalt="order-1", params={"v": 2})))
        self.assertEqual(a["eventId"], b["eventId"])
        other = self.assertAccepted(self.post(self.event(
            "salt@example.com", action="other.action", eventSalt="order-1")))
        self.assertNotEqual(other["eventId"], a["eventId"])
        events = self.profile(email="salt@example.com").json()["events"]
        self.assertEqual(len(events), 2)
        same = [e for e in events if e["eventId"] == a["eventId"]]
        self.assertEqual(len(same), 1)
        self.assertEqual(same[0]["params"], {"v": 2})
        self.assertEqual(same[0]["eventSalt"], "order-1")

    def test_future_time_is_replaced_by_receipt_time(self):
        t0 = int(time.time() * 1000)
        a = self.assertAccepted(self.post(self.event("future@example.com",
                                                     time="2999-01-01T00:00:00Z")))
        t1 = int(time.time() * 1000)
        ev = self.profile(email="future@example.com").json()["events"][0]
        self.assertEqual(ev["eventId"], a["eventId"])
        self.assertTrue(t0 - 1000 <= ev["receivedAt"] <= t1 + 1000, ev)
        stamp = time.strptime(ev["time"][:19], "%Y-%m-%dT%H:%M:%S")
        secs = time.mktime(stamp) - time.timezone  # as UTC
        self.assertTrue(t0 / 1000 - 2 <= secs <= t1 / 1000 + 1, ev)
        self.assertTrue(ev["time"].endswith("Z"))
        # No time at all: receipt time too.
        self.assertAccepted(self.post({"action": "a", "client": {"email": "future@example.com"}}))

    def test_other_identifiers_are_attached_and_findable(self):
        cid, uid = "cust-%s" % uuid.uuid4(), str(uuid.uuid4()).upper()
        a = self.assertAccepted(self.post({"action": "a", "client": {"customId": cid}}))
        b = self.assertAccepted(self.post({"action": "a", "client": {
            "email": "attach@example.com", "customId": cid, "uuid": uid, "id": 12345}}))
        self.assertEqual(a["profileId"], b["profileId"])
        for q in ({"email": "attach@example.com"}, {"customId": cid}, {"uuid": uid.lower()},
                  {"uuid": uid}, {"id": "12345"}):
            r = self.profile(**q)
            self.assertEqual(r.status, 200, (q, r))
            self.assertEqual(r.json()["id"], a["profileId"])
        ids = self.profile(customId=cid).json()["identifiers"]
        self.assertEqual(ids, {"customId": cid, "email": "attach@example.com",
                               "uuid": uid.lower(), "id": 12345})

    def test_profiles_api_errors(self):
        self.assertError(self.profile(email=""), 400, "invalid_request")
        self.assertError(self.profile(customId="", limit=5), 400, "invalid_request")
        self.assertError(self.profile(email="nobody@example.com"), 404, "not_found")
        r = self.server.request("GET", "/api/v1/profiles?email=a@example.com")
        self.assertError(r, 401, "unauthorized")

    # -- the list of recent profiles --

    def list_all(self, limit):
        """Every page of GET /profiles with ?limit=limit, in order."""
        pages, cursor = [], None
        while True:
            q = {"limit": limit}
            if cursor:
                q["cursor"] = cursor
            r = self.profile(**q)
            self.assertEqual(r.status, 200, r)
            page = r.json()
            self.assertLessEqual(set(page), {"items", "next"}, page)
            self.assertLessEqual(len(page["items"]), limit)
            pages.append(page["items"])
            cursor = page.get("next")
            if not cursor:
                return pages
            self.assertEqual(len(page["items"]), limit, page)
            self.assertLess(len(pages), 1000, "the list does not end")

    def test_list_pages_through_recent_profiles_newest_first(self):
        tag = uuid.uuid4().hex[:8]
        ids = []
        for i in range(5):
            email = "list-%s-%d@example.com" % (tag, i)
            ids.append(self.assertAccepted(self.post(self.event(email, params={"i": i})))["profileId"])
        self.assertAccepted(self.post({"action": "goal.achieve",
                                       "client": {"customId": "list-%s" % tag}}))
        client_id = int(tag, 16)
        self.assertAccepted(self.post({"action": "goal.achieve", "client": {"id": client_id}}))
        # Profile 1 gets two more events: it moves to the top and shows 3.
        for _ in range(2):
            self.assertAccepted(self.post(self.event("LIST-%s-1@example.com" % tag)))
        pages = self.list_all(2)
        self.assertGreaterEqual(len(pages), 4)
        items = [it for page in pages for it in page]
        seen = [it["id"] for it in items]
        self.assertEqual(len(seen), len(set(seen)), "a profile is listed twice")
        for it in items:
            self.assertLessEqual(set(it), {"id", "email", "customId", "uuid", "clientId", "updatedAt",
                                          "eventCount"}, it)
            self.assertNotIn("events", it)
            self.assertRegex(it["id"], UUID_RE)
        times = [it["updatedAt"] for it in items]
        self.assertEqual(times, sorted(times, reverse=True))
        # Events in one millisecond tie; the order then is any, so the
        # checks below compare updatedAt rather than positions.
        by_id = {it["id"]: it for it in items}
        self.assertLessEqual(set(ids), set(by_id))
        first = by_id[ids[1]]
        self.assertEqual((first["email"], first["eventCount"]), ("list-%s-1@example.com" % tag, 3))
        self.assertEqual(first["updatedAt"], items[0]["updatedAt"], "the profile updated last is not first")
        custom = [it for it in items if it.get("customId") == "list-%s" % tag]
        self.assertEqual(len(custom), 1, items)
        self.assertNotIn("email", custom[0])
        self.assertEqual(custom[0]["eventCount"], 1)
        order = [ids[1], custom[0]["id"], ids[4], ids[3], ids[2], ids[0]]
        stamps = [by_id[i]["updatedAt"] for i in order]
        self.assertEqual(stamps, sorted(stamps, reverse=True), order)
        self.assertEqual([by_id[i]["eventCount"] for i in ids], [1, 3, 1, 1, 1])
        client = [it for it in items if it.get("clientId") == client_id]
        self.assertEqual(len(client), 1, items)
        self.assertEqual(set(client[0]), {"id", "clientId", "updatedAt", "eventCount"})
        # The same list in one page.
        one = self.list_all(500)
        self.assertEqual([it["id"] for it in one[0]][:len(seen)], seen)

    def test_list_refuses_bad_limits_and_cursors(self):
        self.assertError(self.profile(limit=0), 400, "invalid_request")
        self.assertError(self.profile(limit=501), 400, "invalid_request")
        self.assertError(self.profile(limit="x"), 400, "invalid_request")
        doc = self.assertError(self.profile(cursor="zz"), 400, "invalid_request")
        self.assertIn("cursor", doc["message"])
        self.assertError(self.profile(cursor="0" * 87 + "g"), 400, "invalid_request")
        self.assertError(self.profile(cursor="0" * 200), 400, "invalid_request")
        r = self.server.request("GET", "/api/v1/profiles")
        self.assertError(r, 401, "unauthorized")
        r = self.admin_request("POST", "/profiles", {})
        self.assertEqual(r.status, 405, r)

    def test_concurrent_first_events_make_one_profile(self):
        email = "race-%s@example.com" % uuid.uuid4().hex[:8]
        results, errors = [], []
        barrier = threading.Barrier(10)

        def send(i):
            try:
                barrier.wait()
                r = self.post(self.event(email.upper() if i % 2 else email, params={"i": i}))
                results.append(r)
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=send, args=(i,)) for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])
        self.assertEqual([r.status for r in results], [202] * 10, results)
        profiles = {r.json()["profileId"] for r in results}
        self.assertEqual(len(profiles), 1, profiles)
        doc = self.profile(email=email).json()
        self.assertEqual(doc["id"], profiles.pop())
        self.assertEqual(len(doc["events"]), 10)
        self.assertEqual(sorted(e["params"]["i"] for e in doc["events"]), list(range(10)))


class LighttpdProfiles(ProfileCases, unittest.TestCase):
    KIND = "lighttpd"


@unittest.skipUnless(harness.have_apache(), "apache2 with mod_fcgid not available (or not root)")
class ApacheProfiles(ProfileCases, unittest.TestCase):
    KIND = "apache"


if __name__ == "__main__":
    harness.main()
