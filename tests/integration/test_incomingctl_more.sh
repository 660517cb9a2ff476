#!/bin/sh
# Runs the real incomingctl through apikey, capture/apply, workflow, runs,
# replay, render, drain, purge, profile and recover against a temporary data
# directory, checking exit codes (0 ok, 1 user error, 2 usage error) and the
# --json documents. Requests reach a real incoming.fcgi through cgi-fcgi
# (libfcgi's client) over a Unix socket. runner_path is /bin/true, so no
# runner does the work: `incomingctl drain` does, delivering to a small
# python3 HTTP sink on a loopback port (outgoing_allow_private = yes).
set -u

B=${top_builddir:-$(pwd)}
CTL=$B/src/incomingctl
FCGI=$B/fcgi-bin/incoming.fcgi
T=$(mktemp -d /tmp/test_incomingctl_more.XXXXXX)
FCGI_PID=
SINK_PID=
failures=0
checks=0

cleanup() {
    [ -n "$FCGI_PID" ] && kill "$FCGI_PID" 2>/dev/null && wait "$FCGI_PID" 2>/dev/null
    [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
    [ "${INCOMING_TEST_KEEP:-}" = 1 ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT

if ! command -v cgi-fcgi >/dev/null 2>&1 || [ ! -x "$FCGI" ]; then
    echo "SKIP: cgi-fcgi or incoming.fcgi missing"
    exit 77
fi

cat >"$T/incoming.conf" <<EOF
data_dir = $T/data
runner_path = /bin/true
public_base_url = https://hooks.example.org
capture_seconds = 5
outgoing_allow_private = yes
runner_max = 2
EOF
INCOMING_CONF=$T/incoming.conf
export INCOMING_CONF

. "$(dirname "$0")/ctl_lib.sh"

# fcgi METHOD URI BODY [NAME=VALUE...]: one request to the responder; the
# whole answer goes to $T/resp, its status line is printed.
fcgi() {
    m=$1
    u=$2
    b=$3
    shift 3
    printf '%s' "$b" | env REQUEST_METHOD="$m" REQUEST_URI="$u" CONTENT_TYPE=application/json \
        CONTENT_LENGTH=${#b} "$@" timeout 20 cgi-fcgi -bind -connect "$T/sock" >"$T/resp" 2>/dev/null
    head -1 "$T/resp"
}

# post ENDPOINT BODY: an event; fails the test unless it answers 202.
post() {
    st=$(fcgi POST "/incoming/$1" "$2")
    checks=$((checks + 1))
    case "$st" in
    *202*) ;;
    *) echo "FAIL: post to $1 answered '$st'"; failures=$((failures + 1)) ;;
    esac
}

# The sink: answers 400 while $T/sink_fail exists, else 200; appends every
# body it receives to $T/sink.log.
python3 -c 'import http.server, os, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(sys.argv[2], "ab") as f:
            f.write(body + b"\n")
        code = 400 if os.path.exists(sys.argv[3]) else 200
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{\"ok\": %s}" % (b"false" if code == 400 else b"true"))
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()' "$T/sink.port" "$T/sink.log" "$T/sink_fail" &
SINK_PID=$!
# Up to 20 s: python3 starts slowly on a loaded machine (2 s was too short).
for _ in $(seq 100); do
    [ -s "$T/sink.port" ] && break
    sleep 0.2
done
PORT=$(cat "$T/sink.port")
sink_count() { [ -f "$T/sink.log" ] && wc -l <"$T/sink.log" || echo 0; }

# --- help and usage ---
expect 0 help
for word in "apikey create" "apikey list" "apikey revoke" "capture ID" "apply ID" \
    "workflow import" "workflow export" "workflow list" "workflow publish" \
    "workflow unpublish" "workflow delete" "runs list" "runs show" "runs retry" \
    "replay EVENT_ID" "render TEMPLATE" "drain" "purge" "profile show" "recover" \
    "web server"; do
    grep_out "$word" out
done
for cmd in apikey workflow runs profile; do
    expect 2 "$cmd"
    expect 2 "$cmd" frob
done
expect 2 capture
expect 2 apply
expect 2 replay
expect 2 render
expect 2 drain extra
expect 2 purge extra
expect 2 recover extra

expect 1 recover
grep_out "not initialised" err
expect 0 init
start_fcgi

# --- apikey ---
expect 0 --json apikey create --name sender
jcheck 'd["name"] == "sender" and d["state"] == "active" and d["secret"]'
jcheck 'sorted(d["permissions"]) == ["events:write", "incoming:execute"]'
KEY=$(jget 'd["id"]')
SECRET=$(jget 'd["secret"]')
expect 0 apikey create --name exec-only --permission incoming:execute
grep_out "shown only now" out
grep_out "incoming:execute" out
expect 0 --json apikey create --name both --permission=events:write --permission incoming:execute
jcheck 'sorted(d["permissions"]) == ["events:write", "incoming:execute"]'
KEY3=$(jget 'd["id"]')
expect 1 apikey create --name bad --permission admin
expect 2 apikey create
expect 2 apikey create --name x --permission
expect 2 apikey create --name x extra
expect 0 --json apikey list
jcheck 'len(d["items"]) == 3 and all("secret" not in k for k in d["items"])'
check '! grep -q "$SECRET" "$T/out"' "apikey list shows a secret"
expect 0 --json apikey list --limit 2
jcheck 'len(d["items"]) == 2 and "next" in d'
expect 0 apikey list
grep_out "exec-only" out
expect 0 --json apikey revoke "$KEY3"
jcheck 'd["state"] == "revoked" and "secret" not in d'
expect 0 apikey revoke "$KEY3"
expect 2 apikey revoke nope
expect 1 apikey revoke 00000000-0000-4000-8000-000000000000
expect 2 apikey list --limit 0

# --- capture and apply (on a draft) ---
expect 0 --json integration create --name Shop
INTEG=$(jget 'd["id"]')
ENDPOINT=$(jget 'd["endpointId"]')
(sleep 1; post "$ENDPOINT" '{"type": "email", "email": "a@example.com", "n": 9007199254740993}') &
expect 0 --json capture "$INTEG"
wait $!
jcheck 'd["status"] == "received" and d["sample"]["raw"]["body"]["email"] == "a@example.com"'
jcheck '{"key": "body.n", "type": "number", "value": 9007199254740993} in d["sample"]["flattened"]'
grep_out '"n": 9007199254740993' out
(sleep 1; post "$ENDPOINT" '{"type": "email", "cart": [{"sku": "x-1"}]}') &
expect 0 capture "$INTEG"
wait $!
grep_out 'body.cart\[0\].sku *string *"x-1"' out
grep_out '^KEY  *TYPE  *VALUE' out
(sleep 1; post "$ENDPOINT" '{"type": "raw"}') &
expect 0 capture "$INTEG" --raw
wait $!
jcheck 'd["body"] == {"type": "raw"} and d["endpointId"] == "'"$ENDPOINT"'"'
expect 0 --json apply "$INTEG"
jcheck 'd["id"] == "'"$INTEG"'" and any(p["key"] == "body.type" for p in d["parameters"])'
expect 0 apply "$INTEG"
grep_out "body.type" out
expect 0 --json integration create --name Quiet
QUIET=$(jget 'd["id"]')
expect 1 apply "$QUIET"
grep_out "no sample" err
start=$(date +%s)
expect 1 capture "$QUIET"
grep_out "expired" err
check '[ $(($(date +%s) - start)) -ge 4 ]' "capture gave up before capture_seconds"
expect 2 capture nope
expect 1 capture 00000000-0000-4000-8000-000000000000
expect 2 capture "$INTEG" --bogus
expect 0 integration delete "$QUIET"
expect 1 capture "$QUIET"
grep_out "deleted" err

# --- workflows ---
cat >"$T/wf.json" <<EOF
{"name": "To sink", "nodes": [
  {"id": "trigger", "type": "business_event", "integrationId": "$INTEG",
   "filter": {"all": [{"param": "body.type", "op": "eq", "value": "email"}]}},
  {"id": "send", "type": "outgoing_integration", "action": "goal.achieve", "method": "POST",
   "url": "http://127.0.0.1:$PORT/hook", "headers": {"Content-Type": "application/json"},
   "body": "{\"email\": \"{{ request.body.email }}\", \"n\": {{ request.body.n }}}",
   "timeoutMs": 5000, "retry": {"maxAttempts": 2}},
  {"id": "end", "type": "end"}],
 "edges": [["trigger", "send"], ["send", "end"]]}
EOF
sed "s/$INTEG/00000000-0000-4000-8000-000000000000/" "$T/wf.json" >"$T/wf_bad.json"
expect 1 workflow import "$T/wf_bad.json"
grep_out "trigger" err
printf '{"name": "x", "nodes": [' >"$T/wf_broken.json"
expect 1 workflow import "$T/wf_broken.json"
grep_out "line 1" err
echo '[1]' >"$T/wf_array.json"
expect 1 workflow import "$T/wf_array.json"
expect 1 workflow import "$T/no-such-file.json"
expect 2 workflow import
expect 0 --json workflow import "$T/wf.json"
jcheck 'd["state"] == "draft" and d["name"] == "To sink" and len(d["nodes"]) == 3'
WF=$(jget 'd["id"]')
expect_in 0 "$T/wf.json" workflow import -
grep_out "created workflow" out
WF2=$(sed -n 's/^created workflow \([0-9a-f-]*\) .*/\1/p' "$T/out")
expect 0 workflow export "$WF"
jcheck 'd["id"] == "'"$WF"'" and d["nodes"][1]["url"] == "http://127.0.0.1:'"$PORT"'/hook"'
python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); d["name"] = "Renamed"
json.dump(d, open(sys.argv[2], "w"))' "$T/out" "$T/wf_edit.json"
expect 0 --json workflow import "$T/wf_edit.json"
jcheck 'd["id"] == "'"$WF"'" and d["name"] == "Renamed"'
expect 0 workflow import "$T/wf_edit.json"
grep_out "replaced workflow $WF" out
expect 0 --json workflow list
jcheck 'sorted(w["id"] for w in d["items"]) == sorted(["'"$WF"'", "'"$WF2"'"])'
expect 0 workflow list
grep_out "Renamed" out
expect 0 --json workflow publish "$WF"
jcheck 'd["state"] == "published"'
expect 0 --json workflow unpublish "$WF2"
jcheck 'd["state"] == "unpublished"'
expect 0 --json workflow delete "$WF2"
jcheck 'd == {"id": "'"$WF2"'", "deleted": True}'
expect 1 workflow delete "$WF2"
expect 1 workflow export "$WF2"
expect 1 workflow publish "$WF2"
expect 2 workflow export nope
expect 2 workflow publish

# --- events, drain, runs (a 400 fails the run at once) ---
expect 0 integration publish "$INTEG"
touch "$T/sink_fail"
post "$ENDPOINT" '{"type": "email", "email": "b@example.com", "n": 1}'
EVENT=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1], "rb").read().split(b"\r\n\r\n", 1)[1])["eventId"])' "$T/resp")
post "$ENDPOINT" '{"type": "sms", "n": 2}'
# Runs are planned as the events are accepted: the filter matched the
# first (queued, waiting for a runner) and not the second (skipped).
expect 0 --json runs list
jcheck 'sorted(r["state"] for r in d["items"]) == ["queued", "skipped"]'
expect 0 --json drain
jcheck 'd["planned"] == 0 and d["runs"] == 1 and d["allBusy"] is False'
check '[ "$(sink_count)" -eq 1 ]' "the sink should have one request after the first drain"
expect 0 --json runs list --state failed
jcheck 'len(d["items"]) == 1 and d["items"][0]["eventId"] == "'"$EVENT"'"'
RUN=$(jget 'd["items"][0]["id"]')
expect 0 --json runs list --state skipped
jcheck 'len(d["items"]) == 1 and d["items"][0]["workflowId"] == "'"$WF"'"'
expect 0 --json runs list --event "$EVENT" --workflow "$WF"
jcheck '[r["id"] for r in d["items"]] == ["'"$RUN"'"]'
expect 0 --json runs list --limit 1
jcheck 'len(d["items"]) == 1 and d["next"]'
CURSOR=$(jget 'd["next"]')
expect 0 --json runs list --limit 1 --cursor "$CURSOR"
jcheck 'len(d["items"]) == 1 and "next" not in d'
expect 0 runs list
grep_out "$RUN" out
expect 0 --json runs show "$RUN"
jcheck 'd["state"] == "failed" and len(d["attempts"]) == 1'
jcheck 'd["attempts"][0]["response"]["status"] == 400 and d["attempts"][0]["node"] == "send"'
expect 0 runs show "$RUN"
grep_out "state: *failed" out
grep_out "node send at" out
grep_out "request:  POST http://127.0.0.1:$PORT/hook" out
grep_out "response: 400" out
grep_out "error: *HTTP 400" out
expect 2 runs list --state bogus
expect 2 runs list --workflow nope
expect 2 runs list --limit 0
expect 2 runs list --cursor garbage
expect 2 runs show nope
expect 1 runs show 00000000-0000-4000-8000-000000000000
expect 2 runs show

