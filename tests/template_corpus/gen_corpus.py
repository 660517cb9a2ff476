#!/usr/bin/env python3
"""Writes cases.jsonl, the differential corpus (see ../template_diff.py).
Each group has a prefix; ids are prefix-NNN in list order, so append new
cases at the end of a group to keep ids stable."""
import json
import os

S = "seed"
G = {}

G["lit"] = [
    "plain text", "", "a\n", "a\n\n", "a\r\nb", "{{ 1 }}", "{{ -1 }}", "{{ 1_000 }}", "{{ 0.1 }}",
    "{{ 1.50 }}", "{{ 1e3 }}", "{{ 1E-7 }}", "{{ 2.5e16 }}", "{{ 123456789012345678 }}",
    "{{ 'single' }}", '{{ "double" }}', "{{ 'a' 'b' }}", r"{{ 'tab\there' }}", r"{{ 'nl\nx' }}",
    r"{{ 'q\'s' }}", r"{{ 'u\u00e9' }}", r"{{ 'x\x41' }}", r"{{ 'back\\slash' }}", r"{{ 'unk\d' }}",
    "{{ true }}", "{{ false }}", "{{ none }}", "{{ True }}", "{{ None }}", "{{ [1, 'a', none, true] }}",
    "{{ [] }}", "{{ {} }}", "{{ {'a': 1, 'b': [2, 3]} }}", "{{ {'k': \"it's\"} }}", "{{ (1, 2) }}",
    "{{ [1, [2, [3]]] }}", "{{ {'a': {'b': 1}} }}", "{{ 'x' ~ 1 ~ none }}", "{{ [1.0, 2.50] }}",
    "{{ {'a': 'x'}['a'] }}", "{{ ['p', 'q'][1] }}", "{{ [1,2,3][-1] }}", "{{ 'abc'[0] }}",
    "{{ 'abc'[-1] }}", "{{ [1,2,3,4,5][1:3] }}", "{{ 'hello'[1:] }}", "{{ 'hello'[::-1] }}",
    "{{ [1,2,3,4][::2] }}", "{{ [1,2,3][5] }}", "{{ 'h\u00e9llo'[1] }}",
]
G["arith"] = [
    "{{ 1 + 2 }}", "{{ 7 - 10 }}", "{{ 6 * 7 }}", "{{ 7 / 2 }}", "{{ 10 / 2 }}", "{{ 7 // 2 }}",
    "{{ -7 // 2 }}", "{{ 7 // -2 }}", "{{ 7 % 3 }}", "{{ -7 % 3 }}", "{{ 7 % -3 }}", "{{ 2 ** 10 }}",
    "{{ 2 ** -1 }}", "{{ -2 ** 2 }}", "{{ 2 ** 3 ** 2 }}", "{{ 1 + 2 * 3 }}", "{{ (1 + 2) * 3 }}",
    "{{ 0.1 + 0.2 }}", "{{ 1.5 * 2 }}", "{{ 1 / 3 }}", "{{ 2 / 3 }}", "{{ 1e16 + 1 }}", "{{ 1e15 }}",
    "{{ 1e-5 }}", "{{ 0.0001 }}", "{{ 123456.789 * 1000 }}", "{{ 7.5 // 2 }}", "{{ -7.5 % 2 }}",
    "{{ 1 / 0 }}", "{{ 1 // 0 }}", "{{ 1 % 0 }}", "{{ 'a' + 'b' }}", "{{ 'ab' * 3 }}", "{{ 3 * 'x' }}",
    "{{ [1] + [2, 3] }}", "{{ [0] * 3 }}", "{{ 'a' + 1 }}", "{{ 1 + none }}", "{{ true + 1 }}",
    "{{ -(3) }}", "{{ +5 }}", "{{ - 'x' }}", "{{ 10 - 2 - 3 }}", "{{ 100 / 10 / 5 }}",
    "{{ 9223372036854775807 }}", "{{ 2 ** 62 }}", "{{ -0.0 }}", "{{ 1.0 }}", "{{ 3 * 1.1 }}",
    "{{ 1e300 * 1e10 }}", "{{ request.body.price }}", "{{ request.body.products[0].price * 2 }}",
    "{{ request.body.products[1].price + 1 }}", "{{ request.body.big + 0 }}",
    "{{ request.body.tiny * 3 }}", "{{ request.body.neg // 2 }}", "{{ request.time // 1000 }}",
    "{{ now - request.time }}", "{{ request.body.qty + 1 }}",
]
G["cmp"] = [
    "{{ 1 == 1 }}", "{{ 1 == 1.0 }}", "{{ 1 != 2 }}", "{{ 'a' == 'a' }}", "{{ 'a' == 1 }}",
    "{{ 1 < 2 }}", "{{ 2 <= 2 }}", "{{ 3 > 4 }}", "{{ 'b' >= 'a' }}", "{{ 1 < 2 < 3 }}",
    "{{ 1 < 3 < 2 }}", "{{ 'a' < 1 }}", "{{ [1, 2] == [1, 2] }}", "{{ [1, 2] < [1, 3] }}",
    "{{ {'a': 1} == {'a': 1} }}", "{{ none == none }}", "{{ true == 1 }}", "{{ 'b' in 'abc' }}",
    "{{ 'z' not in 'abc' }}", "{{ 2 in [1, 2] }}", "{{ 'a' in {'a': 1} }}", "{{ 1 in 'abc' }}",
    "{{ not true }}", "{{ not 0 }}", "{{ not '' }}", "{{ not [] }}", "{{ true and false }}",
    "{{ 1 and 2 }}", "{{ 0 or 'x' }}", "{{ '' or none }}", "{{ none or [] or 5 }}",
    "{{ 'y' if true else 'n' }}", "{{ 'y' if 0 else 'n' }}", "{{ 'y' if false }}",
    "{{ 1 if 1 else 2 if 2 else 3 }}", "{{ not 1 == 2 }}", "{{ 1 + 1 == 2 and 'ok' }}",
    "{{ request.body.type == 'email' }}", "{{ request.body.flag and request.body.off }}",
    "{{ 'Tea' in request.body.products|map(attribute='name') }}", "{{ request.body.missing == none }}",
    "{{ request.body.none is none and request.body.none == none }}", "{{ 'hot' in request.body.products[0].tags }}",
    "{{ request.body.big == 9007199254740993 }}", "{{ request.body.tiny < 1 }}",
]
G["var"] = [
    "{{ request.body.customer_email }}", "{{ request.body['customer_email'] }}",
    "{{ request['body']['name'] }}", "{{ request.body.products[0].name }}",
    "{{ request.body.products.0.name }}", "{{ request.body.products[2]['sku'] }}",
    "{{ request.headers['X-Request-Id'] }}", "{{ request.headers['x-request-id'] }}",
    "{{ request.headers['X-REQUEST-ID'] }}", "{{ event.headers['x-request-id'] }}",
    "{{ nodes.send.headers['retry-after'] }}", "{{ nodes.send.body.id }}", "{{ nodes.send.status }}",
    "{{ 'X-Request-Id' in request.headers }}", "{{ 'x-request-id' in request.headers }}",
    "{{ request.body.nested.a.b.c }}", "{{ request.body.big }}", "{{ request.body.huge }}",
    "{{ request.body.tiny }}", "{{ request.body.exp }}", "{{ request.body.negzero }}",
    "{{ request.body.flag }}", "{{ request.body.none }}", "{{ request.body.empty }}",
    "{{ request.body.list }}", "{{ request.body.obj }}", "{{ request.body.products[0] }}",
    "{{ request.body.matrix }}", "{{ request.body.unicode }}", "{{ request.body.quote }}",
    "{{ request.body.multi }}", "{{ request.body.ctrl }}", "{{ request.method }}", "{{ request.time }}",
    "{{ request.businessProfileId }}", "{{ request.query.b }}", "{{ now }}",
    "{{ request.body.nme }}", "[{{ missing }}]", "[{{ missing.a.b }}]", "{{ request.body.products[9].name }}",
    "{{ request.body.products[0].nope }}", "{{ request.body.name.first }}", "{{ request.body.list[0] }}",
    "{{ request.body.list[-1] }}", "{{ request.body.words[1] }}", "{{ request.body.matrix[1][0] }}",
    "{{ request.body.html }}", "{{ request.body.crlf }}", "{{ request.body.obj.a[1].c }}",
]
G["filt"] = [
    "{{ missing|default('dflt') }}", "{{ missing|d('x') }}", "{{ request.body.empty|default('e') }}",
    "{{ request.body.empty|default('e', true) }}", "{{ request.body.none|default('n') }}",
    "{{ request.body.name|default('n') }}", "{{ missing|default(request.body.type) }}",
    "{{ 'Hello'|lower }}", "{{ 'Hello'|upper }}", "{{ 'hELLO wORLD'|capitalize }}",
    "{{ 'hello big-world (x)'|title }}", "{{ request.body.text|trim }}", "{{ 'xxhixx'|trim('x') }}",
    "{{ 'a-b-c'|replace('-', '+') }}", "{{ 'a-b-c'|replace('-', '', 1) }}", "{{ 'abc'|replace('', '.') }}",
    "{{ 'hello'|length }}", "{{ request.body.products|length }}", "{{ request.body.obj|length }}",
    "{{ missing|length }}", "{{ request.body.unicode|length }}", "{{ 'héllo'|count }}",
    "{{ request.body.list|first }}", "{{ request.body.list|last }}", "{{ 'abc'|first }}",
    "{{ []|first }}", "{{ request.body.obj|first }}", "{{ request.body.list|join(',') }}",
    "{{ request.body.words|join }}", "{{ request.body.products|join(', ', attribute='name') }}",
    "{{ [1, none, true, 'x']|join('|') }}", "{{ request.body.obj|tojson }}", "{{ request.body.list|tojson }}",
    "{{ request.body.name|tojson }}", "{{ request.body.big|tojson }}", "{{ request.body.huge|tojson }}",
    "{{ missing|tojson }}", "{{ none|tojson }}", "{{ {'a': [1, 2.5, 'x'], 'b': none}|tojson }}",
    "{{ request.body.unicode|tojson }}", "{{ request.body.ctrl|tojson }}", "{{ 1|string ~ 2 }}",
    "{{ [1, 'a']|string }}", "{{ request.body.num_str|int + 1 }}", "{{ request.body.float_str|int }}",
    "{{ request.body.bad_num|int }}", "{{ request.body.bad_num|int(7) }}", "{{ '  12 '|int }}",
    "{{ '1_000'|int }}", "{{ '-5'|int }}", "{{ 3.99|int }}", "{{ -3.99|int }}", "{{ true|int }}",
    "{{ '0x1A'|int }}", "{{ none|int }}", "{{ request.body.float_str|float }}", "{{ '1e3'|float }}",
    "{{ 'abc'|float }}", "{{ 'abc'|float(1.5) }}", "{{ 3|float }}", "{{ ' 2.5 '|float }}",
    "{{ 2.5|round }}", "{{ 3.5|round }}", "{{ 2.675|round(2) }}", "{{ 1.23456|round(3) }}",
    "{{ 7|round }}", "{{ 2.1|round(0, 'ceil') }}", "{{ 2.9|round(0, 'floor') }}",
    "{{ -2.5|round }}", "{{ 1234.5678|round(-2) }}", "{{ request.body.tiny|round(1) }}",
    "{{ -5|abs }}", "{{ -2.5|abs }}", "{{ request.body.neg|abs }}", "{{ 'a b&c/d'|urlencode }}",
    "{{ {'q': 'a b', 'n': 1}|urlencode }}", "{{ [('a', 'x y'), ('b', '&')]|urlencode }}",
    "{{ request.body.path|urlencode }}", "{{ 'hello'|b64encode }}", "{{ 'héllo ✓'|b64encode }}",
    "{{ 'user:pass'|b64encode }}", "{{ 'Hello world this is long'|truncate(10) }}",
    "{{ 'Hello world this is long'|truncate(10, true) }}", "{{ 'Hello world this is long'|truncate(12, false, '…') }}",
    "{{ 'short'|truncate(10) }}", "{{ 'Hello world foo'|truncate(11) }}", "{{ 'abcdefghijklmnop'|truncate(5, leeway=0) }}",
    "{{ 'Hello world this is long'|truncate(10, end='!', leeway=0) }}", "{{ [3, 1, 2]|sort }}",
    "{{ [3, 1, 2]|sort(reverse=true) }}", "{{ request.body.words|sort }}", "{{ request.body.words|sort(case_sensitive=true) }}",
    "{{ request.body.products|sort(attribute='price')|map(attribute='name')|join(',') }}",
    "{{ request.body.products|sort(attribute='name')|map(attribute='sku')|list }}", "{{ [1, 'a']|sort }}",
    "{{ request.body.list|unique|list }}", "{{ request.body.words|unique|list }}",
    "{{ request.body.words|unique(case_sensitive=true)|list }}", "{{ request.body.products|map(attribute='qty')|list }}",
    "{{ request.body.products|map(attribute='note', default='-')|list }}", "{{ request.body.words|map('upper')|join(' ') }}",
    "{{ request.body.products|map(attribute='name')|map('lower')|list }}", "{{ ['a','b']|map('replace', 'a', 'z')|list }}",
    "{{ request.body.products|selectattr('tags')|map(attribute='name')|list }}",
    "{{ request.body.products|selectattr('price', 'gt', 1)|map(attribute='name')|join }}",
    "{{ request.body.products|rejectattr('price', 'gt', 1)|map(attribute='name')|join }}",
    "{{ request.body.products|selectattr('name', 'equalto', 'Jam')|first }}",
    "{{ [0, 1, '', 'a', none]|select|list }}", "{{ [1, 2, 3, 4]|select('odd')|list }}",
    "{{ [1, 2, 3, 4]|reject('even')|list }}", "{{ [1, 2, 3, 4]|select('gt', 2)|list }}",
    "{{ request.body.list|sum }}", "{{ request.body.products|sum(attribute='qty') }}",
    "{{ request.body.products|sum(attribute='price') }}", "{{ [1, 2]|sum(start=10) }}", "{{ [0.1, 0.2]|sum }}",
    "{{ request.body.list|min }}", "{{ request.body.list|max }}", "{{ request.body.words|min }}",
    "{{ request.body.words|max }}", "{{ request.body.words|max(case_sensitive=true) }}",
    "{{ request.body.products|max(attribute='price') }}", "{{ request.body.products|min(attribute='name') }}",
    "{{ []|max }}", "{{ 'abc'|list }}", "{{ request.body.obj|list }}", "{{ (1, 2)|list }}",
    "{{ 'a,b,,c'|split(',') }}", "{{ ' a  b c '|split }}", "{{ 'a,b,c'|split(',', 1) }}", "{{ 'a,'|split(',') }}",
    "{{ request.body.html|safe }}", "{{ [1,2,3]|reverse|list }}", "{{ 'abc'|reverse }}",
    "{{ 'x'|nosuchfilter }}", "{{ request.body.customer_email|upper|replace('@', ' at ') }}",
    "{{ (request.body.products|first).name }}", "{{ request.body.list|sort|first }}",
    "{{ 12|length }}", "{{ request.body.products|map(attribute='tags')|map('length')|list }}",
    "{{ request.body.products|map(attribute='tags.0')|list }}",
]
G["test"] = [
    "{{ x is defined }}", "{{ request is defined }}", "{{ request.body.nme is defined }}",
    "{{ request.body.nme is undefined }}", "{{ request.body.none is none }}", "{{ 1 is none }}",
    "{{ 1 is number }}", "{{ 1.5 is number }}", "{{ 'x' is number }}", "{{ true is number }}",
    "{{ 'x' is string }}", "{{ 1 is string }}", "{{ {} is mapping }}", "{{ [] is mapping }}",
    "{{ [] is sequence }}", "{{ 'x' is sequence }}", "{{ {} is sequence }}", "{{ 1 is sequence }}",
    "{{ request.body.big is number }}", "{{ request.body.obj is mapping }}", "{{ 3 is odd }}",
    "{{ 4 is even }}", "{{ 9 is divisibleby 3 }}", "{{ 9 is divisibleby(4) }}", "{{ 1 is integer }}",
    "{{ 1.0 is float }}", "{{ true is boolean }}", "{{ x is not defined }}", "{{ 1 is not none }}",
    "{{ 'abc' is lower }}", "{{ 'ABC' is upper }}", "{{ 2 is in [1, 2] }}", "{{ 2 is eq 2 }}",
    "{{ 3 is gt 2 }}", "{{ 'x' is nosuchtest }}", "{{ request.body.flag is true }}",
    "{{ request.body.products is iterable }}", "{{ request.body.tiny is float }}", "{{ request.body.neg is integer }}",
]
G["if"] = [
    "{% if true %}yes{% endif %}", "{% if false %}yes{% else %}no{% endif %}",
    "{% if 0 %}a{% elif 1 %}b{% else %}c{% endif %}", "{% if 0 %}a{% elif 0 %}b{% elif 2 %}c{% endif %}",
    "{% if request.body.type == 'email' %}mail{% else %}other{% endif %}",
    "{% if request.body.missing %}m{% else %}none{% endif %}",
    "{% if request.body.products %}{{ request.body.products|length }} items{% endif %}",
    "{% if request.body.flag and not request.body.off %}ok{% endif %}",
    "{% if 'x-request-id' in request.headers %}has{% endif %}",
    "{% if request.body.none is none %}null{% endif %}", "{% if [] %}a{% else %}empty{% endif %}",
    "{% if x is defined %}{{ x }}{% else %}undef{% endif %}", "{% if 1 %}{% if 2 %}nested{% endif %}{% endif %}",
    "{% if %}x{% endif %}", "{% if 1 %}x", "{% if 1 %}x{% endfor %}", "{% if 1 %}x{% else %}y{% else %}z{% endif %}",
    "{% elif %}", "{% endif %}",
]
G["for"] = [
    "{% for x in [1, 2, 3] %}{{ x }}{% endfor %}", "{% for x in [] %}{{ x }}{% else %}empty{% endfor %}",
    "{% for p in request.body.products %}{{ loop.index }}.{{ p.name }} {% endfor %}",
    "{% for p in request.body.products %}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}",
    "{% for p in request.body.products %}{{ loop.revindex }}{{ loop.revindex0 }}{% endfor %}",
    "{% for p in request.body.products %}{{ p.name }}{% if not loop.last %}, {% endif %}{% endfor %}",
    "{% for k in request.body.obj %}{{ k }};{% endfor %}", "{% for c in 'abc' %}{{ c }}-{% endfor %}",
    "{% for k, v in request.body.obj.items() %}{{ k }}={{ v }};{% endfor %}",
    "{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }},{% endfor %}",
    "{% for row in request.body.matrix %}{% for x in row %}{{ x }}{% endfor %}|{% endfor %}",
    "{% for row in request.body.matrix %}{% for x in row %}{{ loop.index }}{% endfor %}{{ loop.index }}|{% endfor %}",
    "{% for x in [1, 2, 3, 4] if x is even %}{{ x }}{{ loop.index }}{{ loop.length }} {% endfor %}",
    "{% for x in missing %}{{ x }}{% else %}nothing{% endfor %}", "{% for x in 5 %}{{ x }}{% endfor %}",
    "{% for x in range(3) %}{{ x }}{% endfor %}", "{% for x in range(1, 10, 3) %}{{ x }},{% endfor %}",
    "{% for x in range(5, 0, -2) %}{{ x }}{% endfor %}",
    "{% for p in request.body.products|sort(attribute='price') %}{{ p.price }} {% endfor %}",
    "{% for k in request.body.obj|list %}{{ k }}{% endfor %}", "{% for x in [1,2] %}{{ x }}{% endfor %}{{ x }}",
    "{% for i in [1, 2] %}{% for j in [3, 4] %}{{ i * j }} {% endfor %}{% endfor %}",
    "{% for x in [1, 2] %}", "{% for x [1] %}{% endfor %}", "{% for x in [1] %}{% endif %}",
    "{% for i in [1,2] %}{{ loop.index }}{% for j in [1,2,3] %}{% endfor %}{{ loop.length }}{% endfor %}",
    "{% for p in request.body.products %}{% for t in p.tags %}{{ p.sku }}:{{ t }} {% endfor %}{% endfor %}",
    "{% for x in request.body.list %}{% if loop.first %}[{% endif %}{{ x }}{% if loop.last %}]{% else %},{% endif %}{% endfor %}",
    "{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}{{ v }}{% endfor %}",
    "{% for v in {'a': 1, 'b': 2}.values() %}{{ v }}{% endfor %}",
]
G["set"] = [
    "{% set x = 5 %}{{ x }}", "{% set x = 'a' ~ 'b' %}{{ x }}{{ x }}", "{% set x = 1 %}{% set x = x + 1 %}{{ x }}",
    "{% set a, b = 1, 2 %}{{ a }}{{ b }}", "{% set a, b = [3, 4] %}{{ b }}",
    "{% set x = 0 %}{% for i in [1, 2, 3] %}{% set x = x + i %}{{ x }}{% endfor %}|{{ x }}",
    "{% set y = 0 %}{% for i in [1, 2, 3] %}[{{ y }}]{% set y = i %}({{ y }}){% endfor %}{{ y }}",
    "{% for i in [1, 2, 3] %}{% if loop.first %}{% set z = 5 %}{% endif %}<{{ z }}>{% endfor %}",
    "{% if true %}{% set w = 'in-if' %}{% endif %}{{ w }}", "{% set x %}block {{ 1 + 1 }}{% endset %}[{{ x }}]",
    "{% set items = request.body.products|map(attribute='name')|list %}{{ items|join('/') }}",
    "{% set p = request.body.products[0] %}{{ p.name }} {{ p.price }}",
    "{% set l = [1, 2] %}{% set l = l + [3] %}{{ l }}", "{% set d = {'k': request.body.type} %}{{ d.k }}",
    "{% set x = [request.body.obj] %}{{ x }}", "{% set s = request.body.name %}{{ s|length }}",
    "{% set x = 1 %}{% for x in [7] %}{{ x }}{% endfor %}{{ x }}",
    "{% set t = request.body.products|sort(attribute='qty')|first %}{{ t.sku }}",
    "{% set x = [] %}{% for i in [1,2] %}{% set x = x + [i] %}{% endfor %}{{ x }}",
    "{% set e = request.body.products|selectattr('price', 'lt', 1)|list %}{{ e|length }}",
    "{% set x = 'a' %}{% set y = x %}{% set x = 'b' %}{{ y }}{{ x }}", "{% set %}", "{% set x = %}",
    "{% set n = request.body.big %}{{ n }}", "{% set m = {'a': 1, 'a': 2} %}{{ m }}",
]
G["ws"] = [
    "a {{- 1 -}} b", "a {{ 1 }} b", "x\n  {%- if true %}\n  y\n  {%- endif %}\nz", "a  {%- if 1 -%}  b  {%- endif -%}  c",
    "{# comment #}x", "x{# a\nmulti line comment #}y", "a {#- c -#} b", "{% raw %}{{ not rendered }}{% endraw %}",
    "{%- raw -%}  {{ x }}  {%- endraw -%}", "{% raw %}{% if %}{% endraw %}",
    "<ul>\n{% for p in request.body.products %}\n  <li>{{ p.name }}</li>\n{% endfor %}\n</ul>\n",
    "<ul>\n{%- for p in request.body.products %}\n  <li>{{ p.name }}</li>\n{%- endfor %}\n</ul>",
    "{{ '{{' }}", "{{ '}}' }}", "{{ {'a': {'b': 1}} }}", "{{ {'a': {'b': 1}}['a']['b'] }}", "{ not a tag }",
    "{{", "{{ 1 ", "{% if 1 %}", "{# unterminated", "{{ 'abc }}", "{{ 1 + }}", "{{ ) }}", "{{ a b }}",
    "{% unknown %}", "{{ 1 }}}", "{{ x.1.a }}", "a\n{{ 1 }}\n", "line1\r\nline2\r\n{{ 'x' }}",
    "{%+ if true %}x{% endif %}", "{{ x|first.name }}", "{{ x is defined is defined }}",
]
J = [  # JSON mode: a JSON body template
    '{"email": "{{ request.body.customer_email }}"}', '{"name": "{{ request.body.name }}"}',
    '{"q": "{{ request.body.quote }}"}', '{"m": "{{ request.body.multi }}"}', '{"c": "{{ request.body.ctrl }}"}',
    '{"u": "{{ request.body.unicode }}"}', '{"n": {{ request.body.big }}}', '{"n": {{ request.body.tiny }}}',
    '{"obj": {{ request.body.obj|tojson }}}', '{"name": {{ request.body.name|tojson }}}',
    '{"raw": "{{ request.body.html|safe }}"}', '{"x": "{{ missing }}"}', '{"flag": "{{ request.body.flag }}"}',
    '{"items": [{% for p in request.body.products %}{"sku": "{{ p.sku }}", "q": {{ p.qty }}}{% if not loop.last %},{% endif %}{% endfor %}]}',
    '{"names": {{ request.body.products|map(attribute="name")|list|tojson }}}', '{"l": "{{ request.body.list }}"}',
    '{"s": "{{ request.body.name ~ \'!\' }}"}', '{"h": "{{ request.headers[\'x-request-id\'] }}"}',
    '{"crlf": "{{ request.body.crlf }}"}', '{"e": "{{ request.body.customer_email|upper }}"}',
    '{"p": "{{ request.body.path|urlencode }}"}', '{"b": "{{ request.body.name|b64encode }}"}',
    '{"t": {{ request.time }}, "now": {{ now }}}', '{"total": {{ request.body.products|sum(attribute="qty") }}}',
    '{"set": "{% set v = request.body.quote %}{{ v }}"}', '{"d": {{ {"a": request.body.name}|tojson }}}',
    '{"a": "{{ \'\\\\\' }}"}', '{"none": "{{ request.body.none }}"}',
    '{"action": "goal.achieve", "client": {"email": "{{ request.body.customer_email }}"}, "id": "{{ request.eventId }}"}',
    '{"lit": "{{ \'tab\\there\' }}"}',
]
U = [  # URL mode
    "http://x/?email={{ request.body.customer_email }}", "http://x/{{ request.body.path }}",
    "http://x/?q={{ request.query.b }}&n={{ request.body.neg }}", "http://x/{{ request.body.unicode }}",
    "http://x/{{ request.body.path|urlencode }}", "http://x/{{ request.body.path|safe }}",
    "http://x/?d={{ {'a b': 1}|urlencode }}", "http://x/{{ request.body.name }}", "http://x/{{ missing }}",
    "http://x/{% for p in request.body.products %}{{ p.sku }}/{% endfor %}", "http://x/?t={{ request.time }}",
    "http://x/?v={{ request.body.tiny }}", "http://x/?e={{ '~._-' }}", "http://x/?c={{ request.body.ctrl }}",
    "http://x/{{ request.body.list }}",
]
H = [  # header mode
    "Bearer {{ request.body.customer_email }}", "{{ request.body.multi }}", "{{ request.body.crlf }}",
    "{{ request.body.multi|safe }}", "{{ request.body.multi|replace('\\n', ' ') }}", "id={{ request.headers['x-request-id'] }}",
    "a\nb", "{{ request.body.unicode }}", "{{ request.body.ctrl }}", "{{ 'x' ~ '\\r' }}",
    "{{ request.body.name }}", "{{ request.body.text|trim }}",
]
T = [  # text mode, realistic bodies
    "Hi {{ request.body.name|default('there') }}, your order of {{ request.body.products|length }} items totals {{ request.body.products|sum(attribute='price') }}.",
    "{% for p in request.body.products %}{{ '%-' }}{{ p.name|title }} x{{ p.qty }}\n{% endfor %}",
    "{{ request.method }} {{ request.headers['content-type'] }} {{ request.query.a|int + 1 }}",
]
UNI = [  # Unicode: case mappings, case tests and whitespace as Python's str (data_ref "unicode")
    "{{ 'zażółć gęślą jaźń'|upper }}", "{{ 'ZAŻÓŁĆ GĘŚLĄ JAŹŃ'|lower }}", "{{ request.body.name|upper }}",
    "{{ request.body.name|title }}", "{{ request.body.name|capitalize }}", "{{ 'straße'|upper }}",
    "{{ request.body.street|upper|lower }}", "{{ 'ß'|title }}", "{{ 'ß'.title() }}", "{{ 'ßa'|capitalize }}",
    "{{ 'ﬁnal ﬂow'|upper }}", "{{ 'ﬁnal'|capitalize }}", "{{ 'ŉ'|upper }}", "{{ 'ΐ'|upper|length }}",
    "{{ 'ΟΔΟΣ'|lower }}", "{{ request.body.greek|lower }}", "{{ request.body.greek|title }}",
    "{{ request.body.greek.title() }}", "{{ request.body.greek|capitalize }}", "{{ 'ΑΣ'|title }}",
    "{{ 'ΑΣ'.title() }}", "{{ request.body.sigma|lower }}", "{{ request.body.sigma.title() }}",
    "{{ 'Σ'|lower }}", "{{ 'İ'|lower }}", "{{ 'İ'|lower|length }}", "{{ request.body.city|lower }}",
    "{{ request.body.city|title }}", "{{ 'ı'|upper }}", "{{ 'ǆemal'|title }}", "{{ 'ǆemal'|capitalize }}",
    "{{ 'ǆemal'.title() }}", "{{ request.body.digraphs|upper }}", "{{ request.body.digraphs|lower }}",
    "{{ request.body.digraphs|title }}", "{{ request.body.digraphs.title() }}", "{{ 'ǅ' is upper }}",
    "{{ 'ǅ' is lower }}", "{{ 'Ǆ' is upper }}", "{{ 'ǆ' is lower }}", "{{ 'zażółć' is lower }}",
    "{{ 'ZAŻÓŁĆ' is upper }}", "{{ 'Zażółć' is lower }}", "{{ 'ŁÓDŹ 2' is upper }}", "{{ '١٢' is lower }}",
    "{{ ['A'] is upper }}", "{{ none is lower }}", "{{ missing is upper }}",
    "{{ \"they're bill's friends\"|title }}", "{{ \"they're bill's friends\".title() }}",
    "{{ '1st 2nd 3RD'|title }}", "{{ '1st 2nd 3RD'.title() }}", "{{ 'élan vital-über (ñandú) [éa] {ó} <ü>'|title }}",
    "{{ 'łukasz żółkiewski'|title }}", "{{ 'o\\'neil-smith mcdonald'|title }}",
    "[{{ request.body.spaced|trim }}]", "[{{ request.body.zwsp|trim }}]", "{{ request.body.ctrl_ws|trim|length }}",
    "[{{ '\\u00a0\\u2003x\\u3000\\u0085\\u2028'|trim }}]", "[{{ request.body.spaced.strip() }}]",
    "{{ request.body.spaced|split|join('|') }}", "{{ request.body.zwsp|split|length }}",
    "{{ 'a\\u00a0b\\u2003c\\u3000d\\u0085e\\u2028f\\u200bg'|split|join('|') }}",
    "[{{ ' a  b  c  '|split(none, 1)|join('|') }}]", "[{{ ' a b '|split(none, 0)|join('|') }}]",
    "{{ request.body.ctrl_ws|split|length }}", "{{ 'ćxą'|trim('ą') }}", "{{ 'ąąxąą'|trim('ą') }}",
    "{{ 'żółw'|replace('', '-') }}", "{{ 'żółw'|replace('', '-', 2) }}",
    "{{ request.body.names|sort|join(',') }}", "{{ request.body.names|sort(case_sensitive=true)|join(',') }}",
    "{{ request.body.names|unique|join(',') }}", "{{ request.body.names|min }}", "{{ request.body.names|max }}",
    "{{ ['Straße', 'STRASSE', 'straße']|unique|join(',') }}", "{{ ['ǅ', 'ǆ', 'Ǆ']|unique|join(',') }}",
    "{{ request.body.people|sort(attribute='name')|map(attribute='name')|join(',') }}",
    "{{ request.body.people|unique(attribute='name')|map(attribute='name')|join(',') }}",
    "{{ [['B'], ['a']]|sort }}", "{{ request.body.names|map('upper')|join(',') }}",
    "{{ request.body.names|map('title')|join(',') }}", "{{ request.body.num|int + 1 }}",
    "{{ request.body.wide|int }}", "{{ '\\u00a042\\u2003'|int }}", "{{ '\\uff14.5'|float }}",
    "{{ '4\\u00bd'|int(7) }}", "{{ request.body.ctrl_ws|int(9) }}", "{{ '\\u0085 1.5e3 '|float }}",
    "{{ 'zażółć'.upper() }}", "{{ 'ΟΔΟΣ'.lower() }}", "{{ 'ǆemal'.capitalize() }}",
    "{{ request.body.name|upper|length }}", "{{ request.body.name|truncate(9, true, '') }}",
    # Jinja's lexer: whitespace control and the space between tokens are Python's \s
    "{{\u00a0request.body.street\u3000}}", "a\u00a0\u2003{{- 1 }}", "{{ 1 -}}\u2003\u0085b",
    "{%\u00a0if 1\u00a0%}y{%\u2003endif %}", "a\x1c{{- 1 -}}\x1fb", "{% raw -%}\u00a0x\u00a0{%- endraw %}",
    "a\u200b{{- 1 }}", "{{ 'x' }}\u2028{#- c -#}\u2029y",
]
UNI_MODES = [  # the same in JSON and URL mode
    ('json', '{"name": "{{ request.body.name|title }}", "up": "{{ request.body.street|upper }}"}'),
    ('json', '{"t": "{{ request.body.spaced|trim }}", "w": {{ request.body.spaced|split|tojson }}}'),
    ('url', "http://x/?n={{ request.body.name|upper }}&s={{ request.body.sigma|lower }}"),
    ('header', "{{ request.body.name|capitalize }} {{ request.body.spaced|trim }}"),
]

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = open(os.path.join(here, "cases.jsonl"), "w", encoding="utf-8")
    n = 0
    def emit(prefix, i, tpl, mode="text", **extra):
        nonlocal n
        case = {"id": "%s-%03d" % (prefix, i), "template": tpl, "mode": mode, "data_ref": S}
        case.update(extra)
        out.write(json.dumps(case, ensure_ascii=False) + "\n")
        n += 1
    for prefix, tpls in G.items():
        for i, t in enumerate(tpls, 1):
            emit(prefix, i, t)
    for prefix, mode, tpls in (("json", "json", J), ("url", "url", U), ("hdr", "header", H),
                               ("body", "text", T)):
        for i, t in enumerate(tpls, 1):
            emit(prefix, i, t, mode)
    # the same expressions in every mode
    for i, t in enumerate(G["var"][:20], 1):
        for mode in ("json", "url", "header"):
            emit("mode-" + mode, i, t, mode)
    # warnings
    emit("warn", 1, "{{ request.body.nme }}", warnings=["undefined: request.body.nme"])
    emit("warn", 2, "{{ x|default(1) }}{{ x is defined }}", warnings=[])
    emit("warn", 3, "{{ a.b['c'][0] }}{{ a.b['c'][0] }}", warnings=['undefined: a.b["c"][0]'])
    emit("warn", 4, "{% for x in nope %}{% endfor %}", warnings=["undefined: nope"])
    emit("warn", 5, "{{ nope|upper }}", warnings=["undefined: nope"])
    for i, t in enumerate(UNI, 1):
        emit("uni", i, t, data_ref="unicode")
    for i, (mode, t) in enumerate(UNI_MODES, 1):
        emit("uni-mode", i, t, mode, data_ref="unicode")
    out.close()
    print("%d cases" % n)

main()
