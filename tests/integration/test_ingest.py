#!/usr/bin/env python3
"""POST /incoming/{endpointId} and GET /healthz through a real lighttpd
(mod_fastcgi) and a real Apache 2.4 (mod_fcgid): every status code of SPEC
4.1 that issue 2 covers, the stored envelope (SPEC 5), the error body shape,
and mounting under a base path. The same cases run against both servers."""

import os
import re
import sys
import time
import unittest
import uuid

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import RawNumber, Server  # noqa: E402

MAX_BODY = 4096
MAX_DEPTH = 8
PROFILE_ID = 611
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
# Event ids are time-ordered (RFC 9562 version 7; docs/storage.md).
EVENT_ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
LINE_COL_RE = re.compile(r"line (\d+), column (\d+)")

# Odd spacing and numbers that no double holds: the stored body must keep
# every byte.
EXACT_BODY = (b'{ "n":9007199254740993,  "big": 1e400, "f" :0.1, "neg": -0.0,\n'
              b' "s": "caf\xc3\xa9 \\u00e9 \\"q\\"", "a": [1, {"b": null}, []], "o": {},'
              b' "dup": 1, "dup": 2 }')


class IngestCases:
    """Mixed into one TestCase per web server (KIND)."""

    KIND = None
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.KIND, conf={"max_body_bytes": MAX_BODY,
                                            "max_json_depth": MAX_DEPTH,
                                            "business_profile_id": PROFILE_ID}).start()
        try:
            s = cls.server
            cls.live = s.create_integration("live")
            cls.draft = s.create_integration("draft", publish=False)
            cls.unpublished = s.create_integration("unpublished")
            s.ctl("integration", "unpublish", cls.unpublished["id"], json_out=False)
            cls.deleted = s.create_integration("deleted")
            s.ctl("integration", "delete", cls.deleted["id"], json_out=False)
        except BaseException:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    # -- helpers --

    def url(self, integ):
        return "/incoming/" + integ["endpointId"]

    def post(self, integ_or_path, body, **kw):
        path = integ_or_path if isinstance(integ_or_path, str) else self.url(integ_or_path)
        return self.server.post_json(path, body, **kw)

    def assertJsonType(self, r):
        ct = r.headers.get("Content-Type", "")
        self.assertTrue(ct.startswith("application/json"), "Content-Type %r" % ct)

    def assertError(self, r, status, code):
        """The SPEC 4 error body: exactly status/error/message, JSON."""
        self.assertEqual(r.status, status, r)
        self.assertJsonType(r)
        doc = r.json()
        self.assertEqual(set(doc), {"status", "error", "message"}, doc)
        self.assertEqual(doc["status"], status)
        self.assertEqual(doc["error"], code)
        self.assertIsInstance(doc["message"], str)
        self.assertTrue(doc["message"])
        # Nothing revealing: no paths of the machine.
        self.assertNotIn(self.server.tmp, doc["message"])
        self.assertNotIn("/usr/", doc["message"])
        return doc

    def assertAccepted(self, r, integ):
        self.assertEqual(r.status, 202, r)
        self.assertJsonType(r)
        doc = r.json()
        self.assertEqual(set(doc), {"status", "eventId", "endpointId"}, doc)
        self.assertEqual(doc["status"], 202)
        self.assertEqual(doc["endpointId"], integ["endpointId"])
        self.assertRegex(doc["eventId"], EVENT_ID_RE)
        # Its first 48 bits are the receipt time in milliseconds.
        ms = int(doc["eventId"][:8] + doc["eventId"][9:13], 16)
        self.assertLess(abs(ms - time.time() * 1000), 60000, doc["eventId"])
        return doc["eventId"]

    def assertInvalidJson(self, body, line=None, column=None):
        r = self.post(self.live, body)
        doc = self.assertError(r, 400, "invalid_json")
        m = LINE_COL_RE.search(doc["message"])
        self.assertIsNotNone(m, "no line/column in %r" % doc["message"])
        if line is not None:
            self.assertEqual((int(m.group(1)), int(m.group(2))), (line, column), doc["message"])
        return doc

    # -- 202 and the stored envelope --

    def test_accepted_event_is_stored_with_the_exact_envelope(self):
        t0 = int(time.time() * 1000)
        r = self.post("%s?a=1&b=hello%%20world&c=x+y&a=2&e=%%C3%%A9" % self.url(self.live),
                      EXACT_BODY,
                      headers={"X-Request-ID": "req-42", "Authorization": "Bearer s3cret",
                               "Cookie": "session=s3cret", "x-custom-HEADER": "v1",
                               "X-Forwarded-Host": "example.org"})
        t1 = int(time.time() * 1000)
        event_id = self.assertAccepted(r, self.live)
        raw, shown = self.server.show_event(event_id)
        # Byte-exact body in storage (incomingctl re-prints it).
        self.assertTrue(self.server.data_files_contain(EXACT_BODY),
                        "the body's bytes are not in data_dir")
        self.assertNotIn("s3cret", raw)
        self.assertFalse(self.server.data_files_contain(b"s3cret"), "a redacted header was stored")
        ev = shown["event"]
        self.assertEqual(ev["eventId"], event_id)
        self.assertEqual(ev["endpointId"], self.live["endpointId"])
        self.assertEqual(ev["method"], "POST")
        self.assertEqual(ev["businessProfileId"], RawNumber(str(PROFILE_ID)))
        self.assertTrue(t0 - 1000 <= int(ev["time"]) <= t1 + 1000, ev["time"])
        self.assertEqual(int(event_id[:8] + event_id[9:13], 16), int(ev["time"]))  # ordered id
        body = ev["body"]
        self.assertEqual(body["n"], "9007199254740993")
        self.assertEqual(body["big"], "1e400")
        self.assertEqual(body["f"], "0.1")
        self.assertEqual(body["neg"], "-0.0")
        self.assertEqual(body["s"], 'café é "q"')
        self.assertEqual(body["dup"], "2")  # last duplicate wins
        hdrs = ev["headers"]
        self.assertEqual(hdrs.get("X-Request-Id"), "req-42")
        self.assertEqual(hdrs.get("X-Custom-Header"), "v1")
        self.assertEqual(hdrs.get("X-Forwarded-Host"), "example.org")
        lower = {k.lower() for k in hdrs}
        self.assertNotIn("authorization", lower)
        self.assertNotIn("cookie", lower)
        for name in hdrs:  # canonical: every hyphen-separated word capitalised
            self.assertEqual(name, "-".join(w[:1].upper() + w[1:].lower()
                                            for w in name.split("-")), hdrs)
        self.assertEqual(ev["query"], {"a": "2", "b": "hello world", "c": "x y", "e": "é"})
        flat = {item["key"]: item for item in shown["flattened"]}
        self.assertEqual(flat["body.n"]["value"], "9007199254740993")
        self.assertEqual(flat["body.n"]["type"], "number")
        self.assertEqual(flat["body.big"]["value"], "1e400")
        self.assertEqual(flat["body.f"]["value"], "0.1")
        self.assertEqual(flat['headers["X-Request-Id"]']["value"], "req-42")
        self.assertEqual(flat["body.o"]["type"], "object")
        self.assertEqual(flat["body.a[2]"]["type"], "array")
        self.assertEqual(flat["method"]["value"], "POST")
        self.assertIn("time", flat)

    def test_media_types_with_json_suffix_and_charset_are_accepted(self):
        for ct in ("application/cloudevents+json", "application/json; charset=utf-8",
                   "Application/JSON;charset=UTF-8"):
            with self.subTest(content_type=ct):
                r = self.post(self.live, b'{"ok": true}', content_type=ct)
                self.assertAccepted(r, self.live)

    def test_chunked_body_within_the_limit_is_accepted(self):
        r = self.post(self.live, iter([b'{"chunked": ', b'[1, 2, 3]}']))
        event_id = self.assertAccepted(r, self.live)
        _, shown = self.server.show_event(event_id)
        self.assertEqual(shown["event"]["body"], {"chunked": ["1", "2", "3"]})
        self.assertTrue(self.server.data_files_contain(b'{"chunked": [1, 2, 3]}'))

    # -- 404 / 410 --

    def test_unknown_endpoint_gets_404(self):
        self.assertError(self.post("/incoming/" + str(uuid.uuid4()), b"{}"), 404, "not_found")

    def test_malformed_endpoint_id_gets_404(self):
        for path in ("/incoming/not-a-uuid", "/incoming/" + self.live["endpointId"] + "x",
                     "/incoming/" + self.live["endpointId"].upper() + "/extra"):
            with self.subTest(path=path):
                self.assertError(self.post(path, b"{}"), 404, "not_found")

    def test_deleted_integration_gets_410(self):
        self.assertError(self.post(self.deleted, b"{}"), 410, "gone")
        # Check 1 comes before the method check.
        self.assertError(self.server.request("GET", self.url(self.deleted)), 410, "gone")

    # -- 405 --

    def test_other_methods_get_405_with_allow_post(self):
        for method, body in (("GET", None), ("PUT", b"{}"), ("DELETE", None), ("PATCH", b"{}")):
            with self.subTest(method=method):
                h = {"Content-Type": "application/json"} if body else {}
                r = self.server.request(method, self.url(self.live), body=body, headers=h)
                self.assertError(r, 405, "method_not_allowed")
                self.assertEqual(r.headers.get("Allow"), "POST")
        # Unknown endpoint: 404 comes first.
        r = self.server.request("GET", "/incoming/" + str(uuid.uuid4()))
        self.assertError(r, 404, "not_found")

    # -- 415 --

    def test_non_json_media_types_get_415(self):
        for ct in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                   "application/+json", "text/json", "multipart/form-data; boundary=x"):
            with self.subTest(content_type=ct):
                r = self.post(self.live, b'{"a": 1}', content_type=ct)
                self.assertError(r, 415, "unsupported_media_type")

    def test_missing_content_type_gets_415(self):
        r = self.post(self.live, b'{"a": 1}', content_type=None)
        self.assertError(r, 415, "unsupported_media_type")

    def test_method_is_checked_before_media_type(self):
        r = self.server.request("PUT", self.url(self.live), body=b"x",
                                headers={"Content-Type": "text/plain"})
        self.assertError(r, 405, "method_not_allowed")

    # -- 413 --

    def test_body_over_max_body_bytes_gets_413(self):
        big = b'{"pad": "' + b"x" * MAX_BODY + b'"}'
        self.assertError(self.post(self.live, big), 413, "payload_too_large")
        # Exactly at the limit is fine.
        at = b'{"p": "' + b"y" * (MAX_BODY - 9) + b'"}'
        self.assertEqual(len(at), MAX_BODY)
        self.assertAccepted(self.post(self.live, at), self.live)

    def test_media_type_is_checked_before_size(self):
        big = b"x" * (MAX_BODY * 2)
        r = self.post(self.live, big, content_type="text/plain")
        self.assertError(r, 415, "unsupported_media_type")

    def test_size_is_checked_before_json(self):
        r = self.post(self.live, b"[" * (MAX_BODY + 1))
        self.assertError(r, 413, "payload_too_large")

    def test_chunked_body_over_max_body_bytes_gets_413(self):
        chunks = [b'{"pad": "'] + [b"z" * 1024] * 6 + [b'"}']
        r = self.post(self.live, iter(chunks))
        if r.status == 411:
            self.skipTest("%s does not pass chunked request bodies" % self.KIND)
        self.assertError(r, 413, "payload_too_large")

    # -- 400 --

    def test_empty_body_gets_400(self):
        self.assertInvalidJson(b"")
        self.assertInvalidJson(b"  \r\n ")

    def test_invalid_json_gets_400_with_line_and_column(self):
        self.assertInvalidJson(b'{"a": 1,\n  "b": }', line=2, column=8)
        self.assertInvalidJson(b"{'a': 1}", line=1, column=2)
        self.assertInvalidJson(b'{"a": 01}')
        self.assertInvalidJson(b'{"a": NaN}')
        self.assertInvalidJson(b'[1, 2,]')

    def test_trailing_bytes_get_400(self):
        self.assertInvalidJson(b'{"a": 1} x', line=1, column=10)
        self.assertInvalidJson(b'{"a": 1}{"b": 2}')
        self.assertInvalidJson(b'1 2')

    def test_invalid_utf8_gets_400(self):
        self.assertInvalidJson(b'{"a": "\xff"}', line=1, column=8)
        self.assertInvalidJson(b'{"a": "\xc0\xaf"}')  # overlong '/'
        self.assertInvalidJson(b'{"a": "\xed\xa0\x80"}')  # surrogate

    def test_nesting_over_max_json_depth_gets_400(self):
        ok = b"[" * MAX_DEPTH + b"1" + b"]" * MAX_DEPTH
        self.assertAccepted(self.post(self.live, ok), self.live)
        deep = b"[" * (MAX_DEPTH + 1) + b"1" + b"]" * (MAX_DEPTH + 1)
        doc = self.assertInvalidJson(deep, line=1, column=MAX_DEPTH + 1)
        self.assertIn("nesting", doc["message"])

    def test_json_is_checked_before_state(self):
        doc = self.assertError(self.post(self.draft, b"{"), 400, "invalid_json")
        self.assertRegex(doc["message"], LINE_COL_RE)

    # -- 409 --

    def test_draft_integration_gets_409(self):
        self.assertError(self.post(self.draft, b'{"a": 1}'), 409, "not_published")

    def test_unpublished_integration_gets_409(self):
        self.assertError(self.post(self.unpublished, b'{"a": 1}'), 409, "not_published")

    # -- healthz --

    def test_healthz_reports_ok_with_counters(self):
        r = self.server.get("/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertJsonType(r)
        doc = r.json()
        self.assertEqual(set(doc), {"status", "storage", "queued", "retrying", "runners"}, doc)
        self.assertEqual(doc["status"], "ok")
        self.assertEqual(doc["storage"], "ok")
        for k in ("queued", "retrying", "runners"):
            self.assertIsInstance(doc[k], int)
            self.assertGreaterEqual(doc[k], 0)


class LighttpdIngest(IngestCases, unittest.TestCase):
    KIND = "lighttpd"


@unittest.skipUnless(harness.have_apache(), "apache2 with mod_fcgid not available (or not root)")
class ApacheIngest(IngestCases, unittest.TestCase):
    KIND = "apache"


class UnavailableCases:
    """A data_dir whose environment cannot be opened (never initialised)."""

    KIND = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.KIND, init=False).start(wait_status=(503,))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def assertUnavailable(self, r):
        self.assertEqual(r.status, 503, r)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/json"))
        doc = r.json()
        self.assertEqual(set(doc), {"status", "error", "message"}, doc)
        self.assertEqual(doc["status"], 503)
        self.assertEqual(doc["error"], "unavailable")
        self.assertNotIn(self.server.tmp, doc["message"])
        retry = r.headers.get("Retry-After")
        self.assertIsNotNone(retry)
        self.assertRegex(retry, r"^\d+$")

    def test_post_gets_503_with_retry_after(self):
        r = self.server.post_json("/incoming/" + str(uuid.uuid4()), b'{"a": 1}')
        self.assertUnavailable(r)

    def test_healthz_gets_503(self):
        self.assertUnavailable(self.server.get("/healthz"))