# retry: queued (hint), a second retry conflicts, drain runs it (the sink
# still refuses), then retry --drain delivers at once.
expect 0 runs retry "$RUN"
grep_out "incomingctl drain" out
expect 1 runs retry "$RUN"
grep_out "still queued" err
expect 0 --json drain
jcheck 'd["runs"] == 1 and d["planned"] == 0'
expect 0 --json runs show "$RUN"
jcheck 'd["state"] == "failed" and len(d["attempts"]) == 2'
check '[ "$(sink_count)" -eq 2 ]' "the sink should have two requests after the retry"
rm -f "$T/sink_fail"
expect 0 --json runs retry "$RUN" --drain
jcheck 'd["id"] == "'"$RUN"'" and d["state"] == "succeeded"'
jcheck 'd["attempts"][-1]["response"]["status"] == 200 and len(d["attempts"]) == 3'
check '[ "$(sink_count)" -eq 3 ]' "retry --drain should deliver at once"
grep_out '{"email": "b@example.com", "n": 1}' sink.log
# A succeeded run is not retried (it could only fail; replay it instead).
expect 1 runs retry "$RUN"
grep_out "only a failed run is retried" err
expect 0 --json runs show "$RUN"
jcheck 'd["state"] == "succeeded"'
expect 1 runs retry 00000000-0000-4000-8000-000000000000
expect 2 runs retry "$RUN" --bogus

