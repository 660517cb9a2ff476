#!/bin/sh
# Browser test of the admin UI (issue 7): the seed's whole flow in headless
# Debian Chromium driven by playwright-core, against a real lighttpd serving
# the built product (tests/browser/server.py, via the integration harness).
# Screenshots: tests/browser/artifacts/ of the build directory (ARTIFACTS
# overrides).
# Skips (77) without chromium, node/npm or the built product.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
export top_srcdir top_builddir
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM

if [ ! -x "$CHROMIUM" ]; then
    echo "SKIP: $CHROMIUM not found (apt-get install chromium)" >&2
    exit 77
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: node and npm are needed" >&2
    exit 77
fi
if [ ! -x "$top_builddir/fcgi-bin/incoming.fcgi" ]; then
    echo "SKIP: the product is not built in $top_builddir" >&2
    exit 77
fi
if [ ! -d "$here/node_modules/playwright-core" ]; then
    (cd "$here" && npm ci --no-audit --no-fund) || {
        echo "SKIP: npm ci in $here failed (playwright-core comes from npm)" >&2
        exit 77
    }
fi
export ARTIFACTS="${ARTIFACTS:-$top_builddir/tests/browser/artifacts}"
exec node "$here/ui.test.mjs"
