// integrations: the list, New integration (authentication, API key, icon),
// and the integration page — endpoint, Retrieve data with its countdown,
// flattened and raw views, Apply, Save & publish, unpublish, delete, and
// the recent events.
import { api, listAll, toJSON } from './api.js';
import {
  h, clear, field, fieldset, input, select, clearErrors, showError, fmtTime, badge, copyText,
  toast, button, busy, jsonBlock, flatTable, onLeave, nextId, copyParam, searchBox,
} from './dom.js';
import { BUILTIN_ICONS, svgIcon, integrationIcon } from './icons.js';

const AUTH_LABEL = { none: 'Without authentication', jwt: 'JWT authentication',
  hmac: 'Signed webhooks (HMAC)' };
const ICON_MAX = 64 * 1024;

export async function integrationsView(opts = {}) {
  const items = (await listAll('integrations')).filter((i) => i.state !== 'deleted');
  const newBtn = button('New integration', () => openCreate(), 'primary');
  const section = h('section',
    h('div.page-head', h('h1', 'Incoming integrations'), newBtn));
  if (!items.length) {
    section.append(h('p.empty', 'No integrations yet. Create one to get an endpoint URL.'));
  } else {
    const body = h('tbody');
    for (const it of items) {
      body.append(h('tr',
        h('td.icon-cell', integrationIcon(it.icon)),
        h('th', { scope: 'row' }, h('a', { href: `#/integrations/${it.id}` }, it.name)),
        h('td', badge(it.state)),
        h('td', AUTH_LABEL[it.auth] || it.auth),
        h('td.endpoint', h('code', it.endpointUrl || ''))));
    }
    section.append(searchBox('Search integrations', () => [...body.children], 'name, state, authentication'));
    section.append(h('div.table-wrap', h('table.list',
      h('caption.visually-hidden', 'Integrations'),
      h('thead', h('tr', h('th', { scope: 'col' }, h('span.visually-hidden', 'Icon')),
        h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'State'),
        h('th', { scope: 'col' }, 'Authentication'), h('th', { scope: 'col' }, 'Endpoint'))),
      body)));
  }
  if (opts.create) setTimeout(() => openCreate(), 0);
  return section;
}

// The icon picker: a radio group of the built-in icons plus an upload
// (PNG/JPEG data URL, at most 64 KiB) when the server accepts those.
function iconPicker(current) {
  const name = nextId('icon');
  const grid = h('div.icon-grid');
  let uploaded = typeof current === 'string' && current.startsWith('data:') ? current : null;
  const choice = (value, label, content) => {
    const id = nextId('ic');
    const r = h('input.visually-hidden', { type: 'radio', name, id, value,
      checked: value === (current || 'webhook') || (value === 'upload' && uploaded) });
    return h('div.icon-choice', r, h('label', { for: id, title: label },
      content, h('span.visually-hidden', label)));
  };
  for (const n of BUILTIN_ICONS) grid.append(choice(n, n, svgIcon(n)));
  const preview = h('span.upload-preview');
  const file = h('input', { type: 'file', accept: 'image/png,image/jpeg', id: nextId('file') });
  const uploadChoice = choice('upload', 'Uploaded image', preview);
  uploadChoice.hidden = !uploaded;
  grid.append(uploadChoice);
  const showPreview = () => {
    clear(preview);
    if (uploaded) preview.append(integrationIcon(uploaded, 'icon'));
  };
  showPreview();
  const err = h('p.field-error', { role: 'alert', hidden: true });
  file.addEventListener('change', () => {
    err.hidden = true;
    const f = file.files[0];
    if (!f) return;
    if (!/^image\/(png|jpeg)$/.test(f.type)) {
      err.textContent = 'icon: choose a PNG or JPEG image';
      err.hidden = false;
      return;
    }
    if (f.size > ICON_MAX * 3 / 4) {
      err.textContent = 'icon: the image must be at most 48 KiB (64 KiB as a data URL)';
      err.hidden = false;
      return;
    }
    const rd = new FileReader();
    rd.onload = () => {
      uploaded = rd.result;
      uploadChoice.hidden = false;
      uploadChoice.querySelector('input').checked = true;
      showPreview();
    };
    rd.readAsDataURL(f);
  });
  const fs = fieldset('Icon (optional)', [grid,
    h('div.upload', h('label', { for: file.id }, 'Or upload a PNG or JPEG image'), file, err)],
  { errorKey: 'icon', class: 'icon-picker' });
  fs.value = () => {
    const c = fs.querySelector(`input[name="${name}"]:checked`);
    if (!c) return undefined;
    return c.value === 'upload' ? uploaded : c.value;
  };
  return fs;
}