# replay: new runs for the event's published workflows
expect 0 --json replay "$EVENT"
jcheck 'sorted(d) == ["event", "flattened", "flattenedCount", "flattenedTruncated", "replayedRunIds", "runs"] and len(d["runs"]) == 2'
jcheck 'len(d["replayedRunIds"]) == 1 and d["replayedRunIds"][0] in [r["id"] for r in d["runs"]]'
jcheck 'sorted(r["state"] for r in d["runs"]) == ["queued", "succeeded"]'
expect 0 replay "$EVENT" --drain
grep_out "1 new run" out
grep_out "drained: 0 event(s) planned, 2 run(s) executed" out
check '[ "$(sink_count)" -eq 5 ]' "replay + drain should deliver twice more"
expect 0 --json events show "$EVENT"
jcheck 'len(d["runs"]) == 3 and all(r["state"] == "succeeded" for r in d["runs"])'
expect 0 events show "$EVENT"
grep_out "^Runs:" out
expect 0 --json workflow unpublish "$WF"
expect 0 replay "$EVENT"
grep_out "0 new run" out
expect 1 replay 00000000-0000-4000-8000-000000000000
expect 2 replay nope
expect 0 --json drain
jcheck 'd == {"planned": 0, "runs": 0, "failed": 0, "waiting": 0, "allBusy": False}'
expect 0 drain
grep_out "drained: 0 event" out

