#!/usr/bin/python3
"""JWT fixtures from an independent implementation (Debian's python3-jwt,
PyJWT 2.x) for tests/test_jwt_auth.c, which runs this at test time.

  jwt_fixtures.py make NOW SERVER_KEY_HEX KEY_ID KEY_SECRET
      prints one "name expect token" line per fixture; expect is the
      jwt_auth_check result the C test must get (ok, invalid, forbidden)
      for an integration bound to KEY_ID.
  jwt_fixtures.py verify SERVER_KEY_HEX TOKEN
      decodes a token issued by jwt_auth_issue with PyJWT (HS256 only,
      iss "incoming", exp/iat/sub/jti required, real clock) and prints
      "sub=<sub> lifetime=<exp-iat>", or "invalid: <reason>" with exit 1.
"""
import sys

import jwt


def make(now, server_key, key_id, key_secret):
    now = int(now)
    srv = bytes.fromhex(server_key)
    sec = key_secret.encode()
    kid = {"kid": key_id}
    out = []

    def add(name, expect, payload, key, alg="HS256", headers=None):
        tok = jwt.encode(payload, key, algorithm=alg, headers=headers)
        out.append("%s %s %s" % (name, expect, tok))

    server = {"iss": "incoming", "sub": key_id, "iat": now, "exp": now + 3600,
              "jti": "0b5c3e8e-9a55-4e8e-9a55-0b5c3e8e9a55"}
    add("server_token", "ok", server, srv)
    add("kid_token", "ok", {"iat": now, "exp": now + 600}, sec, headers=kid)
    add("kid_token_without_iat", "ok", {"exp": now + 600}, sec, headers=kid)
    add("kid_token_with_nbf", "ok", {"nbf": now - 5, "exp": now + 60}, sec, headers=kid)
    add("kid_token_float_times", "ok", {"iat": now + 0.5, "exp": now + 60.25}, sec, headers=kid)
    add("hs384", "invalid", {"exp": now + 600}, sec, "HS384", kid)
    add("hs512", "invalid", {"exp": now + 600}, sec, "HS512", kid)
    add("hs384_server", "invalid", server, srv, "HS384")
    add("none", "invalid", {"exp": now + 600}, None, "none", kid)
    add("wrong_key", "invalid", {"exp": now + 600}, b"not the secret", headers=kid)
    add("expired", "invalid", {"iat": now - 7200, "exp": now - 3600}, sec, headers=kid)
    add("no_exp", "invalid", {"iat": now}, sec, headers=kid)
    add("nbf_ahead", "invalid", {"nbf": now + 600, "exp": now + 1200}, sec, headers=kid)
    add("iat_ahead", "invalid", {"iat": now + 600, "exp": now + 1200}, sec, headers=kid)
    add("lifetime_over_24h", "invalid", {"iat": now, "exp": now + 86401}, sec, headers=kid)
    add("server_token_long", "invalid", dict(server, exp=now + 86401), srv)
    add("server_token_other_issuer", "invalid", dict(server, iss="someone"), srv)
    print("\n".join(out))


def verify(server_key, token):
    try:
        claims = jwt.decode(token, bytes.fromhex(server_key), algorithms=["HS256"],
                            issuer="incoming",
                            options={"require": ["exp", "iat", "iss", "sub", "jti"]})
    except jwt.PyJWTError as e:
        print("invalid: %s" % e)
        return 1
    print("sub=%s lifetime=%d" % (claims["sub"], claims["exp"] - claims["iat"]))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "make":
        make(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "verify":
        sys.exit(verify(*sys.argv[2:]))
    else:
        sys.exit(__doc__)
