// workflows: the list and the editor — Business Event (integration, filter
// builder over the integration's applied parameters) -> Outgoing
// Integration (action, method, URL, headers, body, auth) -> End, with a
// live template preview against the integration's captured sample.
import { api, listAll, parseJSON, toJSON, isRawNumber } from './api.js';
import {
  h, clear, field, fieldset, input, select, clearErrors, showError, fmtTime, badge, toast,
  button, busy, jsonBlock, nextId, onLeave, setLeaveGuard, flatTable, searchBox,
} from './dom.js';
import { integrationIcon } from './icons.js';
import { attemptDetail } from './runs.js';

const OPS = [['eq', 'equals'], ['ne', 'does not equal'], ['gt', 'greater than'],
  ['gte', 'greater or equal'], ['lt', 'less than'], ['lte', 'less or equal'],
  ['contains', 'contains'], ['not_contains', 'does not contain'], ['starts_with', 'starts with'],
  ['ends_with', 'ends with'], ['matches', 'matches (regex)'], ['exists', 'exists'],
  ['not_exists', 'does not exist'], ['in', 'is one of']];
const NO_VALUE = new Set(['exists', 'not_exists']);
const METHODS = ['POST', 'PUT', 'PATCH', 'GET', 'DELETE'];
const AUTH_TYPES = [['none', 'None'], ['basic', 'Basic'], ['bearer', 'Bearer token'],
  ['header', 'Custom header'], ['api_key', 'API key (token from /auth/token)']];

export async function workflowsView() {
  const [wfs, ints] = await Promise.all([listAll('workflows'), listAll('integrations')]);
  const intName = Object.fromEntries(ints.map((i) => [i.id, i.name]));
  const sec = h('section', h('div.page-head', h('h1', 'Workflows'),
    h('a.button.primary', { href: '#/workflows/new' }, 'New workflow')));
  if (!wfs.length) {
    sec.append(h('p.empty', 'No workflows yet. A workflow starts with a Business Event from an incoming integration.'));
    return sec;
  }
  const body = h('tbody');
  for (const w of wfs) {
    const trig = (w.nodes || []).find((n) => n.type === 'business_event') || {};
    const toggle = w.state === 'published'
      ? button('Unpublish', (e) => busy(e.currentTarget, async () => {
        await api.post(`workflows/${w.id}/unpublish`); location.reload();
      }), 'secondary small', { 'aria-label': `Unpublish ${w.name}` })
      : button('Publish', (e) => busy(e.currentTarget, async () => {
        await api.post(`workflows/${w.id}/publish`); location.reload();
      }), 'secondary small', { 'aria-label': `Publish ${w.name}` });
    const del = button('Delete', (e) => {
      if (!confirm(`Delete the workflow “${w.name}”? Its runs stay in the run log.`)) return;
      busy(e.currentTarget, async () => {
        await api.del(`workflows/${w.id}`);
        e.target.closest('tr').remove();
        toast(`Workflow “${w.name}” deleted`);
      });
    }, 'danger small', { 'aria-label': `Delete ${w.name}` });
    const orphan = w.orphaned
      ? h('span.badge.badge-orphaned', { title: (w.orphanReasons || []).join('\n') }, 'orphaned') : null;
    body.append(h('tr', { class: w.orphaned ? 'orphaned' : null },
      h('th', { scope: 'row' }, h('a', { href: `#/workflows/${w.id}` }, w.name)),
      h('td', badge(w.state), ' ', orphan),
      h('td', intName[trig.integrationId] || trig.integrationId || ''),
      h('td', fmtTime(w.updatedAt)),
      h('td.row-actions', h('a.button.secondary.small', { href: `#/runs?workflowId=${w.id}`,
        'aria-label': `Runs of ${w.name}` }, 'Runs'), toggle, del)));
  }
  sec.append(searchBox('Search workflows', () => [...body.children], 'name, state, integration'));
  sec.append(h('div.table-wrap', h('table.list', h('caption.visually-hidden', 'Workflows'),
    h('thead', h('tr', ...['Name', 'State', 'Business Event', 'Updated', ''].map((t) =>
      h('th', { scope: 'col' }, t || h('span.visually-hidden', 'Actions'))))), body)));
  return sec;
}