# --- render ---
printf 'Hello {{ user.name | upper }}{%% for x in xs %%} {{ loop.index }}={{ x }}{%% endfor %%}' \
    >"$T/t.j2"
printf '{"user": {"name": "ann"}, "xs": [0.1, 9007199254740993]}' >"$T/d.json"
expect 0 render "$T/t.j2" "$T/d.json"
check '[ "$(cat "$T/out")" = "Hello ANN 1=0.1 2=9007199254740993" ]' "render output: $(cat "$T/out")"
expect_in 0 "$T/t.j2" render - "$T/d.json"
check '[ "$(cat "$T/out")" = "Hello ANN 1=0.1 2=9007199254740993" ]' "render from stdin"
expect_in 0 "$T/d.json" --json render "$T/t.j2" -
jcheck 'd == {"output": "Hello ANN 1=0.1 2=9007199254740993", "warnings": []}'
expect 0 --json render --template '{"a": "{{ v }}"}' --data '{"v": "x\"y"}' --mode json
jcheck 'json.loads(d["output"]) == {"a": "x\"y"}'
expect 0 render --template '/q?{{ v }}' --data '{"v": "a b&c"}' --mode url
check '[ "$(cat "$T/out")" = "/q?a%20b%26c" ]' "url mode: $(cat "$T/out")"
expect 0 render --template 'x{{ nothing.here }}y'
check '[ "$(cat "$T/out")" = "xy" ]' "undefined renders empty"
grep_out "warning: undefined: nothing.here" err
expect 0 --json render --template '{{ a }}'
jcheck 'd["output"] == "" and d["warnings"] == ["undefined: a"]'
expect 1 render --template 'a {{ v }}' --data '{"v": "x\r\ny"}' --mode header
expect 1 render --template 'ok
{% if %}'
grep_out "line 2, column" err
expect 1 render --template '{{ 1 / 0 }}'
expect 1 render --template 'x' --data '[1]'
expect 1 render --template 'x' --data '{"a":'
expect 1 render "$T/no-such.j2"
expect 2 render
expect 2 render --template x --mode html
expect 2 render - -
expect 2 render "$T/t.j2" "$T/d.json" extra
expect 2 render --template x "$T/d.json" "$T/d.json"
expect 2 render --template x --data '{}' "$T/d.json"