async function apiKeyOptions() {
  const keys = (await listAll('apikeys')).filter((k) => k.state === 'active');
  return keys;
}

// Authentication choice with the JWT API key dropdown and the HMAC fields.
function authFields(keys, current = {}) {
  const name = nextId('auth');
  const radios = ['none', 'jwt', 'hmac'].map((v) => {
    const id = nextId('a');
    return h('div.radio', h('input', { type: 'radio', name, id, value: v,
      checked: (current.auth || 'none') === v }), h('label', { for: id }, AUTH_LABEL[v]));
  });
  const keySel = select([['', keys.length ? 'Choose an API key…' : 'No active API keys'],
    ...keys.map((k) => [k.id, `${k.name} (${k.id.slice(0, 8)})`])], current.apiKeyId || '');
  const keyField = field('API key', keySel, { errorKey: 'apiKeyId',
    hint: h('span', 'Senders get a JWT for this key from POST /auth/token, or sign one with its secret. ',
      h('a', { href: '#/apikeys' }, 'Manage API keys')) });
  const hm = current.hmac || {};
  const scheme = select([['standard-webhooks', 'Standard Webhooks'], ['github', 'GitHub / Meta (X-Hub-Signature-256)'],
    ['custom', 'Custom header']], hm.scheme || 'standard-webhooks');
  const secret = input({ type: 'password', autocomplete: 'off',
    placeholder: hm.secretSet ? '(unchanged)' : 'whsec_… or shared secret' });
  const header = input({ value: hm.header || '', placeholder: 'X-Signature' });
  const alg = select(['sha256', 'sha1', 'sha512'], hm.algorithm || 'sha256');
  const enc = select(['hex', 'base64'], hm.encoding || 'hex');
  const prefix = input({ value: hm.prefix || '', placeholder: 'sha256=' });
  const custom = h('div.grid-3', field('Header', header, { errorKey: 'hmac.header' }),
    field('Algorithm', alg, { errorKey: 'hmac.algorithm' }),
    field('Encoding', enc, { errorKey: 'hmac.encoding' }),
    field('Prefix', prefix, { errorKey: 'hmac.prefix' }));
  const hmacBox = h('div.subfields', field('Scheme', scheme, { errorKey: 'hmac.scheme' }),
    field('Secret', secret, { errorKey: 'hmac.secret hmac' }), custom);
  const group = fieldset('Authentication', radios, { errorKey: 'auth' });
  const box = h('div', group, keyField, hmacBox);
  const value = () => box.querySelector(`input[name="${name}"]:checked`).value;
  const sync = () => {
    keyField.hidden = value() !== 'jwt';
    hmacBox.hidden = value() !== 'hmac';
    custom.hidden = scheme.value !== 'custom';
  };
  box.addEventListener('change', sync);
  sync();
  box.collect = (out, patch) => {
    const a = value();
    out.auth = a;
    if (a === 'jwt') out.apiKeyId = keySel.value || (patch ? null : undefined);
    if (a === 'hmac') {
      if (patch && !secret.value && hm.secretSet && current.auth === 'hmac') return;
      const o = { scheme: scheme.value, secret: secret.value };
      if (scheme.value === 'custom') {
        o.header = header.value; o.algorithm = alg.value; o.encoding = enc.value;
        if (prefix.value) o.prefix = prefix.value;
      }
      out.hmac = o;
    }
  };
  box.validate = () => {
    if (value() === 'jwt' && !keySel.value) return 'apiKeyId: choose the API key whose tokens this endpoint accepts';
    return null;
  };
  return box;
}

async function openCreate() {
  const keys = await apiKeyOptions();
  const name = input({ name: 'name', required: true, maxlength: '100', autocomplete: 'off' });
  const auth = authFields(keys);
  const icon = iconPicker('webhook');
  const submit = h('button.primary', { type: 'submit' }, 'Apply');
  const cancel = button('Cancel', () => dlg.close(), 'secondary');
  const form = h('form', { method: 'dialog', novalidate: true },
    h('h2', { id: 'new-int-title' }, 'New integration'),
    field('Name', name, { errorKey: 'name' }), auth, icon,
    h('p.hint', 'The endpoint URL is generated when you apply.'),
    h('div.actions', cancel, submit));
  const dlg = h('dialog.modal', { 'aria-labelledby': 'new-int-title' }, form);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = { name: name.value.trim() };
    auth.collect(body, false);
    const ic = icon.value();
    if (ic) body.icon = ic;
    const local = !body.name ? 'name: enter a name of 1 to 100 characters' : auth.validate();
    if (local) {
      showError(form, errorFor(local));
      return;
    }
    await busy(submit, async () => {
      const created = await api.post('integrations', body);
      dlg.close();
      toast(`Integration “${created.name}” created`);
      location.hash = `#/integrations/${created.id}`;
    }, form);
  });
  dlg.addEventListener('close', () => {
    dlg.remove();
    if (location.hash === '#/integrations/new') history.replaceState(null, '', '#/integrations');
  });
  document.body.append(dlg);
  dlg.showModal();
  name.focus();
}

