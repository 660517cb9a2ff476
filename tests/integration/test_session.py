#!/usr/bin/env python3
"""The web UI's session route is CSRF-safe (issue 11 item 9), under a real
lighttpd: POST /api/v1/session takes only application/json and only from
the UI's own origin (Sec-Fetch-Site, else Origin against the Host the
request was sent to or public_base_url) -- another site's page cannot sign
a browser in with the attacker's token (login CSRF); DELETE needs the
session's X-CSRF-Token -- another site cannot sign the user out; the
cookie is Secure when the request came over HTTPS (a TLS socket of the same
lighttpd, with a certificate made here by openssl)."""

import json
import os
import shutil
import ssl
import subprocess
import sys
import http.client
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, Response  # noqa: E402

MOD_OPENSSL = "/usr/lib/lighttpd/mod_openssl.so"
OPENSSL = shutil.which("openssl")


class TlsServer(Server):
    """lighttpd with a second, TLS socket on tls_port (self-signed)."""

    def _lighttpd_conf(self):
        argv = super()._lighttpd_conf()
        self.tls_port = harness.free_port()
        cert, key = os.path.join(self.tmp, "cert.pem"), os.path.join(self.tmp, "key.pem")
        r = harness.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                         "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert])
        assert r.returncode == 0, r.stderr
        with open(os.path.join(self.tmp, "lighttpd.conf"), "a") as f:
            f.write('server.modules += ("mod_openssl")\n')
            f.write('$SERVER["socket"] == "127.0.0.1:%d" {\n' % self.tls_port)
            f.write('    ssl.engine = "enable"\n    ssl.pemfile = "%s"\n' % cert)
            f.write('    ssl.privkey = "%s"\n}\n' % key)
        return argv

    def tls_request(self, method, path, body=None, headers=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", self.tls_port, timeout=10, context=ctx)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return Response(r.status, r.headers, r.read())
        finally:
            conn.close()


def cookie_attrs(set_cookie):
    return [a.strip() for a in set_cookie.split(";")]


class SessionCsrf(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tls = bool(OPENSSL) and os.path.exists(MOD_OPENSSL)
        kind = TlsServer if cls.tls else Server
        cls.server = kind("lighttpd", procs=2).start()
        try:
            cls.token = cls.server.ctl_json("admin-token", "create", "--name", "csrf")["token"]
        except BaseException:
            cls.server.stop()
            raise
        cls.origin = "http://127.0.0.1:%d" % cls.server.port

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    # -- helpers --

    def sign_in(self, headers=None, content_type="application/json", body=None):
        h = {}
        if content_type is not None:
            h["Content-Type"] = content_type
        h.update(headers or {})
        if body is None:
            body = json.dumps({"token": self.token})
        return self.server.request("POST", "/api/v1/session", body=body, headers=h)

    def signed_in(self, headers=None):
        r = self.sign_in(headers)
        self.assertEqual(r.status, 200, r)
        jar = cookie_attrs(r.headers["Set-Cookie"])[0]
        return jar, r.json()["csrfToken"]

    def session_works(self, jar):
        r = self.server.request("GET", "/api/v1/integrations", headers={"Cookie": jar})
        return r.status == 200

    def assertRefused(self, r, status, code, what):
        self.assertEqual(r.status, status, "%s: %r" % (what, r))
        doc = r.json()
        self.assertEqual(set(doc), {"status", "error", "message"}, what)
        self.assertEqual((doc["status"], doc["error"]), (status, code), what)
        self.assertIsNone(r.headers.get("Set-Cookie"), "%s: a cookie was set" % what)

    # -- sign-in --

    def test_sign_in_refuses_bodies_that_are_not_json_media(self):
        # A cross-site form or fetch without a preflight can send only these.
        body = json.dumps({"token": self.token})
        for ct in ("text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
                   "multipart/form-data; boundary=x", "application/jsonx", None):
            r = self.sign_in(content_type=ct, body=body)
            self.assertRefused(r, 415, "unsupported_media_type", "Content-Type %r" % ct)

    def test_login_csrf_from_a_foreign_origin_is_refused(self):
        # The probe: text/plain with a foreign Origin.
        r = self.sign_in({"Origin": "http://evil.example"}, content_type="text/plain")
        self.assertIn(r.status, (403, 415), r)
        self.assertIsNone(r.headers.get("Set-Cookie"))
        for headers in ({"Origin": "http://evil.example"},
                        {"Origin": "null"},
                        {"Origin": "http://127.0.0.1:%d" % (self.server.port + 1)},
                        {"Origin": "https://127.0.0.1:%d" % self.server.port},
                        {"Sec-Fetch-Site": "cross-site"},
                        {"Sec-Fetch-Site": "same-site"},
                        {"Sec-Fetch-Site": "cross-site", "Origin": self.origin},
                        {"Sec-Fetch-Site": "nonsense"}):
            self.assertRefused(self.sign_in(headers), 403, "forbidden", repr(headers))

    def test_sign_in_from_the_ui_itself_is_accepted(self):
        for headers in ({},  # curl, scripts: no browser page involved
                        {"Origin": self.origin},
                        {"Sec-Fetch-Site": "same-origin", "Origin": self.origin},
                        {"Sec-Fetch-Site": "same-origin"},
                        # Behind a proxy that rewrites Host: public_base_url's origin.
                        {"Origin": self.origin, "Host": "backend.internal:8080"}):
            r = self.sign_in(headers)
            self.assertEqual(r.status, 200, "%r: %r" % (headers, r))
            self.assertTrue(r.headers.get("Set-Cookie", "").startswith("incoming_session="))
        r = self.sign_in({"Origin": self.origin}, content_type="application/json; charset=utf-8")
        self.assertEqual(r.status, 200, r)

    # -- sign-out --

    def test_sign_out_needs_the_csrf_token(self):
        jar, csrf = self.signed_in()
        for headers in ({"Cookie": jar},
                        {"Cookie": jar, "X-CSRF-Token": "0" * len(csrf)},
                        {"Cookie": jar, "X-CSRF-Token": ""},
                        {"Cookie": jar, "X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"},
                        {"Cookie": jar, "X-CSRF-Token": csrf, "Origin": "http://evil.example"}):
            r = self.server.request("DELETE", "/api/v1/session", headers=headers)
            self.assertRefused(r, 403, "forbidden", repr(headers))
            self.assertTrue(self.session_works(jar), "%r ended the session" % headers)
        r = self.server.request("DELETE", "/api/v1/session",
                                headers={"Cookie": jar, "X-CSRF-Token": csrf,
                                         "Origin": self.origin})
        self.assertEqual(r.status, 204, r)
        self.assertIn("Max-Age=0", cookie_attrs(r.headers.get("Set-Cookie", "")))
        self.assertFalse(self.session_works(jar))

    def test_sign_out_without_a_session_only_clears_the_cookie(self):
        for headers in ({}, {"Cookie": "incoming_session=" + "ab" * 32}):
            r = self.server.request("DELETE", "/api/v1/session", headers=headers)
            self.assertEqual(r.status, 204, r)
            self.assertIn("Max-Age=0", cookie_attrs(r.headers.get("Set-Cookie", "")))

    def test_other_methods_are_405(self):
        r = self.server.request("PUT", "/api/v1/session", body="{}",
                                headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 405, r)
        self.assertEqual(r.headers.get("Allow", ""), "GET, POST, DELETE")

    # -- the session of another tab (issue 12 item 4) --

    def test_get_session_gives_the_csrf_token_of_the_cookie(self):
        # A second tab signs in: the browser now holds its cookie, and the
        # first tab learns that session's token from GET /api/v1/session.
        jar1, csrf1 = self.signed_in()
        jar2, csrf2 = self.signed_in()
        self.assertNotEqual(csrf1, csrf2)
        r = self.server.request("GET", "/api/v1/session", headers={"Cookie": jar2})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["csrfToken"], csrf2)
        self.assertIsInstance(r.json()["expiresAt"], int)
        self.assertEqual(r.headers.get("Cache-Control"), "no-store")
        self.assertIsNone(r.headers.get("Set-Cookie"))
        # The token read back works for a change; the other session's does not.
        h = {"Cookie": jar2, "Content-Type": "application/json"}
        r = self.server.request("POST", "/api/v1/apikeys", body=json.dumps({"name": "tab"}),
                                headers=dict(h, **{"X-CSRF-Token": csrf1}))
        self.assertRefused(r, 403, "forbidden", "the first tab's stale token")
        self.assertIn("X-CSRF-Token", r.json()["message"])
        r = self.server.request("POST", "/api/v1/apikeys", body=json.dumps({"name": "tab"}),
                                headers=dict(h, **{"X-CSRF-Token": csrf2}))
        self.assertEqual(r.status, 201, r)

    def test_get_session_without_a_live_session_is_401(self):
        for headers in ({}, {"Cookie": "incoming_session=" + "ab" * 32}):
            r = self.server.request("GET", "/api/v1/session", headers=headers)
            self.assertRefused(r, 401, "unauthorized", "GET session with %r" % headers)
        r = self.server.request("GET", "/api/v1/session",
                                headers={"Cookie": self.signed_in()[0],
                                         "Sec-Fetch-Site": "cross-site"})
        self.assertRefused(r, 403, "forbidden", "GET session from another site")

    # -- Secure --

    def test_cookie_is_not_secure_over_plain_http(self):
        r = self.sign_in()
        self.assertNotIn("Secure", cookie_attrs(r.headers["Set-Cookie"]))

    def test_cookie_is_secure_over_https(self):
        if not self.tls:
            self.skipTest("needs openssl and lighttpd's mod_openssl (lighttpd-mod-openssl)")
        origin = "https://127.0.0.1:%d" % self.server.tls_port
        r = self.server.tls_request("POST", "/api/v1/session",
                                    body=json.dumps({"token": self.token}),
                                    headers={"Content-Type": "application/json",
                                             "Origin": origin})
        self.assertEqual(r.status, 200, r)
        attrs = cookie_attrs(r.headers["Set-Cookie"])
        self.assertIn("Secure", attrs)
        self.assertIn("HttpOnly", attrs)
        jar, csrf = attrs[0], r.json()["csrfToken"]
        # The plain-http origin is another origin for a request over TLS.
        r = self.server.tls_request("POST", "/api/v1/session",
                                    body=json.dumps({"token": self.token}),
                                    headers={"Content-Type": "application/json",
                                             "Origin": self.origin.replace(
                                                 str(self.server.port), "1")})
        self.assertEqual(r.status, 403, r)
        r = self.server.tls_request("DELETE", "/api/v1/session",
                                    headers={"Cookie": jar, "X-CSRF-Token": csrf,
                                             "Origin": origin})
        self.assertEqual(r.status, 204, r)
        self.assertIn("Secure", cookie_attrs(r.headers["Set-Cookie"]))


if __name__ == "__main__":
    harness.main()
