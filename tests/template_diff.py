#!/usr/bin/env python3
"""Differential test of the template engine against Debian's python3-jinja2.

Usage: template_diff.py [--cli PATH] [--corpus DIR] [-v] [--only ID]

Every case of DIR/*.jsonl ({"id", "template", "data" or "data_ref", "mode",
optionally "warnings"}) is rendered by the C engine (through
template_render_cli --batch) and by Jinja2 set up to mean what the engine
means (see template.h):
  - ChainableUndefined (a.b.c on a missing a is undefined, renders empty),
    autoescape off, default newline handling;
  - numbers from JSON keep their text (int/float subclasses whose str() and
    repr() are that text), as the engine prints them exactly;
  - `a.b` and `a["b"]` on a dict mean the member, never a dict method;
  - request/event/nodes.<id> headers are case-insensitive;
  - tojson: compact JSON in document order, numbers by their text,
    undefined/inf/nan as null, no HTML escaping; urlencode output is safe;
    b64encode and split are added (not Jinja builtins);
  - modes: json escapes each {{ }} value as the inside of a JSON string,
    url percent-encodes it (unreserved characters kept), both unless the
    value is Markup (safe/tojson/urlencode); header is text mode where CR or
    LF in the output is an error.
Cases listed in DEVIATIONS.md (lines "- `ID`: reason") are skipped.
A case passes when both outputs are equal or both sides fail.
"""
import argparse
import base64
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

import jinja2
from jinja2 import ChainableUndefined, Environment, Undefined
from markupsafe import Markup


class JInt(int):
    """An int from JSON that prints with its exact text."""

    def __new__(cls, text):
        obj = int.__new__(cls, text)
        obj.text = text
        return obj

    def __str__(self):
        return self.text

    __repr__ = __str__


class JFloat(float):
    """A float from JSON that prints with its exact text (1e400, 0.1)."""

    def __new__(cls, text):
        obj = float.__new__(cls, text)
        obj.text = text
        return obj

    def __str__(self):
        return self.text

    __repr__ = __str__


class CIDict(dict):
    """Headers: case-insensitive lookups, last match wins."""

    def _find(self, key):
        if isinstance(key, str):
            for k in reversed(list(dict.keys(self))):
                if k.lower() == key.lower():
                    return k
        return None

    def __getitem__(self, key):
        k = self._find(key)
        if k is None:
            raise KeyError(key)
        return dict.__getitem__(self, k)

    def __contains__(self, key):
        return self._find(key) is not None


def load_json(text):
    return json.loads(text, parse_int=JInt, parse_float=JFloat)


def wrap_headers(ctx):
    def env_headers(env):
        if isinstance(env, dict) and isinstance(env.get("headers"), dict):
            env["headers"] = CIDict(env["headers"])
    if isinstance(ctx, dict):
        for name in ("request", "event"):
            env_headers(ctx.get(name))
        nodes = ctx.get("nodes")
        if isinstance(nodes, dict):
            for v in nodes.values():
                env_headers(v)
    return ctx


def num_text(v):
    if isinstance(v, (JInt, JFloat)):
        t = v.text
        return "null" if re.search(r"[inIN]", t) else t
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if v != v or v in (float("inf"), float("-inf")):
        return "null"
    return repr(v)


def tojson(v):
    if isinstance(v, Undefined) or v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return num_text(v)
    if isinstance(v, str):
        return json.dumps(str(v), ensure_ascii=False)
    if isinstance(v, dict):
        return "{" + ",".join(tojson(str(k)) + ":" + tojson(dict.__getitem__(v, k))
                              for k in dict.keys(v)) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(tojson(x) for x in v) + "]"
    return "null"


def f_tojson(v, indent=None):
    return Markup(tojson(v))


def f_b64encode(v):
    return base64.b64encode(str(v).encode("utf-8")).decode("ascii")


def f_split(v, sep=None, maxsplit=-1):
    return str(v).split(sep, maxsplit)


class OracleEnv(Environment):
    def getattr(self, obj, attribute):
        if isinstance(obj, dict):
            if attribute in obj:
                return obj[attribute]
            if attribute in ("items", "keys", "values", "get"):
                return getattr(obj, attribute)
            return self.undefined(obj=obj, name=attribute)
        return Environment.getattr(self, obj, attribute)

    def getitem(self, obj, argument):
        if isinstance(obj, dict):
            if isinstance(argument, str) and argument in obj:
                return obj[argument]
            return self.undefined(obj=obj, name=argument)
        return Environment.getitem(self, obj, argument)


def json_escape(s):
    return json.dumps(s, ensure_ascii=False)[1:-1]