// An Error whose field is the text before the first ": ".
export function errorFor(msg) {
  const e = new Error(msg);
  const m = /^([A-Za-z_][A-Za-z0-9_.]*): /.exec(msg);
  e.field = m ? m[1] : null;
  return e;
}

function fmtCountdown(s) {
  const n = Math.max(0, Number(s) || 0);
  return `${Math.floor(n / 60)}:${String(n % 60).padStart(2, '0')}`;
}

export async function integrationView(id) {
  const it = await api.get(`integrations/${id}`);
  const root = h('section.integration');
  const render = (doc) => { clear(root); build(root, doc); };
  render(it);
  return root;
}

function build(root, it) {
  const refresh = async () => {
    const doc = await api.get(`integrations/${it.id}`);
    clear(root);
    build(root, doc);
  };
  const actions = h('div.actions');
  if (it.state !== 'published') {
    actions.append(button('Save & publish', (e) => busy(e.currentTarget, async () => {
      await api.post(`integrations/${it.id}/publish`);
      toast('Integration published');
      await refresh();
    }), 'primary', { 'data-action': 'publish' }));
  } else {
    actions.append(button('Unpublish', (e) => busy(e.currentTarget, async () => {
      await api.post(`integrations/${it.id}/unpublish`);
      toast('Integration unpublished');
      await refresh();
    }), 'secondary'));
  }
  actions.append(button('Delete', (e) => busy(e.currentTarget, async () => {
    // Name what depends on it: its workflows become orphaned.
    const now = await api.get(`integrations/${it.id}`);
    const wfs = (now.usedBy && now.usedBy.workflows) || [];
    const uses = wfs.length
      ? `\n\n${wfs.length === 1 ? 'This workflow triggers' : 'These workflows trigger'} on it and will be orphaned (they cannot run or be published until they get another integration):\n`
        + wfs.map((w) => `• ${w.name} (${w.state})`).join('\n')
      : '\n\nNo workflow uses it.';
    if (!confirm(`Delete the integration “${it.name}”? Its endpoint will answer 410 Gone.${uses}`)) return;
    await api.del(`integrations/${it.id}`);
    toast(wfs.length ? `Integration deleted; ${wfs.length} workflow(s) orphaned` : 'Integration deleted');
    location.hash = '#/integrations';
  }), 'danger'));

  const urlInput = input({ value: it.endpointUrl || '', readonly: true, class: 'mono',
    id: nextId('url') });
  const copyBtn = h('button.icon-button', { type: 'button', 'aria-label': 'Copy endpoint URL',
    title: 'Copy endpoint URL' }, svgIcon('copy'));
  copyBtn.addEventListener('click', async () => {
    const ok = await copyText(urlInput.value, urlInput);
    toast(ok ? 'Endpoint URL copied' : 'Copy failed: select the URL and copy it', ok ? 'info' : 'error');
  });
  // A ready curl example for the integration's authentication.
  const example = curlExample(it);
  const exampleBox = h('pre.json.curl', { tabindex: '0', 'aria-label': 'curl example' }, example);
  const copyExample = button('Copy the example', async () => {
    const ok = await copyText(example);
    toast(ok ? 'curl example copied' : 'Copy failed: select the example and copy it', ok ? 'info' : 'error');
  }, 'secondary small');
  const endpoint = h('section.card',
    h('h2', 'Endpoint'),
    h('div.field', h('label', { for: urlInput.id }, 'Endpoint URL'),
      h('div.input-row', urlInput, copyBtn)),
    h('p.hint', it.auth === 'jwt'
      ? 'Each request needs Authorization: Bearer <JWT> for the chosen API key (get one from POST /auth/token with {"apiKey": "<secret>"}).'
      : it.auth === 'hmac' ? 'Each request must carry a valid HMAC signature.'
        : 'Anyone with this URL can send requests.'),
    h('details.sub', h('summary', 'Try it with curl'), exampleBox, h('div.actions.left', copyExample)));

  root.append(
    h('div.page-head', h('div.title-row', integrationIcon(it.icon, 'icon integration-icon large'),
      h('h1', it.name), badge(it.state)), actions),
    h('p.meta', AUTH_LABEL[it.auth] || it.auth, ' · created ', fmtTime(it.createdAt)),
    endpoint,
    captureSection(it, refresh),
    settingsSection(it, refresh),
    eventsSection(it));
}