// Nodes from the trigger along the edges; null when not a simple chain.
function chain(doc) {
  const nodes = doc.nodes || [];
  const byId = Object.fromEntries(nodes.map((n) => [n.id, n]));
  const next = {};
  for (const [a, b] of doc.edges || []) {
    if (next[a]) return null;
    next[a] = b;
  }
  const out = [];
  let n = nodes.find((x) => x.type === 'business_event');
  const seen = new Set();
  while (n && !seen.has(n.id)) {
    seen.add(n.id);
    out.push(n);
    n = byId[next[n.id]];
  }
  return out.length === nodes.length ? out : null;
}

export async function workflowView(id) {
  const [doc, ints, keys] = await Promise.all([
    id ? api.get(`workflows/${id}`) : Promise.resolve(null),
    listAll('integrations'), listAll('apikeys')]);
  // Deleted integrations and revoked keys are listed only where a node
  // still names them (an orphaned workflow shows what it lost).
  const named = (doc && doc.nodes) || [];
  const integrations = ints.filter((i) => i.state !== 'deleted' ||
    named.some((n) => n.integrationId === i.id));
  const activeKeys = keys.filter((k) => k.state === 'active' ||
    named.some((n) => n.auth && n.auth.apiKeyId === k.id));
  const wf = doc || {
    name: '',
    // No integration is chosen for the user: the first one is too easily
    // wired as the wrong trigger.
    nodes: [{ id: 'trigger', type: 'business_event', integrationId: '', filter: { all: [] } },
    { id: 'send', type: 'outgoing_integration', action: '', method: 'POST', url: '',
      headers: { 'Content-Type': 'application/json' }, body: '', auth: { type: 'none' } },
    { id: 'end', type: 'end' }],
    edges: [['trigger', 'send'], ['send', 'end']],
  };
  const nodes = chain(wf);
  const root = h('form.workflow', { novalidate: true });
  const ctx = { sample: null, sampleLabel: '', params: [], previews: [] };

  const name = input({ value: wf.name, maxlength: '200', autocomplete: 'off' });
  const saveBtn = h('button.secondary', { type: 'submit', 'data-action': 'save' }, 'Save');
  const pubBtn = button(wf.state === 'published' ? 'Save' : 'Save & publish', null, 'primary',
    { 'data-action': 'publish' });
  if (wf.state === 'published') pubBtn.hidden = true;
  const unpubBtn = wf.state === 'published' ? button('Unpublish', (e) => busy(e.currentTarget, async () => {
    await api.post(`workflows/${id}/unpublish`);
    toast('Workflow unpublished');
    location.reload();
  }), 'secondary') : null;
  const orphanBox = h('div.orphan-box', { role: 'status' });
  root.append(h('div.page-head', h('div.title-row', h('h1', id ? wf.name : 'New workflow'),
    id ? badge(wf.state) : null, wf.orphaned ? h('span.badge.badge-orphaned', 'orphaned') : null),
  h('div.actions', unpubBtn, saveBtn, pubBtn)), orphanBox,
  h('div.card', field('Workflow name', name, { errorKey: 'name' })));
  // Orphaned (README, Dependencies): its integration was deleted or an API
  // key it uses was revoked; it cannot be published until fixed.
  const showOrphan = (d) => {
    clear(orphanBox);
    if (d && d.orphaned) {
      orphanBox.append(h('p.orphan-note', h('strong', 'This workflow is orphaned and cannot be published. '),
        (d.orphanReasons || []).join('; '), '.'));
    }
  };
  showOrphan(wf);

  if (!nodes) {
    root.append(h('p.form-error', 'This workflow is not a simple chain of nodes; edit it with ',
      h('code', 'incomingctl workflow export/import'), '.'), jsonBlock(wf, 'Workflow document'));
    return root;
  }

  const flow = h('ol.flow', { 'aria-label': 'Workflow nodes' });
  root.append(flow);
  const editors = [];
  const trigger = nodes[0];
  const trig = triggerEditor(trigger, integrations, ctx);
  ctx.integrationId = () => trig.integrationId();
  editors.push(trig);
  flow.append(h('li.node', trig.el));
  const outgoing = nodes.filter((n) => n.type === 'outgoing_integration');
  const addBox = h('li.node.add');
  for (const n of outgoing) {
    const ed = outgoingEditor(n, activeKeys, ctx);
    editors.push(ed);
    flow.append(h('li.node', ed.el));
  }
  const addBtn = button('Add Outgoing Integration', () => {
    let k = 2;
    while (editors.some((e) => e.id === `send${k}`)) k += 1;
    const ed = outgoingEditor({ id: editors.length === 1 ? 'send' : `send${k}`, type: 'outgoing_integration',
      method: 'POST', url: '', headers: { 'Content-Type': 'application/json' }, body: '',
      auth: { type: 'none' } }, activeKeys, ctx);
    editors.push(ed);
    addBox.before(h('li.node', ed.el));
    ed.focus();
  }, 'secondary');
  addBox.append(addBtn);
  flow.append(addBox, h('li.node', h('section.node-card.end', { 'aria-label': 'End' },
    h('h2.node-title', h('span.node-kind', 'End'), 'End of the workflow'))));

  // The preview's data: the integration's captured sample, else its newest event.
  const loadSample = async () => {
    const integ = trig.integrationId();
    ctx.sample = null;
    ctx.params = [];
    ctx.sampleLabel = 'No sample: Retrieve data on the integration first.';
    const it = integrations.find((i) => i.id === integ);
    if (it && it.state === 'deleted') {
      ctx.sampleLabel = 'No sample: the integration was deleted.';
    } else if (integ) {
      ctx.params = (it && it.parameters) || [];
      try {
        const st = await api.get(`integrations/${integ}/capture`);
        if (st.sample) {
          ctx.sample = st.sample.raw;
          ctx.sampleLabel = `Sample received ${fmtTime(st.sample.time)}`;
        } else {
          const page = await api.get(`integrations/${integ}/events?limit=1`);
          if (page.items.length) {
            const ev = await api.get(`events/${page.items[0].eventId}`);
            ctx.sample = ev.event;
            ctx.sampleLabel = `Newest event, ${fmtTime(page.items[0].time)}`;
          }
        }
      } catch (e) { ctx.sampleLabel = 'Sample unavailable: ' + e.message; }
    }
    trig.paramsChanged();
    for (const ed of editors) if (ed.preview) ed.preview();
  };
  trig.onIntegration(loadSample);
  await loadSample();

  // Warnings from the server about URLs whose runs would be refused
  // ("nodes.send: url: ..."), shown at the node they name.
  const showWarnings = (d) => {
    const list = (d && d.warnings) || [];
    for (const ed of editors) {
      if (!ed.setSavedWarning) continue;
      const pre = `nodes.${ed.id}: url: `;
      const w = list.find((x) => x.startsWith(pre));
      ed.setSavedWarning(w ? w.slice(pre.length) : '');
    }
  };
  showWarnings(wf);

  const collect = () => {
    const list = [];
    const edges = [];
    for (const ed of editors) list.push(ed.value());
    list.push({ id: 'end', type: 'end' });
    for (let i = 0; i + 1 < list.length; i++) edges.push([list[i].id, list[i + 1].id]);
    const out = { name: name.value.trim(), nodes: list, edges };
    if (doc && doc.description) out.description = doc.description;
    return out;
  };
  let curId = id; // set once a new workflow is first saved
  // "Test with the sample" takes masked credentials from the saved workflow.
  ctx.workflowId = () => curId;
  const save = async () => {
    const body = collect();
    const local = editors.map((e) => e.validate && e.validate()).find(Boolean);
    if (local) throw local;
    const doc = curId ? await api.put(`workflows/${curId}`, body) : await api.post('workflows', body);
    curId = doc.id;
    return doc;
  };
  // Unsaved edits: leaving the editor (another screen, a reload, closing
  // the tab) asks first.
  let savedState = toJSON(collect());
  const dirty = () => toJSON(collect()) !== savedState;
  setLeaveGuard(() => (dirty() ? 'This workflow has unsaved changes. Leave without saving them?' : null));
  const saved = (doc) => {
    savedState = toJSON(collect());
    showWarnings(doc);
    showOrphan(doc);
    if (doc.warnings && doc.warnings.length) toast('Saved, but runs of this workflow would be refused: see the warning at the URL', 'error');
  };
  root.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(root);
    await busy(saveBtn, async () => {
      const doc = await save();
      saved(doc);
      toast('Workflow saved');
      if (!id) location.hash = `#/workflows/${doc.id}`;
    }, root);
  });
  pubBtn.addEventListener('click', () => {
    clearErrors(root);
    busy(pubBtn, async () => {
      const doc = await save();
      saved(doc);
      const pub = await api.post(`workflows/${doc.id}/publish`);
      saved(pub);
      toast('Workflow saved and published');
      if (!id) location.hash = `#/workflows/${doc.id}`;
      else location.reload();
    }, root);
  });
  return root;
}

