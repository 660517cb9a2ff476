#!/bin/sh
# Runs the real incomingctl through every command against a temporary data
# directory (INCOMING_CONF points at a temporary configuration) and checks
# exit codes (0 ok, 1 user error, 2 usage error) and the --json documents.
# Events are posted by a real incoming.fcgi driven with cgi-fcgi (libfcgi's
# client) over a Unix socket; without cgi-fcgi those checks are skipped.
set -u

B=${top_builddir:-$(pwd)}
CTL=$B/src/incomingctl
FCGI=$B/fcgi-bin/incoming.fcgi
RUNNER=$B/src/incoming-runner
T=$(mktemp -d /tmp/test_incomingctl.XXXXXX)
FCGI_PID=
failures=0
checks=0

cleanup() {
    [ -n "$FCGI_PID" ] && kill "$FCGI_PID" 2>/dev/null && wait "$FCGI_PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

cat >"$T/incoming.conf" <<EOF
data_dir = $T/data
runner_path = $RUNNER
public_base_url = https://hooks.example.org
EOF
INCOMING_CONF=$T/incoming.conf
export INCOMING_CONF

. "$(dirname "$0")/ctl_lib.sh"

# --- usage, help, configuration ---
expect 0 help
for word in init admin-token integration events verify backup --conf --json; do
    grep_out "$word" out
done
expect 0 --help
expect 2
expect 2 frobnicate
expect 2 --frob init
expect 2 --conf
expect 2 integration
expect 2 integration frob
expect 2 events
expect 2 admin-token
printf 'data_dir = %s/data\nrunner_max = 99\n' "$T" >"$T/bad.conf"
expect 1 --conf "$T/bad.conf" init
grep_out "bad.conf:2: runner_max" err
expect 1 --conf "$T/missing.conf" init
expect 1 integration list
grep_out "init" err

# --- init ---
expect 0 init
[ "$(stat -c %a "$T/data")" = 700 ] || { echo "FAIL: data_dir mode"; failures=$((failures + 1)); }
expect 0 init
grep_out "already" out
expect 0 --json init
jcheck 'd["created"] is False and d["schemaVersion"] == 1'
expect 2 init extra

# --- admin tokens ---
expect 0 --json admin-token create --name ops
jcheck 'sorted(d) == ["id", "token"] and d["token"].startswith("iat_")'
TOKEN_ID=$(jget 'd["id"]')
TOKEN=$(jget 'd["token"]')
expect 0 admin-token create
grep_out "iat_" out
expect 0 admin-token list --json
jcheck 'len(d["items"]) == 2 and all("hash" not in t for t in d["items"])'
if grep -q "$TOKEN" "$T/out"; then
    echo "FAIL: admin-token list shows a token"
    failures=$((failures + 1))
fi
expect 0 admin-token list
grep_out "$TOKEN_ID" out
expect 0 --json admin-token revoke "$TOKEN_ID"
jcheck 'd["state"] == "revoked" and d["id"] == "'"$TOKEN_ID"'"'
expect 2 admin-token revoke nope
expect 1 admin-token revoke 00000000-0000-4000-8000-000000000000
expect 2 admin-token revoke
expect 2 admin-token create --bogus

# --- integrations ---
expect 2 integration create
expect 1 integration create --name Bad --auth bogus
expect 1 integration create --name Bad --icon no-such-icon
expect 0 --json integration create --name Shop --icon cart
jcheck 'd["state"] == "draft" and d["auth"] == "none" and d["name"] == "Shop"'
jcheck 'd["endpointUrl"] == "https://hooks.example.org/incoming/" + d["endpointId"]'
INTEG=$(jget 'd["id"]')
ENDPOINT=$(jget 'd["endpointId"]')
expect 0 integration create --name Other
grep_out "https://hooks.example.org/incoming/" out
expect 0 --json integration create --name Signed --auth hmac --hmac-scheme github --hmac-secret s3cret
jcheck 'd["auth"] == "hmac" and d["hmac"]["scheme"] == "github" and "s3cret" not in json.dumps(d)'
expect 1 integration create --name Signed --auth hmac --hmac-scheme github
expect 1 integration create --name Jwt --auth jwt --api-key 00000000-0000-4000-8000-000000000000
expect 2 integration create --name Jwt --auth jwt --api-key nope
expect 0 integration list --json
jcheck 'len(d["items"]) == 3 and "next" not in d'
expect 0 --json integration list --limit 1
jcheck 'len(d["items"]) == 1 and "next" in d'
expect 0 integration list
grep_out "Shop" out
expect 0 --json integration show "$INTEG"
jcheck 'd["id"] == "'"$INTEG"'" and "endpointUrl" in d'
expect 0 integration show "$(echo "$INTEG" | tr a-f A-F)"
expect 2 integration show not-a-uuid
expect 1 integration show 00000000-0000-4000-8000-000000000000
expect 2 integration show "$INTEG" extra
expect 0 --json integration publish "$INTEG"
jcheck 'd["state"] == "published"'

# --- events, posted through a real responder ---
post() {
    printf '%s' "$2" | REQUEST_METHOD=POST REQUEST_URI="/incoming/$1" \
        CONTENT_TYPE=application/json CONTENT_LENGTH=${#2} HTTP_X_REQUEST_ID=req-$3 \
        timeout 20 cgi-fcgi -bind -connect "$T/sock" 2>/dev/null | head -1
}
HAVE_FCGI=no
if command -v cgi-fcgi >/dev/null 2>&1 && [ -x "$FCGI" ]; then
    start_fcgi
    HAVE_FCGI=yes
fi

expect 0 --json events list --integration "$INTEG"
jcheck 'd == {"items": []}'
if [ "$HAVE_FCGI" = yes ]; then
    for n in 1 2 3; do
        status=$(post "$ENDPOINT" "{\"n\": $n, \"big\": 9007199254740993, \"a-b\": [0.1]}" $n)
        case "$status" in
        *202*) ;;
        *) echo "FAIL: post $n answered '$status'"; failures=$((failures + 1)) ;;
        esac
        sleep 0.01
    done
    expect 0 --json events list --integration "$INTEG"
    jcheck '[e["raw"]["n"] for e in d["items"]] == [3, 2, 1] and "next" not in d'
    jcheck 'all(sorted(e) == ["eventId", "flattened", "flattenedCount", "flattenedTruncated", "raw", "rawBytes", "rawTruncated", "time"] for e in d["items"])'
    jcheck 'all(e["flattenedCount"] == len(e["flattened"]) and e["flattenedTruncated"] is False and e["rawTruncated"] is False for e in d["items"])'
    jcheck '{"key": "body.n", "type": "number", "value": 3} in d["items"][0]["flattened"]'
    grep_out '"big": 9007199254740993' out
    EVENT=$(jget 'd["items"][0]["eventId"]')
    expect 0 --json events list --integration "$INTEG" --limit 2
    jcheck 'len(d["items"]) == 2 and len(d["next"]) == 160'
    CURSOR=$(jget 'd["next"]')
    expect 0 events list --integration "$INTEG" --limit 2 --cursor "$CURSOR" --json
    jcheck '[e["raw"]["n"] for e in d["items"]] == [1] and "next" not in d'
    expect 0 --json events list
    jcheck 'len(d["items"]) == 3'
    expect 0 events list --integration "$INTEG"
    grep_out "$EVENT" out
    expect 0 --json events show "$EVENT"
    jcheck 'sorted(d) == ["event", "flattened", "flattenedCount", "flattenedTruncated", "runs"] and d["runs"] == []'
    jcheck 'd["flattenedCount"] == len(d["flattened"]) and d["flattenedTruncated"] is False'
    jcheck 'd["event"]["eventId"] == "'"$EVENT"'" and d["event"]["headers"]["X-Request-Id"] == "req-3"'
    jcheck '{"key": "headers[\"X-Request-Id\"]", "type": "string", "value": "req-3"} in d["flattened"]'
    grep_out '"big": 9007199254740993' out
    expect 0 events show "$EVENT"
    grep_out 'body\["a-b"\]\[0\] *number *0.1' out
    grep_out '"X-Request-Id": "req-3"' out