# --- profiles: a token from /auth/token, a custom event, profile show ---
st=$(fcgi POST /auth/token "{\"apiKey\": \"$SECRET\"}")
checks=$((checks + 1))
case "$st" in *200*) ;; *) echo "FAIL: /auth/token answered '$st'"; failures=$((failures + 1)) ;; esac
TOKEN=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1], "rb").read().split(b"\r\n\r\n", 1)[1])["token"])' "$T/resp")
for a in one two; do
    st=$(fcgi POST /v4/events/custom \
        "{\"action\": \"goal.$a\", \"client\": {\"email\": \"Pat@Example.com\", \"customId\": \"c-7\"}, \"params\": {\"k\": \"$a\"}}" \
        HTTP_AUTHORIZATION="Bearer $TOKEN")
    checks=$((checks + 1))
    case "$st" in *202*) ;; *) echo "FAIL: custom event answered '$st'"; failures=$((failures + 1)) ;; esac
    sleep 0.01
done
expect 0 --json profile show --email pat@example.com
jcheck 'd["identifiers"]["customId"] == "c-7" and [e["action"] for e in d["events"]] == ["goal.two", "goal.one"]'
PROFILE=$(jget 'd["id"]')
expect 0 profile show --custom-id c-7
grep_out "Profile $PROFILE" out
grep_out "goal.two" out
grep_out 'customId *"c-7"' out
expect 1 profile show --email nobody@example.com
expect 2 profile show
expect 2 profile show --email a@b --custom-id c
expect 2 profile show --email ''
expect 2 profile show --phone 1

# --- purge ---
expect 0 --json purge
jcheck 'sorted(d) == ["dedup", "events", "runs"] and d["events"] == 0 and d["runs"] == 0'
expect 0 purge
grep_out "older than 30 day" out
expect 0 --json events show "$EVENT"

# --- recover: safe while the responder has the environment open; the
# responder notices the new generation and reopens its handles ---
expect 0 --json recover
jcheck 'd["recovered"] is True'
post "$ENDPOINT" '{"after": "recover"}'
expect 0 recover
grep_out "recovered" out
post "$ENDPOINT" '{"after": "second recover"}'
kill "$FCGI_PID" && wait "$FCGI_PID" 2>/dev/null
FCGI_PID=
expect 0 verify
expect 0 --json runs show "$RUN"
jcheck 'd["state"] == "succeeded"'

echo "$checks checks, $failures failures"
[ "$failures" -eq 0 ]