// --- Business Event ---------------------------------------------------------

function conditionValueText(v) {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return toJSON(v);
}

// The text of a value field as the JSON value the filter wants.
function conditionValue(text, op, type) {
  const t = text.trim();
  if (op === 'in') {
    if (t.startsWith('[')) {
      try { return parseJSON(t); } catch (e) { /* fall through to a list of strings */ }
    }
    return t ? t.split(',').map((s) => s.trim()) : [];
  }
  if (type === 'boolean' && (t === 'true' || t === 'false')) return t === 'true';
  if (type === 'null' && t === 'null') return null;
  if (type === 'number' && /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(t)) {
    return typeof JSON.rawJSON === 'function' ? JSON.rawJSON(t) : Number(t);
  }
  return text;
}

function triggerEditor(node, integrations, ctx) {
  const nid = node.id;
  const integ = select([['', integrations.length ? 'Choose an integration…' : 'No integrations'],
    ...integrations.map((i) => [i.id, `${i.name} (${i.state})`])], node.integrationId || '');
  const dlId = nextId('params');
  const datalist = h('datalist', { id: dlId });
  const filter = node.filter || { all: [] };
  const simple = filter && typeof filter === 'object' && Object.keys(filter).length <= 1 &&
    (Object.keys(filter).length === 0 || ['all', 'any'].includes(Object.keys(filter)[0])) &&
    (filter.all || filter.any || []).every((c) => c && typeof c.param === 'string');
  const mode = select([['all', 'all of these conditions'], ['any', 'any of these conditions']],
    filter.any ? 'any' : 'all');
  const rows = h('ol.conditions');
  const jsonArea = h('textarea.mono', { rows: '6', spellcheck: 'false' }, toJSON(filter, 2));
  let jsonMode = !simple;
  const typeOf = (key) => (ctx.params.find((p) => p.key === key) || {}).type;

  const addRow = (c = { param: '', op: 'eq', value: '' }) => {
    const param = input({ value: c.param, list: dlId, autocomplete: 'off', spellcheck: 'false',
      class: 'mono', placeholder: 'body.type' });
    const op = select(OPS, c.op || 'eq');
    const val = input({ value: conditionValueText(c.value), autocomplete: 'off' });
    const rm = h('button.icon-button.remove', { type: 'button', 'aria-label': 'Remove condition',
      title: 'Remove condition' }, '×');
    const valField = field('Value', val);
    const li = h('li.condition', field('Parameter', param), field('Operator', op), valField, rm,
      h('p.field-error', { role: 'alert', hidden: true }));
    const sync = () => {
      valField.hidden = NO_VALUE.has(op.value);
      val.placeholder = op.value === 'in' ? 'a, b, c or ["a", "b"]' : (typeOf(param.value) || '');
    };
    op.addEventListener('change', sync);
    param.addEventListener('input', sync);
    sync();
    rm.addEventListener('click', () => { li.remove(); renumber(); addBtn.focus(); });
    li.collect = () => {
      const o = { param: param.value.trim(), op: op.value };
      if (!NO_VALUE.has(op.value)) o.value = conditionValue(val.value, op.value, typeOf(o.param));
      return o;
    };
    li.param = param;
    rows.append(li);
    renumber();
    return li;
  };
  const renumber = () => {
    [...rows.children].forEach((li, i) => {
      li.dataset.errorKey = `nodes.${nid}.filter.${mode.value}[${i}]`;
      li.querySelectorAll(':scope > .field > label').forEach((l) => {
        l.textContent = l.textContent.replace(/ \d+$/, '') + ` ${i + 1}`;
      });
    });
  };
  mode.addEventListener('change', renumber);
  const addBtn = button('Add condition', () => addRow().param.focus(), 'secondary small');
  if (simple) for (const c of filter.all || filter.any || []) addRow(c);

  const builder = h('div.filter-builder', h('div.inline', h('span', 'Run when the event matches'), field('Match', mode)),
    rows, h('div.actions.left', addBtn));
  const jsonField = field('Filter (JSON)', jsonArea, { hint: 'Nested {"all"}, {"any"}, {"not"} groups and conditions {"param", "op", "value"}.' });
  const toggle = button('', () => {
    if (!jsonMode) jsonArea.value = toJSON(builderValue(), 2);
    else {
      let f;
      try { f = parseJSON(jsonArea.value || '{}'); } catch (e) { toast('The filter is not valid JSON: ' + e.message, 'error'); return; }
      const k = Object.keys(f);
      if (k.length > 1 || (k.length === 1 && !['all', 'any'].includes(k[0])) ||
          (f.all || f.any || []).some((c) => typeof c.param !== 'string')) {
        toast('This filter has nested groups: keep editing it as JSON', 'error');
        return;
      }
      clear(rows);
      mode.value = f.any ? 'any' : 'all';
      for (const c of f.all || f.any || []) addRow(c);
    }
    jsonMode = !jsonMode;
    sync();
  }, 'link small');
  const sync = () => {
    builder.hidden = jsonMode;
    jsonField.hidden = !jsonMode;
    toggle.textContent = jsonMode ? 'Use the filter builder' : 'Edit the filter as JSON';
  };
  sync();
  const builderValue = () => ({ [mode.value]: [...rows.children].map((li) => li.collect()) });

  const paramList = h('p.hint');
  const listeners = [];
  integ.addEventListener('change', () => listeners.forEach((fn) => fn()));
  const filterBox = fieldset('Filter', [builder, jsonField, toggle], { errorKey: `nodes.${nid}.filter` });
  const el = h('section.node-card.trigger', { 'aria-labelledby': `${nid}-title`, 'data-error-key': `nodes.${nid}` },
    h('h2.node-title', { id: `${nid}-title` }, h('span.node-kind', 'Business Event'), 'Trigger'),
    h('p.field-error', { role: 'alert', hidden: true }),
    field('Incoming integration', integ, { errorKey: `nodes.${nid}.integrationId` }),
    filterBox, datalist, paramList);
  return {
    id: nid,
    el,
    integrationId: () => integ.value,
    onIntegration: (fn) => listeners.push(fn),
    paramsChanged: () => {
      clear(datalist).append(...ctx.params.map((p) => h('option', { value: p.key }, `${p.type}`)));
      clear(paramList).append(ctx.params.length
        ? `Parameters from the applied sample: ${ctx.params.length} (type in the parameter field to choose).`
        : 'This integration has no applied parameters yet: Retrieve data and Apply on its page.');
      for (const li of rows.children) li.querySelector('input').dispatchEvent(new Event('input'));
    },
    value: () => {
      let f;
      if (jsonMode) {
        try { f = parseJSON(jsonArea.value || '{}'); } catch (e) { f = { invalid: jsonArea.value }; }
      } else f = builderValue();
      const out = { ...node, id: nid, type: 'business_event', integrationId: integ.value, filter: f };
      return out;
    },
    validate: () => {
      if (!integ.value) return Object.assign(new Error(`nodes.${nid}: integrationId: choose an incoming integration`), { field: `nodes.${nid}.integrationId` });
      if (jsonMode) {
        try { parseJSON(jsonArea.value || '{}'); } catch (e) {
          return Object.assign(new Error(`nodes.${nid}: filter: not valid JSON: ${e.message}`), { field: `nodes.${nid}.filter` });
        }
      }
      return null;
    },
  };
}

