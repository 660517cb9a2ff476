#!/bin/sh
# Differential test of the template engine against python3-jinja2 (see
# tests/template_diff.py). Run by make check with top_srcdir/top_builddir set.
: "${top_srcdir:=.}" "${top_builddir:=.}"
if ! python3 -c 'import jinja2' 2>/dev/null; then
    echo "python3-jinja2 not installed: skipping" >&2
    exit 77
fi
exec python3 "$top_srcdir/tests/template_diff.py" --cli "$top_builddir/tests/template_render_cli" \
    --corpus "$top_srcdir/tests/template_corpus"
