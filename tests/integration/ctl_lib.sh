# Helpers shared by the incomingctl shell tests (sourced). The test sets
# CTL (incomingctl), FCGI (incoming.fcgi), T (its temporary directory) and
# the counters checks and failures.

# expect CODE COMMAND...: runs incomingctl, output in $T/out and $T/err.
expect() {
    want=$1
    shift
    checks=$((checks + 1))
    timeout 60 "$CTL" "$@" >"$T/out" 2>"$T/err" </dev/null
    got=$?
    report "$want" "$got" "$*"
}

# expect_in CODE FILE COMMAND...: the same with standard input from FILE.
expect_in() {
    want=$1
    input=$2
    shift 2
    checks=$((checks + 1))
    timeout 60 "$CTL" "$@" >"$T/out" 2>"$T/err" <"$input"
    got=$?
    report "$want" "$got" "$* < $(basename "$input")"
}

report() {
    if [ "$2" -ne "$1" ]; then
        echo "FAIL: incomingctl $3 exited $2, expected $1"
        sed 's/^/    /' "$T/err" | head -5
        failures=$((failures + 1))
        return 1
    fi
    echo "ok: incomingctl $3 -> $2"
    if [ "$1" -ne 0 ] && [ "$(wc -l <"$T/err")" -ne 1 ]; then
        echo "FAIL: expected exactly one line on stderr"
        sed 's/^/    /' "$T/err" | head -5
        failures=$((failures + 1))
    fi
    return 0
}

# jcheck PYTHON-EXPRESSION: asserts about the JSON in $T/out (bound to d).
jcheck() {
    checks=$((checks + 1))
    if ! python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
        "$T/out" 2>"$T/pyerr"; then
        echo "FAIL: JSON check: $1"
        sed 's/^/    /' "$T/out" | head -20
        sed 's/^/    /' "$T/pyerr" | tail -3
        failures=$((failures + 1))
    fi
}

jget() {
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$T/out"
}

grep_out() {
    checks=$((checks + 1))
    if ! grep -q -- "$1" "$T/$2"; then
        echo "FAIL: '$1' not in $2"
        sed 's/^/    /' "$T/$2" | head -10
        failures=$((failures + 1))
    fi
}

check() {
    checks=$((checks + 1))
    if ! eval "$1"; then
        echo "FAIL: $2"
        failures=$((failures + 1))
    fi
}

start_fcgi() {
    rm -f "$T/sock"
    python3 -c 'import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(16)
os.dup2(s.fileno(), 0)
os.execv(sys.argv[2], [sys.argv[2]])' "$T/sock" "$FCGI" 2>>"$T/fcgi.log" &
    FCGI_PID=$!
    for i in 1 2 3 4 5 6 7 8 9 10; do
        [ -S "$T/sock" ] && break
        sleep 0.2
    done
}