// --- Outgoing Integration ---------------------------------------------------

// A credential (a password, a token, a credential header's value) is
// write-only: the API reads it back as set ({passwordSet: true}, {"set":
// true}) and never as its value. Its field then stays empty with an
// "(unchanged)" placeholder, and an empty field sends the marker back, so
// the server keeps the stored value; typing replaces it.
const KEEP = '(unchanged)';
const isSetMarker = (v) => v !== null && typeof v === 'object' && v.set === true;

function headerRows(headers, nid, onChange) {
  const list = h('ol.headers');
  const add = (k = '', v = '') => {
    const stored = isSetMarker(v);
    const key = input({ value: k, autocomplete: 'off', spellcheck: 'false', placeholder: 'Header name' });
    const val = input({ value: stored ? '' : v, autocomplete: 'off', spellcheck: 'false',
      placeholder: stored ? KEEP : 'Value (template)', class: 'mono' });
    if (stored) {
      val.type = 'password';
      val.autocomplete = 'new-password';
      val.title = 'A credential: its value is stored but never shown. Leave it empty to keep it, or type a new value.';
    }
    const rm = h('button.icon-button.remove', { type: 'button', 'aria-label': 'Remove header', title: 'Remove header' }, '×');
    const li = h('li.header-row', field('Name', key), field('Value', val), rm);
    // Under another name there is nothing stored: the server says so.
    li.keep = () => stored && val.value === '';
    rm.addEventListener('click', () => { li.remove(); onChange(); addBtn.focus(); });
    key.addEventListener('input', onChange);
    val.addEventListener('input', onChange);
    list.append(li);
    return key;
  };
  for (const [k, v] of Object.entries(headers || {})) add(k, v);
  const addBtn = button('Add header', () => add().focus(), 'secondary small');
  const box = fieldset('Headers', [list, h('div.actions.left', addBtn)], { errorKey: `nodes.${nid}.headers` });
  box.value = () => {
    const o = {};
    for (const li of list.children) {
      const [k, v] = li.querySelectorAll('input');
      if (k.value.trim()) o[k.value.trim()] = li.keep() ? { set: true } : v.value;
    }
    return o;
  };
  return box;
}