class LighttpdUnavailable(UnavailableCases, unittest.TestCase):
    KIND = "lighttpd"


@unittest.skipUnless(harness.have_apache(), "apache2 with mod_fcgid not available (or not root)")
class ApacheUnavailable(UnavailableCases, unittest.TestCase):
    KIND = "apache"


class LighttpdBasePath(unittest.TestCase):
    """The app mounted under /incoming-app with base_path set to match."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("lighttpd", base="/incoming-app").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_routes_work_under_the_prefix(self):
        s = self.server
        integ = s.create_integration("prefixed")
        self.assertEqual(integ["endpointUrl"], "http://127.0.0.1:%d/incoming-app/incoming/%s"
                         % (s.port, integ["endpointId"]))
        r = s.post_json("/incoming/" + integ["endpointId"], b'{"under": "prefix"}')
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json()["endpointId"], integ["endpointId"])
        self.assertEqual(s.get("/healthz").status, 200)
        r = s.post_json("/incoming/" + str(uuid.uuid4()), b"{}")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["error"], "not_found")
        # Without the prefix nothing reaches the app.
        r = s.request("POST", "/incoming/" + integ["endpointId"], body=b"{}",
                      headers={"Content-Type": "application/json"})
        self.assertNotEqual(r.status, 202)


class LighttpdCatalogFreshness(unittest.TestCase):
    """A responder keeps integrations, API keys and workflows between
    requests (src/catalog.c). One responder here, so each request finds
    what the last one kept; every change below is made behind its back
    (incomingctl, or the admin API) and the very next request must see it."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("lighttpd", procs=1, conf={"outgoing_allow_private": "yes"}).start()
        try:
            cls.admin = cls.server.ctl_json("admin-token", "create")["token"]
        except BaseException:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def post(self, integ, headers=None):
        return self.server.post_json("/incoming/" + integ["endpointId"], b'{"k": 1}',
                                     headers=headers)

    def test_publish_unpublish_and_delete_behind_the_responders_back(self):
        s = self.server
        integ = s.create_integration("fresh", publish=False)
        self.assertEqual(self.post(integ).status, 409)
        self.assertEqual(self.post(integ).status, 409)
        s.ctl("integration", "publish", integ["id"])
        self.assertEqual(self.post(integ).status, 202)
        s.ctl("integration", "unpublish", integ["id"])
        self.assertEqual(self.post(integ).status, 409)
        s.ctl("integration", "publish", integ["id"])
        self.assertEqual(self.post(integ).status, 202)
        s.ctl("integration", "delete", integ["id"])
        self.assertEqual(self.post(integ).status, 410)

    def test_auth_change_and_key_revocation_are_seen_at_once(self):
        s = self.server
        integ = s.create_integration("auth-change")
        self.assertEqual(self.post(integ).status, 202)
        key = s.create_apikey(self.admin, "fresh", ["incoming:execute"])
        r = s.admin_api(self.admin, "PATCH", "/integrations/" + integ["id"],
                        {"auth": "jwt", "apiKeyId": key["id"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.post(integ).status, 401)  # kept as auth none: refused now
        token = s.post_json("/auth/token", '{"apiKey": "%s"}' % key["secret"]).json()["token"]
        bearer = {"Authorization": "Bearer " + token}
        self.assertEqual(self.post(integ, bearer).status, 202)
        s.ctl("apikey", "revoke", key["id"])
        self.assertEqual(self.post(integ, bearer).status, 401)

    def test_workflow_published_later_gets_the_next_event(self):
        s = self.server
        integ = s.create_integration("wf-later")
        ev = self.post(integ).json()["eventId"]
        r = s.admin_api(self.admin, "GET", "/events/" + ev)
        self.assertEqual(r.json()["runs"], [])
        doc = {"name": "later", "nodes": [
            {"id": "trigger", "type": "business_event", "integrationId": integ["id"]},
            {"id": "send", "type": "outgoing_integration", "method": "POST",
             "action": "later", "url": "http://127.0.0.1:9/nowhere", "body": "{}"},
            {"id": "end", "type": "end"}],
            "edges": [["trigger", "send"], ["send", "end"]], "state": "published"}
        r = s.admin_api(self.admin, "POST", "/workflows", doc)
        self.assertEqual(r.status, 201, r)
        ev = self.post(integ).json()["eventId"]
        runs = s.admin_api(self.admin, "GET", "/events/" + ev).json()["runs"]
        self.assertEqual(len(runs), 1, runs)
        s.ctl("workflow", "unpublish", r.json()["id"])
        ev = self.post(integ).json()["eventId"]
        self.assertEqual(s.admin_api(self.admin, "GET", "/events/" + ev).json()["runs"], [])


if __name__ == "__main__":
    harness.main()