fi
expect 2 events list --limit 501
expect 2 events list --limit x
expect 2 events list --cursor garbage
expect 2 events list --integration nope
expect 1 events list --integration 00000000-0000-4000-8000-000000000000
expect 2 events show nope
expect 1 events show 00000000-0000-4000-8000-000000000000
expect 2 events show

# --- verify and backup (hot: the responder keeps writing meanwhile) ---
expect 0 verify
grep_out "consistent" out
expect 0 --json verify
jcheck 'd["ok"] is True and d["problems"] == 0'
if [ "$HAVE_FCGI" = yes ]; then
    (for n in 4 5 6 7 8 9 10 11 12 13; do post "$ENDPOINT" "{\"n\": $n}" $n >/dev/null; done) &
    WRITER=$!
fi
expect 0 backup "$T/backup"
[ "${WRITER:-}" ] && wait "$WRITER"
expect 1 backup "$T/backup"
grep_out "not empty" err
expect 2 backup
printf 'data_dir = %s/backup\n' "$T" >"$T/backup.conf"
expect 0 --conf "$T/backup.conf" verify
expect 0 --conf "$T/backup.conf" --json events list --integration "$INTEG"
jcheck 'len(d["items"]) >= (3 if "'"$HAVE_FCGI"'" == "yes" else 0)'
expect 0 --conf "$T/backup.conf" --json integration show "$INTEG"
jcheck 'd["state"] == "published"'
# A damaged database file is reported (exit 1), not ignored.
cp -r "$T/backup" "$T/broken"
python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(8192 // 2); f.write(b"\xde\xad" * 64)' "$T/broken/integrations.db"
printf 'data_dir = %s/broken\n' "$T" >"$T/broken.conf"
expect 1 --conf "$T/broken.conf" verify

# --- state changes to the end ---
expect 0 --json integration unpublish "$INTEG"
jcheck 'd["state"] == "unpublished"'
expect 0 integration delete "$INTEG"
grep_out "deleted" out
expect 1 integration publish "$INTEG"
expect 2 integration delete

echo "$checks checks, $failures failures"
[ "$failures" -eq 0 ]