function authEditor(auth, keys, nid) {
  const a = auth || { type: 'none' };
  const type = select(AUTH_TYPES, a.type || 'none');
  // The stored secret of the stored type, kept while its field stays empty.
  const secret = (t, flag, attrs) => {
    const stored = a.type === t && a[flag] === true;
    const el = input({ type: 'password', autocomplete: 'new-password', ...attrs,
      placeholder: stored ? KEEP : (attrs.placeholder || '') });
    el.keep = () => stored && type.value === t && el.value === '';
    return el;
  };
  const user = input({ value: a.username || '', autocomplete: 'off' });
  const pass = secret('basic', 'passwordSet', {});
  const tok = secret('bearer', 'tokenSet', {});
  const hname = input({ value: a.name || '', autocomplete: 'off', placeholder: 'X-Api-Key' });
  const hval = secret('header', 'valueSet', {});
  const key = select([['', keys.length ? 'Choose an API key…' : 'No active API keys'],
    ...keys.map((k) => [k.id, k.state === 'active' ? `${k.name} (${(k.permissions || []).join(', ')})`
      : `${k.name} (${k.state})`])], a.apiKeyId || '');
  const keepHint = 'Stored and never shown: leave it empty to keep it, or type a new one.';
  const hintFor = (el) => (el.placeholder === KEEP ? { hint: keepHint } : {});
  const parts = {
    basic: h('div.grid-2', field('Username', user), field('Password', pass, hintFor(pass))),
    bearer: field('Token', tok, hintFor(tok)),
    header: h('div.grid-2', field('Header name', hname), field('Header value', hval, hintFor(hval))),
    api_key: field('API key', key, { hint: 'The runner gets a token for this key as POST /auth/token does and sends it as a Bearer token.' }),
  };
  const box = fieldset('Authorization', [field('Authorization type', type), ...Object.values(parts)],
    { errorKey: `nodes.${nid}.auth` });
  const sync = () => { for (const [k, el] of Object.entries(parts)) el.hidden = type.value !== k; };
  type.addEventListener('change', sync);
  sync();
  box.value = () => {
    switch (type.value) {
      case 'basic': return { type: 'basic', username: user.value,
        ...(pass.keep() ? { passwordSet: true } : { password: pass.value }) };
      case 'bearer': return { type: 'bearer', ...(tok.keep() ? { tokenSet: true } : { token: tok.value }) };
      case 'header': return { type: 'header', name: hname.value,
        ...(hval.keep() ? { valueSet: true } : { value: hval.value }) };
      case 'api_key': return { type: 'api_key', apiKeyId: key.value };
      default: return { type: 'none' };
    }
  };
  return box;
}

