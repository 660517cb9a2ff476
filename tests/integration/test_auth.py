#!/usr/bin/python3
"""Authentication of incoming requests (SPEC 4.1, 4.2, 6) over HTTP through a
real lighttpd (mod_fastcgi) and a real Apache 2.4 (mod_fcgid, which passes
Authorization only with CGIPassAuth): JWT integrations against the whole
attack list, POST /auth/token, signed webhooks (standard-webhooks, github,
custom), deduplication (headers, dedupParams, concurrent duplicates across
responders) and the per-integration rate limit shared by all responders.

Independent tokens come from Debian's python3-jwt (PyJWT), hence the
/usr/bin/python3 shebang; hostile tokens are put together by hand here.
Webhook signatures are computed here with hmac/hashlib/base64.

The web servers' own header limits (lighttpd 8 KiB, Apache 8190 bytes) would
answer a 16 KiB Authorization header before incoming sees it; the servers
here raise them so that the 16 KiB token reaches the responder."""

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

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server  # noqa: E402

try:
    import jwt  # Debian's python3-jwt
except ImportError:  # pragma: no cover - depends on the machine
    sys.stderr.write("SKIP: python3-jwt (PyJWT) is not installed for %s\n" % sys.executable)
    sys.exit(harness.SKIP)

# Event ids are time-ordered (RFC 9562 version 7; docs/storage.md).
EVENT_ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
LEEWAY = 60
BODY = b'{"order_id": 42, "email": "a@example.com"}'
REALM_ONLY = 'Bearer realm="incoming"'
INVALID_RE = re.compile(r'^Bearer realm="incoming", error="invalid_token", '
                        r'error_description="[^"\\]*"$')
SCOPE_RE = re.compile(r'^Bearer realm="incoming", error="insufficient_scope", '
                      r'error_description="[^"\\]*"$')


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header, payload, key, alg=hashlib.sha256):
    """A JWS from raw header/payload bytes (so duplicates and odd JSON
    survive), MACed with key (None: empty signature)."""
    signing = b64url(header) + "." + b64url(payload)
    if key is None:
        return signing + "."
    return signing + "." + b64url(hmac.new(key, signing.encode(), alg).digest())


def sw_sign(secret, msg_id, ts, body):
    """Standard Webhooks: v1,<base64 HMAC-SHA256 of id.timestamp.body>."""
    key = base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, b"%s.%s.%s" % (msg_id.encode(), str(ts).encode(), body),
                   hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


class BigHeaderServer(Server):
    """A Server whose web server lets 64 KiB request headers through."""

    def _lighttpd_conf(self):
        argv = super()._lighttpd_conf()
        with open(os.path.join(self.tmp, "lighttpd.conf"), "a") as f:
            f.write("server.max-request-field-size = 65536\n")
        return argv

    def _apache_conf(self):
        argv = super()._apache_conf()
        with open(os.path.join(self.tmp, "apache2.conf"), "a") as f:
            f.write("LimitRequestFieldSize 65536\n")
        return argv