def make_env(mode):
    def finalize(v):
        if isinstance(v, Markup) or mode in ("text", "header"):
            return v
        s = str(v)
        return json_escape(s) if mode == "json" else urllib.parse.quote(s, safe="")
    env = OracleEnv(undefined=ChainableUndefined, autoescape=False, finalize=finalize)
    urlencode = env.filters["urlencode"]
    env.filters["urlencode"] = lambda v: Markup(urlencode(v))
    env.filters["tojson"] = f_tojson
    env.filters["b64encode"] = f_b64encode
    env.filters["split"] = f_split
    return env


ENVS = {m: make_env(m) for m in ("text", "json", "url", "header")}


def oracle(case, data):
    mode = case.get("mode", "text")
    try:
        out = ENVS[mode].from_string(case["template"]).render(**data)
    except Exception as e:  # any failure is an expected error
        return None, "%s: %s" % (type(e).__name__, e)
    if mode == "header" and ("\r" in out or "\n" in out):
        return None, "header value contains CR or LF"
    return out, None


def load_deviations(path):
    ids = set()
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            m = re.match(r"\s*[-*]\s*`([^`]+)`", line)
            if m:
                ids.add(m.group(1))
    return ids


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(os.environ.get("top_builddir", "."),
                                                  "tests", "template_render_cli"))
    ap.add_argument("--corpus", default=os.path.join(here, "template_corpus"))
    ap.add_argument("--only")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()

    skip = load_deviations(os.path.join(args.corpus, "DEVIATIONS.md"))
    cases, seen = [], set()
    for path in sorted(glob.glob(os.path.join(args.corpus, "*.jsonl"))):
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            if line.strip():
                case = json.loads(line)
                if case["id"] in seen:
                    sys.exit("%s:%d: duplicate id %s" % (path, n, case["id"]))
                seen.add(case["id"])
                cases.append(case)
    if args.only:
        cases = [c for c in cases if c["id"] == args.only]
    datas = {}
    batch = []
    for c in cases:
        if "data_ref" in c:
            ref = c["data_ref"]
            if ref not in datas:
                datas[ref] = open(os.path.join(args.corpus, "data", ref + ".json"),
                                  encoding="utf-8").read()
            text = datas[ref]
        else:
            text = json.dumps(c.get("data", {}))
        batch.append({"id": c["id"], "template": c["template"], "mode": c.get("mode", "text"),
                      "data": json.loads(text)})
        c["_data_text"] = text
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for b in batch:
            # exact numbers: re-embed the data text as written
            line = json.dumps({k: v for k, v in b.items() if k != "data"})
            f.write(line[:-1] + ', "data": ' + " ".join(
                next(c for c in cases if c["id"] == b["id"])["_data_text"].split("\n")) + "}\n")
        tmp = f.name
    try:
        res = subprocess.run([args.cli, "--batch", tmp], capture_output=True, timeout=600)
    finally:
        os.unlink(tmp)
    if res.returncode != 0:
        sys.stderr.write(res.stderr.decode("utf-8", "replace"))
        sys.exit("template_render_cli failed (%d)" % res.returncode)
    got = {}
    # one case per "\n" (str.splitlines() would also split at U+2028, U+0085, ...)
    for line in res.stdout.decode("utf-8").split("\n"):
        if not line:
            continue
        r = json.loads(line)
        got[r["id"]] = r
    failed = skipped = passed = 0
    for c in cases:
        cid = c["id"]
        if cid in skip:
            skipped += 1
            continue
        want_out, want_err = oracle(c, wrap_headers(load_json(c["_data_text"])))
        g = got.get(cid)
        ok = g is not None and (
            (want_err is not None and "error" in g) or
            (want_err is None and g.get("output") == want_out))
        if ok and "warnings" in c and g.get("warnings") != c["warnings"]:
            ok = False
        if ok:
            passed += 1
            if args.v:
                print("ok   %s" % cid)
            continue
        failed += 1
        print("FAIL %s (%s mode)\n  template: %r\n  jinja2:   %s\n  engine:   %s" % (
            cid, c.get("mode", "text"), c["template"],
            repr(want_out) if want_err is None else "error (%s)" % want_err,
            "missing" if g is None else repr(g["output"]) if "output" in g
            else "error (%s)" % g["error"]))
        if "warnings" in c and g is not None:
            print("  warnings: want %r got %r" % (c["warnings"], g.get("warnings")))
    print("template_diff: %d cases, %d passed, %d failed, %d skipped (DEVIATIONS.md), jinja2 %s"
          % (len(cases), passed, failed, skipped, jinja2.__version__))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