function isJsonContentType(headers) {
  const ct = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type');
  return ct ? /(^|\/|\+)json\b/i.test(ct[1]) : null;
}

function outgoingEditor(node, keys, ctx) {
  const nid = node.id;
  const action = input({ value: node.action || '', maxlength: '100', autocomplete: 'off', placeholder: 'goal.achieve' });
  const method = select(METHODS, node.method || 'POST');
  const url = input({ value: node.url || '', autocomplete: 'off', spellcheck: 'false', class: 'mono',
    placeholder: 'https://api.example.com/v4/events/custom' });
  const bodyArea = h('textarea.mono', { rows: '12', spellcheck: 'false' });
  bodyArea.value = node.body || '';
  const grow = () => { bodyArea.rows = Math.min(30, Math.max(8, bodyArea.value.split('\n').length + 1)); };
  grow();
  bodyArea.addEventListener('input', grow);
  let timer = null;
  onLeave(() => clearTimeout(timer));
  const schedule = () => { clearTimeout(timer); timer = setTimeout(preview, 350); };
  const headers = headerRows(node.headers, nid, schedule);
  const auth = authEditor(node.auth, keys, nid);
  const timeout = input({ type: 'number', min: '100', max: '300000', value: node.timeoutMs ?? '', placeholder: '10000' });
  const attempts = input({ type: 'number', min: '1', max: '100', value: node.retry && node.retry.maxAttempts !== undefined ? node.retry.maxAttempts : '', placeholder: '8' });

  // Insert a parameter reference where the cursor was in URL or body.
  let lastTarget = bodyArea;
  url.addEventListener('focus', () => { lastTarget = url; });
  bodyArea.addEventListener('focus', () => { lastTarget = bodyArea; });
  const paramSel = select([['', 'Insert a parameter…']]);
  const insertParam = (key) => {
    const t = lastTarget;
    const text = `{{ request.${key} }}`;
    const s = t.selectionStart ?? t.value.length;
    const e = t.selectionEnd ?? t.value.length;
    t.value = t.value.slice(0, s) + text + t.value.slice(e);
    t.focus();
    t.setSelectionRange(s + text.length, s + text.length);
    if (t === bodyArea) grow();
    schedule();
  };
  const insertBtn = button('Insert', () => {
    if (paramSel.value) insertParam(paramSel.value);
  }, 'secondary small');
  const refreshParams = () => {
    const keep = paramSel.value;
    clear(paramSel).append(h('option', { value: '' }, 'Insert a parameter…'),
      ...ctx.params.map((p) => h('option', { value: p.key }, p.key)));
    paramSel.value = ctx.params.some((p) => p.key === keep) ? keep : '';
  };

  const urlOut = h('pre.preview-out', { tabindex: '0', 'aria-label': 'Rendered URL' });
  const bodyOut = h('pre.preview-out', { tabindex: '0', 'aria-label': 'Rendered body' });
  const urlErr = h('p.field-error', { role: 'status', hidden: true });
  // Runs to this URL would be refused (SSRF rules): from the server, live
  // from the preview's render, else from the last save.
  const urlWarn = h('p.field-warn', { role: 'status', hidden: true });
  let savedWarning = '';
  let liveWarning = null;
  const showUrlWarning = () => {
    const w = liveWarning !== null ? liveWarning : savedWarning;
    urlWarn.textContent = w ? 'Runs will be refused: ' + w + '.' : '';
    urlWarn.hidden = !w;
  };
  const bodyErr = h('p.field-error', { role: 'status', hidden: true });
  const warn = h('p.hint.warnings');
  const source = h('p.hint');
  const sampleBox = h('details.sub', h('summary', 'Sample data'));
  let seq = 0;

  async function render(template, mode, out, err) {
    err.hidden = true;
    if (!ctx.sample) { out.textContent = ''; return []; }
    try {
      const r = await api.post('templates/render', { template, mode,
        data: { request: ctx.sample, event: ctx.sample, nodes: {}, now: Date.now() } });
      if (mode === 'url') { liveWarning = r.urlWarning || ''; showUrlWarning(); }
      let text = r.output;
      if (mode === 'json' && text.trim()) {
        try { text = toJSON(parseJSON(text), 2); } catch (e) {
          err.textContent = 'The rendered body is not valid JSON: ' + e.message;
          err.hidden = false;
        }
      }
      out.textContent = text;
      return r.warnings || [];
    } catch (e) {
      out.textContent = '';
      err.textContent = e.message;
      err.hidden = false;
      return [];
    }
  }

  async function preview() {
    const my = ++seq;
    refreshParams();
    source.textContent = ctx.sampleLabel;
    // The applied parameters: a click inserts one where the cursor was.
    clear(sampleBox).append(h('summary', 'Sample data'),
      ctx.params.length ? h('p.hint', 'Click a key to insert it at the cursor in the URL or the body.') : null,
      ctx.params.length ? flatTable(ctx.params, `Parameters for ${nid}`, insertParam, 'Insert') : null,
      ctx.sample ? jsonBlock(ctx.sample, 'Sample event') : h('p.empty', 'None'));
    const hv = headers.value();
    const jsonBody = isJsonContentType(hv) ?? /^\s*[[{]/.test(bodyArea.value);
    const [w1, w2] = await Promise.all([
      render(url.value, 'url', urlOut, urlErr),
      render(bodyArea.value, jsonBody ? 'json' : 'text', bodyOut, bodyErr)]);
    if (my !== seq) return;
    const w = [...new Set([...w1, ...w2])];
    warn.textContent = w.length ? 'Warnings: ' + w.join('; ') : '';
  }
  url.addEventListener('input', schedule);
  bodyArea.addEventListener('input', schedule);

  // Test with the sample: the server renders this node (as it stands in
  // the form, unsaved) against the sample and really sends it, then shows
  // the request (credentials redacted, as in runs) and the answer. Nothing
  // is saved and no run or event is recorded.
  const testOut = h('div.test-result', { 'aria-live': 'polite', 'aria-label': `Test result of ${nid}` });
  const testBtn = button('Test with the sample', () => testNode(), 'secondary',
    { 'data-action': 'test-node', 'aria-describedby': `${nid}-test-hint` });
  const testFail = (text) => clear(testOut).append(h('p.form-error', { role: 'alert' }, text));
  const testNode = () => busy(testBtn, async () => {
    if (!ctx.integrationId()) {
      testFail('Choose the incoming integration of the Business Event first: its sample is what is sent.');
      return;
    }
    clear(testOut).append(h('p.hint.sending', h('span.spinner', { 'aria-hidden': 'true' }), ' Sending…'));
    const body = { node: value(), integrationId: ctx.integrationId() };
    if (ctx.workflowId()) body.workflowId = ctx.workflowId();
    let r;
    try {
      r = await api.post('workflows/test-node', body);
    } catch (e) {
      testFail(`Not sent: ${e.message}`);
      return;
    }
    const a = r.attempt || {};
    const res = a.response;
    const from = r.sample && r.sample.source === 'event' ? 'the newest event' : 'the captured sample';
    const outcome = res
      ? h('p.test-outcome', h('strong', { class: res.status >= 200 && res.status < 300 ? 'ok' : 'warn' },
        `HTTP ${res.status}`), ` in ${a.durationMs} ms, sent with ${from}.`)
      : h('p.test-outcome', h('strong.error-text', 'Not answered'), ` (the request was made with ${from}).`);
    clear(testOut).append(...[outcome,
      a.error && !res ? h('p.form-error', { role: 'alert' }, a.error) : null,
      (a.warnings || []).length ? h('p.hint.warnings', 'Warnings: ' + a.warnings.join('; ')) : null,
      attemptDetail(a, { errorShown: Boolean(a.error && !res) })].filter(Boolean));
  });
  const testBox = h('div.test-node', h('h4', 'Test with the sample'),
    h('p.hint', { id: `${nid}-test-hint` }, 'Sends this request now, as the form stands, with the sample: ',
      'the target really receives it. Nothing is saved and no run is recorded.'),
    testBtn, testOut);

  function value() {
    const out = { ...node, id: nid, type: 'outgoing_integration', action: action.value.trim(),
      method: method.value, url: url.value, headers: headers.value(), body: bodyArea.value,
      auth: auth.value() };
    if (timeout.value !== '') out.timeoutMs = Number(timeout.value); else delete out.timeoutMs;
    if (attempts.value !== '') out.retry = { ...(node.retry || {}), maxAttempts: Number(attempts.value) };
    else delete out.retry;
    return out;
  }

  const previewPane = h('aside.preview', { 'aria-label': `Preview of ${nid}` },
    h('h3', 'Live preview'), source,
    h('h4', 'URL'), urlOut, urlErr, h('h4', 'Body'), bodyOut, bodyErr, warn, testBox, sampleBox);
  const el = h('section.node-card.outgoing', { 'aria-labelledby': `${nid}-title`, 'data-error-key': `nodes.${nid}` },
    h('h2.node-title', { id: `${nid}-title` }, h('span.node-kind', 'Outgoing Integration'), h('code', nid)),
    h('p.field-error', { role: 'alert', hidden: true }),
    h('div.node-grid',
      h('div.node-fields',
        field('Action name', action, { errorKey: `nodes.${nid}.action` }),
        h('div.grid-method', field('Method', method, { errorKey: `nodes.${nid}.method` }),
          field('URL', url, { errorKey: `nodes.${nid}.url`, class: 'grow' })),
        urlWarn,
        headers,
        field('Body', bodyArea, { errorKey: `nodes.${nid}.body`,
          hint: 'Jinja templates: {{ request.body.customer_email }}, {{ request.headers["X-Request-ID"] }}.' }),
        h('div.inline.insert', paramSel, insertBtn),
        auth,
        h('details.sub', h('summary', 'Timeout and retries'), h('div.grid-2',
          field('Timeout (ms)', timeout, { errorKey: `nodes.${nid}.timeoutMs` }),
          field('Max attempts', attempts, { errorKey: `nodes.${nid}.retry` })))),
      previewPane));
  paramSel.setAttribute('aria-label', 'Parameter to insert');
  return {
    id: nid,
    el,
    preview,
    setSavedWarning: (w) => { savedWarning = w; if (!ctx.sample) liveWarning = null; showUrlWarning(); },
    focus: () => action.focus(),
    value,
  };
}

export { isRawNumber, integrationIcon };