class AuthCases:
    """Mixed into one TestCase per web server (KIND)."""

    KIND = None
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = BigHeaderServer(cls.KIND, procs=4,
                                     conf={"jwt_leeway_seconds": LEEWAY}).start()
        try:
            cls.admin = cls.server.ctl_json("admin-token", "create", "--name", "auth-test")["token"]
            cls.key = cls.create_key("main", ["incoming:execute"])
            cls.other = cls.create_key("other", ["incoming:execute", "events:write"])
            cls.noexec = cls.create_key("noexec", ["events:write"])
            cls.jwt_integ = cls.create_integration({"name": "jwt", "auth": "jwt",
                                                    "apiKeyId": cls.key["id"]})
            cls.noexec_integ = cls.create_integration({"name": "jwt-noexec", "auth": "jwt",
                                                       "apiKeyId": cls.noexec["id"]})
        except BaseException:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    # -- helpers --

    @classmethod
    def api(cls, method, path, body=None):
        return cls.server.admin_api(cls.admin, method, path, body)

    @classmethod
    def create_key(cls, name, permissions):
        return cls.server.create_apikey(cls.admin, name, permissions)

    @classmethod
    def create_integration(cls, doc, publish=True):
        r = cls.api("POST", "/integrations", doc)
        assert r.status == 201, r
        integ = r.json()
        if publish:
            r = cls.api("POST", "/integrations/%s/publish" % integ["id"])
            assert r.status == 200, r
        return integ

    @classmethod
    def issue(cls, secret):
        r = cls.server.post_json("/auth/token", json.dumps({"apiKey": secret}))
        assert r.status == 200, r
        return r.json()["token"]

    def post(self, integ, body=BODY, token=None, headers=None, auth=None):
        h = {}
        if token is not None:
            h["Authorization"] = "Bearer " + token
        if auth is not None:
            h["Authorization"] = auth
        h.update(headers or {})
        return self.server.post_json("/incoming/" + integ["endpointId"], body, headers=h)

    def kid_token(self, key, claims, alg="HS256", secret=None):
        """Self-signed with PyJWT, kid = key id."""
        return jwt.encode(claims, (secret or key["secret"]).encode(), algorithm=alg,
                          headers={"kid": key["id"]})

    def assertErrorBody(self, r, status, code):
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/json"), r)
        doc = r.json()
        self.assertEqual(set(doc), {"status", "error", "message"}, doc)
        self.assertEqual((doc["status"], doc["error"]), (status, code), doc)
        return doc

    def assertAccepted(self, r, integ):
        self.assertEqual(r.status, 202, r)
        doc = r.json()
        self.assertEqual(set(doc), {"status", "eventId", "endpointId"}, doc)
        self.assertEqual(doc["endpointId"], integ["endpointId"])
        self.assertRegex(doc["eventId"], EVENT_ID_RE)
        return doc["eventId"]

    def assertInvalidToken(self, r, what):
        self.assertEqual(r.status, 401, "%s: %r" % (what, r))
        self.assertErrorBody(r, 401, "unauthorized")
        www = r.headers.get("WWW-Authenticate")
        self.assertIsNotNone(www, "%s: no WWW-Authenticate" % what)
        self.assertRegex(www, INVALID_RE, what)

    def assertInsufficientScope(self, r, what):
        self.assertEqual(r.status, 403, "%s: %r" % (what, r))
        self.assertErrorBody(r, 403, "forbidden")
        www = r.headers.get("WWW-Authenticate")
        self.assertIsNotNone(www, "%s: no WWW-Authenticate" % what)
        self.assertRegex(www, SCOPE_RE, what)

    def events_of(self, integ):
        r = self.api("GET", "/integrations/%s/events?limit=500" % integ["id"])
        self.assertEqual(r.status, 200, r)
        return r.json()["items"]

    # -- JWT: missing and accepted tokens --

    def test_missing_token_gets_401_with_the_bare_realm(self):
        for auth in (None, "Basic dXNlcjpwYXNz", "Token abc"):
            r = self.post(self.jwt_integ, auth=auth)
            self.assertErrorBody(r, 401, "unauthorized")
            self.assertEqual(r.headers.get("WWW-Authenticate"), REALM_ONLY, auth)

    def test_token_from_auth_token_is_accepted(self):
        token = self.issue(self.key["secret"])
        self.assertAccepted(self.post(self.jwt_integ, token=token), self.jwt_integ)
        # The scheme name is case-insensitive (RFC 7235).
        self.assertAccepted(self.post(self.jwt_integ, auth="bearer " + token), self.jwt_integ)

    def test_self_signed_pyjwt_tokens_with_kid_are_accepted(self):
        now = int(time.time())
        cases = {
            "exp only": {"exp": now + 600},
            "iat and exp": {"iat": now, "exp": now + 600},
            "nbf in the past": {"nbf": now - 10, "exp": now + 600},
            "iat within the leeway": {"iat": now + LEEWAY // 2, "exp": now + 600},
            "lifetime exactly 24 h": {"iat": now, "exp": now + 86400},
            "other claims": {"iat": now, "exp": now + 60, "sub": "anything", "aud": "x"},
        }
        for what, claims in cases.items():
            r = self.post(self.jwt_integ, token=self.kid_token(self.key, claims))
            self.assertEqual(r.status, 202, "%s: %r" % (what, r))

    # -- JWT: the attack list --

    def test_alg_none_in_any_case_is_refused(self):
        now = int(time.time())
        payload = json.dumps({"exp": now + 600}).encode()
        secret = self.key["secret"].encode()
        for alg in ("none", "None", "NONE", "nOnE"):
            header = json.dumps({"alg": alg, "typ": "JWT", "kid": self.key["id"]}).encode()
            for key in (None, secret):  # empty signature, and an HS256 MAC attached
                self.assertInvalidToken(self.post(self.jwt_integ,
                                                  token=raw_token(header, payload, key)),
                                        "alg %s signed=%s" % (alg, key is not None))
        # PyJWT's own unsecured token.
        tok = jwt.encode({"exp": now + 600}, None, algorithm="none",
                         headers={"kid": self.key["id"]})
        self.assertInvalidToken(self.post(self.jwt_integ, token=tok), "pyjwt alg none")

    def test_other_algorithms_are_refused(self):
        now = int(time.time())
        claims = {"iat": now, "exp": now + 600}
        for alg in ("HS384", "HS512"):
            self.assertInvalidToken(self.post(self.jwt_integ,
                                              token=self.kid_token(self.key, claims, alg)), alg)
        # RS256 in the header, but MACed with the key's secret (algorithm
        # confusion), and with the right HS256 MAC: both refused.
        header = json.dumps({"alg": "RS256", "typ": "JWT", "kid": self.key["id"]}).encode()
        tok = raw_token(header, json.dumps(claims).encode(), self.key["secret"].encode())
        self.assertInvalidToken(self.post(self.jwt_integ, token=tok), "RS256 header")
        for alg in ("hs256", "HS256 ", "ES256"):
            header = json.dumps({"alg": alg, "kid": self.key["id"]}).encode()
            tok = raw_token(header, json.dumps(claims).encode(), self.key["secret"].encode())
            self.assertInvalidToken(self.post(self.jwt_integ, token=tok), "alg %r" % alg)

    def test_wrong_key_is_refused(self):
        now = int(time.time())
        claims = {"iat": now, "exp": now + 600}
        self.assertInvalidToken(self.post(self.jwt_integ, token=self.kid_token(
            self.key, claims, secret="ik_not-the-secret-of-this-key")), "kid token, wrong secret")
        # A server-style token (iss incoming, no kid) not made with the server key.
        tok = jwt.encode({"iss": "incoming", "sub": self.key["id"], "iat": now, "exp": now + 600,
                          "jti": str(uuid.uuid4())}, b"\x01" * 32, algorithm="HS256")
        self.assertInvalidToken(self.post(self.jwt_integ, token=tok), "server token, wrong key")
        # A server-style token signed with the API key's own secret.
        tok = jwt.encode({"iss": "incoming", "sub": self.key["id"], "iat": now, "exp": now + 600},
                         self.key["secret"].encode(), algorithm="HS256")
        self.assertInvalidToken(self.post(self.jwt_integ, token=tok), "server token, key secret")
        # kid of a key that does not exist.
        tok = jwt.encode(claims, self.key["secret"].encode(), algorithm="HS256",
                         headers={"kid": str(uuid.uuid4())})
        self.assertInvalidToken(self.post(self.jwt_integ, token=tok), "unknown kid")
        # A tampered payload under a valid signature.
        good = self.kid_token(self.key, claims)
        h, p, s = good.split(".")
        forged = b64url(json.dumps({"iat": now, "exp": now + 3000}).encode())
        self.assertInvalidToken(self.post(self.jwt_integ, token="%s.%s.%s" % (h, forged, s)),
                                "tampered payload")

    def test_bad_times_are_refused(self):
        now = int(time.time())
        cases = {
            "expired": {"iat": now - 7200, "exp": now - 3600},
            "expired beyond the leeway": {"iat": now - 600, "exp": now - LEEWAY - 5},
            "no exp": {"iat": now},
            "no exp, no iat": {"sub": "x"},
            "exp not a number": {"exp": str(now + 600)},
            "nbf ahead": {"nbf": now + 600, "exp": now + 1200},
            "iat ahead beyond the leeway": {"iat": now + 300, "exp": now + 900},
            "lifetime over 24 h": {"iat": now, "exp": now + 86401},
            "lifetime over 24 h without iat": {"exp": now + 2 * 86400},
        }
        for what, claims in cases.items():
            self.assertInvalidToken(self.post(self.jwt_integ,
                                              token=self.kid_token(self.key, claims)), what)

    def test_revoked_key_is_refused(self):
        key = self.create_key("to-revoke", ["incoming:execute"])
        integ = self.create_integration({"name": "jwt-revoked", "auth": "jwt",
                                         "apiKeyId": key["id"]})
        issued = self.issue(key["secret"])
        now = int(time.time())
        signed = self.kid_token(key, {"iat": now, "exp": now + 600})
        self.assertAccepted(self.post(integ, token=issued), integ)
        self.assertAccepted(self.post(integ, token=signed), integ)
        r = self.api("DELETE", "/apikeys/" + key["id"])
        self.assertEqual(r.status, 204, r)
        self.assertInvalidToken(self.post(integ, token=issued), "issued token of a revoked key")
        self.assertInvalidToken(self.post(integ, token=signed), "kid token of a revoked key")
        # And no new token for it.
        r = self.server.post_json("/auth/token", json.dumps({"apiKey": key["secret"]}))
        self.assertErrorBody(r, 401, "unauthorized")

    def test_malformed_tokens_are_refused(self):
        now = int(time.time())
        good = self.kid_token(self.key, {"iat": now, "exp": now + 600})
        h, p, s = good.split(".")
        std = lambda part: base64.b64encode(  # noqa: E731 - standard alphabet, padded
            base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))).decode()
        secret = self.key["secret"].encode()
        dup = raw_token(json.dumps({"alg": "HS256", "kid": self.key["id"]}).encode(),
                        b'{"exp": %d, "exp": %d}' % (now + 600, now + 600), secret)
        dup_other = raw_token(json.dumps({"alg": "HS256", "kid": self.key["id"]}).encode(),
                              b'{"exp": %d, "iat": %d, "exp": %d}' % (now - 3600, now,
                                                                      now + 600), secret)
        dup_header = raw_token(b'{"alg": "none", "kid": "%s", "alg": "HS256"}'
                               % self.key["id"].encode(),
                               json.dumps({"exp": now + 600}).encode(), secret)
        cases = {
            "padding in a part": "%s==.%s.%s" % (h, p, s),
            "standard base64 alphabet": "%s.%s.%s" % (std(h), std(p), std(s)),
            "impossible base64 length": "%s.%sA.%s" % (h, p, s),
            "non-base64 characters": "%s.%s!.%s" % (h, p, s),
            "one dot": "%s.%s" % (h, p),
            "no dot": h + p + s,
            "three dots": "%s.%s.%s.%s" % (h, p, s, s),
            "trailing dot": good + ".",
            "empty parts": "..",
            "empty signature": "%s.%s." % (h, p),
            "truncated signature": "%s.%s.%s" % (h, p, s[:-4]),
            "header not JSON": raw_token(b"not json", json.dumps({"exp": now + 600}).encode(),
                                         secret),
            "header a JSON array": raw_token(b'["HS256"]', json.dumps({"exp": now + 600}).encode(),
                                             secret),
            "payload not JSON": raw_token(json.dumps({"alg": "HS256", "kid": self.key["id"]})
                                          .encode(), b"exp=1", secret),
            "duplicate claims": dup,
            "duplicate exp, the first expired": dup_other,
            "duplicate alg in the header": dup_header,
            "16 KiB token": "%s.%s.%s" % (h, b64url(json.dumps(
                {"exp": now + 600, "pad": "x" * 12288}).encode()), s),
        }
        self.assertGreater(len(cases["16 KiB token"]), 16 * 1024)
        for what, tok in cases.items():
            self.assertInvalidToken(self.post(self.jwt_integ, token=tok), what)

    def test_token_of_another_active_key_gets_403(self):
        now = int(time.time())
        tok = self.kid_token(self.other, {"iat": now, "exp": now + 600})
        self.assertInsufficientScope(self.post(self.jwt_integ, token=tok), "kid of another key")
        self.assertInsufficientScope(self.post(self.jwt_integ,
                                               token=self.issue(self.other["secret"])),
                                     "issued token of another key")

    def test_key_without_incoming_execute_gets_403(self):
        now = int(time.time())
        tok = self.kid_token(self.noexec, {"iat": now, "exp": now + 600})
        self.assertInsufficientScope(self.post(self.noexec_integ, token=tok), "kid token")
        self.assertInsufficientScope(self.post(self.noexec_integ,
                                               token=self.issue(self.noexec["secret"])),
                                     "issued token")

    def test_refused_tokens_store_nothing(self):
        before = len(self.events_of(self.noexec_integ))
        self.post(self.noexec_integ, token=self.issue(self.noexec["secret"]))
        self.post(self.noexec_integ)
        self.assertEqual(len(self.events_of(self.noexec_integ)), before)

    # -- POST /auth/token --

    def test_auth_token_answers_a_bearer_token_of_the_server_key(self):
        r = self.server.post_json("/auth/token", json.dumps({"apiKey": self.key["secret"]}))
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/json"))
        doc = r.json()
        self.assertEqual(set(doc), {"token", "tokenType", "expiresIn"}, doc)
        self.assertEqual(doc["tokenType"], "Bearer")
        self.assertEqual(doc["expiresIn"], 3600)
        header = jwt.get_unverified_header(doc["token"])
        self.assertEqual(header["alg"], "HS256")
        key_path = os.path.join(self.server.data_dir, "server.key")
        self.assertEqual(os.stat(key_path).st_mode & 0o777, 0o600)
        with open(key_path, "rb") as f:
            server_key = f.read()
        claims = jwt.decode(doc["token"], server_key, algorithms=["HS256"], issuer="incoming",
                            options={"require": ["exp", "iat", "sub", "jti", "iss"]})
        self.assertEqual(claims["sub"], self.key["id"])
        self.assertEqual(claims["exp"] - claims["iat"], 3600)
        self.assertLessEqual(abs(claims["iat"] - time.time()), 5)

    def test_auth_token_refuses_unknown_keys_with_401(self):
        for secret in ("ik_unknown", self.key["secret"] + "x", self.key["secret"][:-1], "x" * 300):
            r = self.server.post_json("/auth/token", json.dumps({"apiKey": secret}))
            self.assertErrorBody(r, 401, "unauthorized")

    def test_auth_token_refuses_malformed_bodies_with_400(self):
        for body in (b"", b"{", b"[]", b"{}", b'{"apiKey": 5}', b'{"apiKey": ""}',
                     b'{"apiKey": null}', b'{"key": "x"}', b'{"apiKey": "a"} x'):
            r = self.server.post_json("/auth/token", body)
            self.assertEqual(r.status, 400, "%r: %r" % (body, r))
            self.assertErrorBody(r, 400, r.json()["error"])

    def test_authorization_header_is_never_stored(self):
        token = self.issue(self.key["secret"])
        event_id = self.assertAccepted(self.post(self.jwt_integ, token=token,
                                                 headers={"X-Marker": "auth-not-stored"}),
                                       self.jwt_integ)
        raw, shown = self.server.show_event(event_id)
        self.assertEqual(shown["event"]["headers"].get("X-Marker"), "auth-not-stored")
        self.assertNotIn("authorization", {k.lower() for k in shown["event"]["headers"]})
        self.assertNotIn(token, raw)
        self.assertNotIn(token.split(".")[2], raw)
        r = self.api("GET", "/events/" + event_id)
        self.assertEqual(r.status, 200, r)
        self.assertNotIn(token.split(".")[2].encode(), r.body)
        for needle in (token.encode(), token.split(".")[2].encode()):
            self.assertFalse(self.server.data_files_contain(needle),
                             "the token's text is in data_dir")

    # -- signed webhooks --

    def test_standard_webhooks_signatures(self):
        secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
        integ = self.create_integration({"name": "sw", "auth": "hmac",
                                         "hmac": {"scheme": "standard-webhooks",
                                                  "secret": secret}})

        def headers(msg_id, ts, sig):
            return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": sig}

        now = int(time.time())
        body = b'{"type": "invoice.paid",  "amount": 1e400}'
        good = sw_sign(secret, "msg_1", now, body)
        self.assertAccepted(self.post(integ, body, headers=headers("msg_1", now, good)), integ)
        # One of several space-separated signatures may match.
        sig = "v1,AAAA v2,xyz %s" % sw_sign(secret, "msg_2", now, body)
        self.assertAccepted(self.post(integ, body, headers=headers("msg_2", now, sig)), integ)
        # Within the 5 minutes either way.
        ts = now - 240
        self.assertAccepted(self.post(integ, body, headers=headers(
            "msg_3", ts, sw_sign(secret, "msg_3", ts, body))), integ)

        def refused(h, b=body, what=""):
            r = self.post(integ, b, headers=h)
            self.assertErrorBody(r, 401, "unauthorized")
            self.assertEqual(r.status, 401, what)

        sig4 = sw_sign(secret, "msg_4", now, body)
        refused(headers("msg_4", now, sig4), body + b" ", "tampered body")
        refused(headers("msg_4", now, sig4), body.replace(b"paid", b"void"), "tampered body")
        tampered = sig4[:-6] + ("AAAAA=" if sig4[-6:] != "AAAAA=" else "BBBBB=")
        refused(headers("msg_4", now, tampered), what="tampered signature")
        refused(headers("msg_5", now, sig4), what="signature of another id")
        refused(headers("msg_4", now + 1, sig4), what="signature of another timestamp")
        refused(headers("msg_4", now, "v2," + sig4[3:]), what="unknown version only")
        stale = now - 600
        refused(headers("msg_6", stale, sw_sign(secret, "msg_6", stale, body)), what="stale")
        future = now + 600
        refused(headers("msg_7", future, sw_sign(secret, "msg_7", future, body)), what="future")
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            h = headers("msg_8", now, sw_sign(secret, "msg_8", now, body))
            del h[name]
            refused(h, what="missing " + name)
        refused({}, what="no headers")
        # The example of the Standard Webhooks specification: its signature is
        # right (checked here) but its timestamp is years old.
        ex_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        ex_body = b'{"test": 2432232314}'
        ex_sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        self.assertEqual(sw_sign(ex_secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, ex_body),
                         ex_sig)
        ex = self.create_integration({"name": "sw-example", "auth": "hmac",
                                      "hmac": {"secret": ex_secret}})
        r = self.post(ex, ex_body, headers=headers("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                                   ex_sig))
        self.assertErrorBody(r, 401, "unauthorized")
        # The same message signed now is accepted (standard-webhooks is the default scheme).
        self.assertAccepted(self.post(ex, ex_body, headers=headers(
            "msg_p5jXN8AQM9LWM0D4loKWxJek", now,
            sw_sign(ex_secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", now, ex_body))), ex)
        self.assertSecretHidden(integ, secret)

    def test_github_signatures(self):
        secret = "gh-" + os.urandom(12).hex()
        integ = self.create_integration({"name": "gh", "auth": "hmac",
                                         "hmac": {"scheme": "github", "secret": secret}})
        body = b'{"action": "opened", "number": 7}'

        def sig(b):
            return "sha256=" + hmac.new(secret.encode(), b, hashlib.sha256).hexdigest()

        self.assertAccepted(self.post(integ, body, headers={"X-Hub-Signature-256": sig(body)}),
                            integ)
        good = sig(body)
        cases = {
            "tampered body": (body + b"\n", {"X-Hub-Signature-256": good}),
            "tampered signature": (body, {"X-Hub-Signature-256": good[:-1] +
                                          ("0" if good[-1] != "0" else "1")}),
            "sha1 header only": (body, {"X-Hub-Signature": "sha1=" + hmac.new(
                secret.encode(), body, hashlib.sha1).hexdigest()}),
            "missing prefix": (body, {"X-Hub-Signature-256": good[len("sha256="):]}),
            "missing header": (body, {}),
        }
        for what, (b, h) in cases.items():
            r = self.post(integ, b, headers=h)
            self.assertEqual(r.status, 401, "%s: %r" % (what, r))
            self.assertErrorBody(r, 401, "unauthorized")
        self.assertSecretHidden(integ, secret)

    def test_github_deliveries_are_deduplicated_on_x_github_delivery(self):
        # Issue 11 item 10: the github scheme signs the body alone, with no
        # timestamp, so a byte-identical replay verifies again; its
        # X-GitHub-Delivery is the key by default.
        secret = "gh-" + os.urandom(12).hex()
        integ = self.create_integration({"name": "gh-dedup", "auth": "hmac",
                                         "hmac": {"scheme": "github", "secret": secret}})
        body = b'{"action": "closed", "number": 8}'
        sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        delivery = str(uuid.uuid4())
        h = {"X-Hub-Signature-256": sig, "X-GitHub-Delivery": delivery,
             "X-GitHub-Event": "pull_request"}
        first = self.assertAccepted(self.post(integ, body, headers=h), integ)
        for _ in range(2):  # the replay, byte for byte
            self.assertDuplicate(self.post(integ, body, headers=h), first)
        # Header names are case-insensitive; another delivery is a new event.
        self.assertDuplicate(self.post(integ, body, headers={
            "x-hub-signature-256": sig, "x-github-delivery": delivery}), first)
        self.assertAccepted(self.post(integ, body, headers=dict(
            h, **{"X-GitHub-Delivery": str(uuid.uuid4())})), integ)
        # A replay still needs a valid signature: a bad one is 401, not 200.
        r = self.post(integ, body + b" ", headers=h)
        self.assertErrorBody(r, 401, "unauthorized")
        # Without the header there is nothing to deduplicate on.
        self.assertAccepted(self.post(integ, body, headers={"X-Hub-Signature-256": sig}), integ)
        self.assertAccepted(self.post(integ, body, headers={"X-Hub-Signature-256": sig}), integ)
        self.assertEqual(len(self.events_of(integ)), 4)
        # Only the github scheme: an unsigned integration keeps SPEC 4.1's headers.
        plain = self.create_integration({"name": "gh-header-elsewhere"})
        self.assertAccepted(self.post(plain, body, headers={"X-GitHub-Delivery": delivery}), plain)
        self.assertAccepted(self.post(plain, body, headers={"X-GitHub-Delivery": delivery}), plain)

    def test_custom_signatures(self):
        variants = [
            ({"algorithm": "sha1", "encoding": "hex", "prefix": "sha1=", "header": "X-Signature"},
             hashlib.sha1, lambda d: d.hex()),
            ({"algorithm": "sha512", "encoding": "base64", "header": "X-Sig-512"},
             hashlib.sha512, lambda d: base64.b64encode(d).decode()),
            ({"algorithm": "sha256", "encoding": "base64", "prefix": "v0=", "header": "X-Custom"},
             hashlib.sha256, lambda d: base64.b64encode(d).decode()),
        ]
        body = b'{"id": "evt_1", "n": 9007199254740993}'
        for conf, digest, enc in variants:
            secret = "custom-" + os.urandom(10).hex()
            hconf = dict(conf, scheme="custom", secret=secret)
            integ = self.create_integration({"name": "custom-" + conf["algorithm"],
                                             "auth": "hmac", "hmac": hconf})
            prefix = conf.get("prefix", "")
            name = conf["header"]

            def sig(b):
                return prefix + enc(hmac.new(secret.encode(), b, digest).digest())

            what = conf["algorithm"]
            self.assertAccepted(self.post(integ, body, headers={name: sig(body)}), integ)
            self.assertAccepted(self.post(integ, body, headers={name.lower(): sig(body)}), integ)
            good = sig(body)
            # A digit differs from the original character in hex (where case
            # does not matter) and in base64 alike.
            flipped = good[:len(prefix)] + ("1" if good[len(prefix)].lower() != "1" else "2") + \
                good[len(prefix) + 1:]
            refusals = {
                "tampered body": (body[:-1] + b" }", {name: good}),
                "tampered signature": (body, {name: flipped}),
                "missing header": (body, {}),
                "another algorithm": (body, {name: prefix + enc(hmac.new(
                    secret.encode(), body, hashlib.md5).digest())}),
            }
            if prefix:
                refusals["missing prefix"] = (body, {name: good[len(prefix):]})
            for case, (b, h) in refusals.items():
                r = self.post(integ, b, headers=h)
                self.assertEqual(r.status, 401, "%s %s: %r" % (what, case, r))
                self.assertErrorBody(r, 401, "unauthorized")
            self.assertSecretHidden(integ, secret)

    def assertSecretHidden(self, integ, secret):
        for path in ("/integrations/" + integ["id"], "/integrations?limit=500"):
            r = self.api("GET", path)
            self.assertEqual(r.status, 200, r)
            self.assertNotIn(secret.encode(), r.body, path)
        r = self.api("GET", "/integrations/" + integ["id"])
        self.assertNotIn("secret", r.json().get("hmac", {}))

    # -- deduplication --

    def assertDuplicate(self, r, first):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"status": 200, "eventId": first, "duplicate": True})

    def test_dedup_headers_answer_the_first_event(self):
        integ = self.create_integration({"name": "dedup-headers"})
        other = self.create_integration({"name": "dedup-other"})
        for header in ("Idempotency-Key", "webhook-id", "X-Deduplication-Hash"):
            value = "k-" + uuid.uuid4().hex
            first = self.assertAccepted(self.post(integ, headers={header: value}), integ)
            for _ in range(2):
                self.assertDuplicate(self.post(integ, b'{"different": "body"}',
                                               headers={header: value}), first)
            # Another key, and the same key at another endpoint, are new events.
            self.assertAccepted(self.post(integ, headers={header: value + "x"}), integ)
            self.assertAccepted(self.post(other, headers={header: value}), other)
        # The first header present wins: X-Deduplication-Hash before Idempotency-Key.
        h = "h-" + uuid.uuid4().hex
        first = self.assertAccepted(self.post(integ, headers={"X-Deduplication-Hash": h,
                                                              "Idempotency-Key": "i1"}), integ)
        self.assertDuplicate(self.post(integ, headers={"X-Deduplication-Hash": h,
                                                       "Idempotency-Key": "i2"}), first)
        ids = [e["eventId"] for e in self.events_of(integ)]
        self.assertEqual(len(ids), 7, ids)

    def test_dedup_params_from_create_and_patch(self):
        integ = self.create_integration({"name": "dedup-params", "dedupParams": ["body.order_id"]})
        first = self.assertAccepted(self.post(integ, b'{"order_id": 1001, "n": 1}'), integ)
        self.assertDuplicate(self.post(integ, b'{"n": 2, "order_id": 1001}'), first)
        self.assertAccepted(self.post(integ, b'{"order_id": 1002, "n": 1}'), integ)
        # A body without the param has nothing to deduplicate on.
        self.assertAccepted(self.post(integ, b'{"n": 3}'), integ)
        self.assertAccepted(self.post(integ, b'{"n": 3}'), integ)

        patched = self.create_integration({"name": "dedup-patched"})
        self.assertAccepted(self.post(patched, b'{"order": {"id": "A"}, "x": 1}'), patched)
        self.assertAccepted(self.post(patched, b'{"order": {"id": "A"}, "x": 2}'), patched)
        r = self.api("PATCH", "/integrations/" + patched["id"],
                     {"dedupParams": ["body.order.id", "headers[\"X-Shop\"]"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["dedupParams"], ["body.order.id", "headers[\"X-Shop\"]"])
        first = self.assertAccepted(self.post(patched, b'{"order": {"id": "B"}, "x": 1}',
                                              headers={"X-Shop": "s1"}), patched)
        self.assertDuplicate(self.post(patched, b'{"order": {"id": "B"}, "x": 9}',
                                       headers={"x-shop": "s1"}), first)
        self.assertAccepted(self.post(patched, b'{"order": {"id": "B"}, "x": 1}',
                                      headers={"X-Shop": "s2"}), patched)

    def test_concurrent_duplicates_make_exactly_one_event(self):
        integ = self.create_integration({"name": "dedup-race"})
        key = "race-" + uuid.uuid4().hex
        n = 20
        barrier = threading.Barrier(n)
        answers = [None] * n

        def send(i):
            try:
                barrier.wait(timeout=30)
                answers[i] = self.post(integ, b'{"i": %d}' % i, headers={"Idempotency-Key": key})
            except Exception as e:  # reported below
                answers[i] = e

        threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        statuses = sorted(getattr(a, "status", repr(a)) for a in answers)
        accepted = [a for a in answers if getattr(a, "status", None) == 202]
        self.assertEqual(len(accepted), 1, statuses)
        first = accepted[0].json()["eventId"]
        for a in answers:
            if a is not accepted[0]:
                self.assertDuplicate(a, first)
        events = self.events_of(integ)
        self.assertEqual([e["eventId"] for e in events], [first])

    # -- rate limit --

    def test_rate_limit_is_shared_by_the_responders(self):
        integ = self.create_integration({"name": "limited", "rateLimitPerSecond": 2})
        self.assertGreaterEqual(len(self.server.responder_pids()), 1)
        n = 10
        barrier = threading.Barrier(n)
        answers = [None] * n

        def send(i):
            try:
                barrier.wait(timeout=30)
                answers[i] = self.post(integ, b'{"i": %d}' % i)
            except Exception as e:
                answers[i] = e

        t0 = time.time()
        threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        elapsed = time.time() - t0
        statuses = [getattr(a, "status", repr(a)) for a in answers]
        self.assertTrue(all(s in (202, 429) for s in statuses), statuses)
        limited = [a for a in answers if a.status == 429]
        accepted = statuses.count(202)
        self.assertTrue(limited, statuses)
        # A bucket per responder would let up to 2 per process through.
        self.assertLessEqual(accepted, 2 + int(2 * elapsed) + 1,
                             "%s in %.2f s" % (statuses, elapsed))
        self.assertGreaterEqual(accepted, 1, statuses)
        for r in limited:
            self.assertErrorBody(r, 429, "rate_limited")
            self.assertGreaterEqual(int(r.headers.get("Retry-After", "0")), 1, r.headers)
        time.sleep(1.2)
        self.assertAccepted(self.post(integ), integ)
        # Several responders served the burst.
        self.assertGreaterEqual(len(self.server.responder_pids()), 2)


class LighttpdAuth(AuthCases, unittest.TestCase):
    KIND = "lighttpd"


@unittest.skipUnless(harness.have_apache(), "needs apache2, mod_fcgid and root")
class ApacheAuth(AuthCases, unittest.TestCase):
    KIND = "apache"


if __name__ == "__main__":
    harness.main()