// Shell lines that send a test request: for JWT the token step first (the
// API key's secret is shown only once, so it stays a placeholder).
function curlExample(it) {
  const url = it.endpointUrl || '';
  const base = url.replace(/\/incoming\/[^/]*$/, '');
  const send = (auth) => `curl -i -X POST '${url}' \\\n  -H 'Content-Type: application/json' ${auth}\\\n  -d '{"customer_email": "a@example.com", "type": "email"}'`;
  if (it.auth === 'jwt') {
    return `# 1. A token for the API key (its secret was shown once, when it was created)\n`
      + `TOKEN=$(curl -s -X POST '${base}/auth/token' -H 'Content-Type: application/json' \\\n`
      + `  -d '{"apiKey": "<API key secret>"}' | sed -n 's/.*"token": *"\\([^"]*\\)".*/\\1/p')\n`
      + `# 2. The request\n${send('-H "Authorization: Bearer $TOKEN" ')}`;
  }
  if (it.auth === 'hmac') {
    return `# Signed webhooks: let the sender's webhook library sign the body with the\n`
      + `# shared secret (${(it.hmac && it.hmac.scheme) || 'standard-webhooks'}); unsigned, this gets 401.\n${send('')}`;
  }
  return send('');
}

// Retrieve data: open a window, poll every second, show the sample, and
// the requests that arrived but were refused meanwhile (a misconfigured
// sender shows at once instead of a silent countdown).
function captureSection(it, refresh) {
  const status = h('div.capture-status', { 'aria-live': 'polite' });
  const refusedBox = h('div.capture-refused', { 'aria-live': 'polite' });
  const result = h('div.capture-result');
  const appliedBox = h('div.capture-applied');
  const retrieve = button('Retrieve data', () => start(), 'primary', { 'data-action': 'retrieve' });
  const sec = h('section.card.capture', h('h2', 'Incoming data'),
    h('p', 'Retrieve data waits for one request to the endpoint and lists its parameters, ' +
      'which filters and templates can use.'),
    h('div.actions.left', retrieve), status, refusedBox, result, appliedBox);
  let timer = null;
  const stop = () => { if (timer) { clearTimeout(timer); timer = null; } };
  onLeave(stop);

  // The applied parameters stay in view whatever a new capture does.
  const applied = Array.isArray(it.parameters) && it.parameters.length;
  if (applied) {
    appliedBox.append(h('details.applied', { open: it.state === 'draft' }, h('summary', `Applied parameters (${it.parameters.length})`),
      flatTable(it.parameters, 'Applied parameters', copyParam)));
    if (it.state === 'draft') {
      status.append(h('span.ok', 'Parameters applied. '),
        h('span', 'Publish the integration with Save & publish to start accepting requests.'));
    }
  }

  const showRefused = (list) => {
    clear(refusedBox);
    if (!list || !list.length) return;
    refusedBox.append(h('p.warn', list.length === 1 ? 'A request arrived and was refused:'
      : `${list.length} requests arrived and were refused (the last ones):`),
    h('ul.refused', ...list.map((r) => h('li', h('span.time', fmtTime(r.at)), ' ',
      h('strong', `${r.status} ${r.error}`), ': ', r.message))),
    h('p.hint', 'Fix the sender (its token, signature or Content-Type); the window keeps waiting for a request that passes.'));
  };

  const showSample = (sample) => {
    clear(result);
    const raw = jsonBlock(sample.raw, 'Raw JSON of the received request');
    raw.hidden = true;
    raw.id = nextId('raw');
    const table = flatTable(sample.flattened, 'Received data, flattened', copyParam);
    const toggle = h('button.icon-button', { type: 'button', 'aria-controls': raw.id,
      'aria-expanded': 'false', 'aria-label': 'Show raw JSON', title: 'Show raw JSON',
      'data-action': 'raw' }, svgIcon('braces'));
    toggle.addEventListener('click', () => {
      const show = raw.hidden;
      raw.hidden = !show;
      table.hidden = show;
      toggle.setAttribute('aria-expanded', String(show));
      toggle.setAttribute('aria-label', show ? 'Show flattened table' : 'Show raw JSON');
      toggle.title = toggle.getAttribute('aria-label');
      clear(toggle).append(svgIcon(show ? 'table' : 'braces'));
    });
    const apply = button('Apply', (e) => busy(e.currentTarget, async () => {
      await api.post(`integrations/${it.id}/apply`);
      toast('Parameters applied');
      await refresh();
      // The next step: Save & publish.
      const next = document.querySelector('[data-action="publish"]');
      if (next) { next.scrollIntoView({ block: 'center' }); next.focus({ preventScroll: true }); }
    }), 'primary', { 'data-action': 'apply' });
    const copyRaw = h('button.icon-button', { type: 'button', 'aria-label': 'Copy raw JSON',
      title: 'Copy raw JSON' }, svgIcon('copy'));
    copyRaw.addEventListener('click', async () => {
      const ok = await copyText(toJSON(sample.raw, 2));
      toast(ok ? 'Raw JSON copied' : 'Copy failed: open the raw JSON and copy it', ok ? 'info' : 'error');
    });
    result.append(h('div.sample-head', h('h3', 'Received data'), h('div.inline', copyRaw, toggle)), table, raw,
      h('div.actions.left', apply));
  };

  const poll = async () => {
    timer = null;
    let st;
    try {
      st = await api.get(`integrations/${it.id}/capture`);
    } catch (e) {
      status.textContent = 'Cannot read the capture: ' + e.message;
      retrieve.disabled = false;
      return;
    }
    showRefused(st.refused);
    if (st.status === 'waiting') {
      clear(status).append(h('span.spinner', { 'aria-hidden': 'true' }),
        h('span', 'Waiting for a request to the endpoint… '),
        h('strong.countdown', { 'data-seconds': st.secondsLeft }, fmtCountdown(st.secondsLeft)),
        h('span', ' left'));
      timer = setTimeout(poll, 1000);
      return;
    }
    retrieve.disabled = false;
    if (st.status === 'received') {
      clear(status).append(h('span.ok', 'Data received.'));
      showSample(st.sample);
    } else {
      clear(status).append(h('span.warn', (st.refused || []).length
        ? 'No request passed in time. Fix the sender, then Retrieve data again.'
        : 'No request arrived in time. Retrieve data again to wait once more.'));
    }
  };

  const start = async () => {
    stop();
    clear(result);
    clear(status);
    clear(refusedBox);
    retrieve.disabled = true;
    try {
      await api.post(`integrations/${it.id}/capture`);
    } catch (e) {
      clear(status).append(h('span.form-error', { role: 'alert' }, e.message));
      retrieve.disabled = false;
      return;
    }
    await poll();
  };

  // A sample received earlier (and not applied yet) is shown again.
  api.get(`integrations/${it.id}/capture`).then((st) => {
    if (st.status === 'waiting') { retrieve.disabled = true; poll(); } else if (st.status === 'received' && !applied) {
      clear(status).append(h('span.ok', 'Data received.'));
      showSample(st.sample);
    }
  }).catch(() => {});
  return sec;
}

function settingsSection(it, refresh) {
  const det = h('details.card.settings', h('summary', h('h2', 'Settings')));
  let built = false;
  det.addEventListener('toggle', async () => {
    if (!det.open || built) return;
    built = true;
    const keys = await apiKeyOptions();
    const name = input({ value: it.name, maxlength: '100' });
    const auth = authFields(keys, it);
    const icon = iconPicker(it.icon);
    const dedup = input({ value: (it.dedupParams || []).join(', '), placeholder: 'body.order_number',
      list: nextId('dl') });
    const dl = h('datalist', { id: dedup.getAttribute('list') },
      (it.parameters || []).map((p) => h('option', { value: p.key })));
    const rate = input({ type: 'number', min: '0', max: '100000', value: it.rateLimitPerSecond ?? '' });
    const save = h('button.primary', { type: 'submit' }, 'Save changes');
    const form = h('form', { novalidate: true },
      field('Name', name, { errorKey: 'name' }), auth, icon,
      field('Deduplication parameters', dedup, { errorKey: 'dedupParams',
        hint: 'Up to 5 flattened keys, comma separated; requests with the same values are accepted once.' }), dl,
      field('Rate limit (requests per second, 0 for none)', rate, { errorKey: 'rateLimitPerSecond' }),
      h('div.actions.left', save));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      const patch = { name: name.value.trim() };
      auth.collect(patch, true);
      const ic = icon.value();
      if (ic) patch.icon = ic;
      patch.dedupParams = dedup.value.split(',').map((s) => s.trim()).filter(Boolean);
      patch.rateLimitPerSecond = rate.value === '' ? null : Number(rate.value);
      const local = auth.validate();
      if (local) { showError(form, errorFor(local)); return; }
      await busy(save, async () => {
        await api.patch(`integrations/${it.id}`, patch);
        toast('Settings saved');
        await refresh();
      }, form);
    });
    det.append(form);
  });
  return det;
}

function eventsSection(it) {
  const list = h('div.events');
  const reload = button('Refresh', () => load(), 'secondary');
  const sec = h('section.card', h('div.section-head', h('h2', 'Recent events'), reload), list);
  const load = async () => {
    clear(list).append(h('p.loading', 'Loading…'));
    let page;
    try {
      page = await api.get(`integrations/${it.id}/events?limit=20`);
    } catch (e) {
      clear(list).append(h('p.form-error', e.message));
      return;
    }
    clear(list);
    if (!page.items.length) {
      list.append(h('p.empty', 'No events yet.'));
      return;
    }
    for (const ev of page.items) list.append(eventItem(ev));
  };
  load();
  return sec;
}

// One event: flattened table and raw body, switched by two tabs. A list
// item holds only the first rows of the table and the start of a large
// body (README, Admin API); "Whole event" puts GET events/{id} in their
// place: the whole body and up to 1,000 rows.
export function eventItem(ev) {
  const flat = h('div.event-view');
  const raw = h('div.event-view', { hidden: true });
  showRows(flat, ev.flattened, ev.flattenedCount, ev.flattenedTruncated);
  if (ev.rawTruncated) showExcerpt(raw, ev.raw, ev.rawBytes);
  else raw.append(jsonBlock(ev.raw, 'Raw body of the event'));
  const tabFlat = h('button.tab', { type: 'button', 'aria-pressed': 'true' }, 'Flattened');
  const tabRaw = h('button.tab', { type: 'button', 'aria-pressed': 'false' }, 'Raw JSON');
  const pick = (showRaw) => {
    raw.hidden = !showRaw; flat.hidden = showRaw;
    tabFlat.setAttribute('aria-pressed', String(!showRaw));
    tabRaw.setAttribute('aria-pressed', String(showRaw));
  };
  tabFlat.addEventListener('click', () => pick(false));
  tabRaw.addEventListener('click', () => pick(true));
  const replay = button('Replay', (e) => busy(e.currentTarget, async () => {
    const r = await api.post(`events/${ev.eventId}/replay`);
    const n = (r.replayedRunIds || []).length;
    toast(n ? `Replayed: ${n} new run${n === 1 ? '' : 's'} for this event`
      : 'Nothing replayed: no published workflow triggers on this integration');
  }), 'secondary small');
  let whole = null;
  if (ev.flattenedTruncated || ev.rawTruncated) {
    whole = button('Whole event', (e) => busy(e.currentTarget, async () => {
      const doc = await api.get(`events/${ev.eventId}`);
      showRows(flat, doc.flattened, doc.flattenedCount, doc.flattenedTruncated);
      clear(raw).append(jsonBlock(doc.event.body, 'Raw body of the event'));
      whole.remove();
    }), 'secondary small');
  }
  return h('details.event', h('summary', h('span.time', fmtTime(ev.time)), ' ',
    h('code.id', ev.eventId)),
  h('div.tabs', { role: 'group', 'aria-label': 'View' }, tabFlat, tabRaw,
    h('a.button.secondary.small', { href: `#/runs?eventId=${ev.eventId}` }, 'Runs'), replay, whole), flat, raw);
}

// The flattened table into view, saying when rows were left out.
function showRows(view, rows, count, truncated) {
  clear(view).append(flatTable(rows, 'Flattened event', copyParam),
    truncated ? h('p.hint', `The first ${rows.length} of ${String(count)} parameters.`) : null);
}

// The start of a large body, as text (it is cut, so it is not JSON).
function showExcerpt(view, text, size) {
  const shown = new TextEncoder().encode(text).length;
  view.append(h('pre.json', { tabindex: '0', 'aria-label': 'Start of the raw body' }, text + ' …'),
    h('p.hint', `The first ${shown} of ${String(size)} bytes.`));
}

export { toJSON };
