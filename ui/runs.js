// runs: the run log with every attempt, errors and Retry.
import { api, listAll, parseJSON, toJSON } from './api.js';
import { h, clear, field, select, fmtTime, badge, button, busy, toast, onLeave, searchBox } from './dom.js';

const STATES = ['', 'queued', 'running', 'retrying', 'succeeded', 'failed', 'skipped'];
const ACTIVE = new Set(['queued', 'running', 'retrying']);

export async function runsView() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const workflows = await listAll('workflows').catch(() => []);
  const wfName = Object.fromEntries(workflows.map((w) => [w.id, w.name]));
  const state = select(STATES.map((s) => [s, s || 'any state']), params.get('state') || '');
  const wf = select([['', 'any workflow'], ...workflows.map((w) => [w.id, w.name])], params.get('workflowId') || '');
  const list = h('div.runs', { 'aria-live': 'polite' });
  const refresh = button('Refresh', () => load(), 'secondary');
  let timer = null;
  const stop = () => { if (timer) clearTimeout(timer); timer = null; };
  onLeave(stop);
  const open = new Set();

  const load = async () => {
    stop();
    const q = new URLSearchParams({ limit: '50' });
    if (state.value) q.set('state', state.value);
    if (wf.value) q.set('workflowId', wf.value);
    if (params.get('eventId')) q.set('eventId', params.get('eventId'));
    let page;
    try {
      page = await api.get('runs?' + q.toString());
    } catch (e) {
      clear(list).append(h('p.form-error', { role: 'alert' }, e.message));
      return;
    }
    for (const d of list.querySelectorAll('details[open]')) open.add(d.dataset.id);
    for (const d of list.querySelectorAll('details:not([open])')) open.delete(d.dataset.id);
    clear(list);
    if (!page.items.length) list.append(h('p.empty', 'No runs.'));
    for (const r of page.items) list.append(runItem(r, wfName, open.has(r.id), load));
    search.apply();
    if (page.items.some((r) => ACTIVE.has(r.state))) timer = setTimeout(load, 2000);
  };
  // Searches the runs shown (action, workflow, ids, errors).
  const search = searchBox('Search these runs', () => [...list.querySelectorAll(':scope > details.run')],
    'action, workflow, error, id');
  state.addEventListener('change', load);
  wf.addEventListener('change', load);
  await load();
  return h('section', h('div.page-head', h('h1', 'Runs'), refresh),
    params.get('eventId') ? h('p.meta', 'Runs of event ', h('code', params.get('eventId')), ' · ',
      h('a', { href: '#/runs' }, 'all runs')) : null,
    h('div.card.inline-form', field('State', state), field('Workflow', wf), search), list);
}

function attemptRow(a) {
  const req = a.request || {};
  const res = a.response || {};
  // data-label: the column's name, shown on phones where the table's head is not.
  return h('tr', h('td', { 'data-label': 'Node' }, h('code', a.node || '')), h('td', { 'data-label': 'At' }, fmtTime(a.at)),
    h('td', { 'data-label': 'Duration' }, a.durationMs !== undefined ? `${a.durationMs} ms` : ''),
    h('td.wrap', { 'data-label': 'Request' }, req.method ? h('code', `${req.method} ${req.url || ''}`) : ''),
    h('td', { 'data-label': 'Status' }, res.status !== undefined ? h('span', { class: res.status >= 200 && res.status < 300 ? 'ok' : 'warn' },
      String(res.status)) : ''),
    h('td.wrap', { 'data-label': 'Error' }, a.error ? h('span.error-text', a.error) : '',
      (a.warnings || []).length ? h('div.hint', 'warnings: ' + a.warnings.join('; ')) : ''));
}

// Retry resumes a failed run of a workflow that still exists; any
// finished run of an existing workflow can be replayed as a new run (a
// succeeded one is never turned into a failure by a retry).
function runActions(r, wfName, reload) {
  const label = r.name || r.id;
  if (ACTIVE.has(r.state)) return [];
  if (!wfName[r.workflowId]) {
    return [h('p.hint', 'Its workflow was deleted: this run cannot be retried or replayed.')];
  }
  const out = [];
  if (r.state === 'failed') {
    out.push(button('Retry', (e) => busy(e.currentTarget, async () => {
      await api.post(`runs/${r.id}/retry`);
      toast('Run queued again from its first unfinished node');
      await reload();
    }), 'secondary small', { 'aria-label': `Retry run ${label}` }));
  }
  out.push(button('Replay as a new run', (e) => busy(e.currentTarget, async () => {
    const n = await api.post(`runs/${r.id}/replay`);
    toast(n.state === 'skipped' ? 'New run created: skipped, the filter does not match any more'
      : 'New run queued');
    await reload();
  }), 'secondary small', { 'aria-label': `Replay run ${label} as a new run` }));
  return out;
}

// A body as people read it: JSON parsed and indented (an excerpt that was
// cut does not parse and stays as sent), anything else as text.
function bodyBlock(text, label) {
  let shown = text === undefined || text === null ? '' : String(text);
  try { if (/^\s*[[{]/.test(shown)) shown = toJSON(parseJSON(shown), 2); } catch (e) { /* as sent */ }
  return shown
    ? h('pre.json.body', { tabindex: '0', 'aria-label': label }, shown)
    : h('p.empty', 'No body.');
}

function headerList(headers, label) {
  const entries = Object.entries(headers || {});
  if (!entries.length) return h('p.empty', 'No headers recorded.');
  return h('dl.props.headers', { 'aria-label': label },
    entries.map(([k, v]) => [h('dt', k), h('dd', h('code', typeof v === 'string' ? v : toJSON(v)))]));
}

// One attempt: the request as sent and the response as received (also
// the answer of the workflow editor's "Test with the sample", which shows
// an unanswered attempt's error above it: opts.errorShown).
export function attemptDetail(a, opts = {}) {
  const req = a.request || {};
  const res = a.response || {};
  return h('div.attempt',
    h('h4', `${a.node} at ${fmtTime(a.at)}`),
    h('div.attempt-grid',
      h('section', { 'aria-label': `Request of ${a.node}` }, h('h5', 'Request'),
        h('p.wrap', h('code', `${req.method || ''} ${req.url || ''}`)),
        headerList(req.headers, 'Request headers'), bodyBlock(req.bodyExcerpt, 'Request body')),
      h('section', { 'aria-label': `Response of ${a.node}` }, h('h5', 'Response'),
        res.status !== undefined ? h('p', h('strong', `HTTP ${res.status}`))
          : h('p.empty', (!opts.errorShown && a.error) || 'No response.'),
        res.status !== undefined ? headerList(res.headers, 'Response headers') : null,
        res.status !== undefined ? bodyBlock(res.bodyExcerpt, 'Response body') : null)));
}

// The customer a run was about, when its request body names one
// (client.email of a custom event, or an email field): what tells runs of
// the same workflow apart.
function runEmail(attempts) {
  for (const a of attempts) {
    const text = (a.request || {}).bodyExcerpt;
    if (typeof text !== 'string' || !/^\s*\{/.test(text)) continue;
    try {
      const b = parseJSON(text);
      const e = (b.client && b.client.email) || b.email || b.customer_email;
      if (typeof e === 'string' && e) return e;
    } catch (e) { /* an excerpt that was cut */ }
  }
  return '';
}

function runItem(r, wfName, isOpen, reload) {
  const attempts = r.attempts || [];
  const last = attempts[attempts.length - 1];
  const retry = runActions(r, wfName, reload);
  const email = runEmail(attempts);
  const wfLabel = wfName[r.workflowId] || 'a deleted workflow';
  const details = h('details.run', { 'data-id': r.id, open: isOpen },
    h('summary', badge(r.state), h('span.run-name', r.name || '(run)'),
      h('span.meta', wfLabel), email ? h('span.meta.run-key', email) : null, h('span.meta', fmtTime(r.createdAt)),
      h('span.meta', `${attempts.length} attempt${attempts.length === 1 ? '' : 's'}`),
      last && last.error ? h('span.error-text.clip', last.error) : ''),
    h('div.run-body',
      // Links: run -> its event's runs, its workflow, the profile it reached.
      h('p.meta.run-links', 'Run ', h('code', r.id), ' · ',
        h('a', { href: `#/runs?eventId=${r.eventId}` }, 'all runs of its event'),
        wfName[r.workflowId] ? [' · ', h('a', { href: `#/workflows/${r.workflowId}` }, `workflow ${wfLabel}`)] : ' · its workflow was deleted',
        email ? [' · ', h('a', { href: `#/profiles?email=${encodeURIComponent(email)}` }, `profile ${email}`)] : null,
        r.nextAttemptAt && ACTIVE.has(r.state) ? ` · next attempt ${fmtTime(r.nextAttemptAt)}` : ''),
      attempts.length
        ? h('div.table-wrap', h('table.list.attempts', h('caption.visually-hidden', 'Attempts'),
          h('thead', h('tr', ...['Node', 'At', 'Duration', 'Request', 'Status', 'Error'].map((t) =>
            h('th', { scope: 'col' }, t)))), h('tbody', attempts.map(attemptRow))))
        : h('p.empty', 'No attempts yet.'),
      attempts.length ? h('details.sub', h('summary', 'Requests and responses'),
        attempts.map(attemptDetail)) : '',
      h('div.actions.left', retry)));
  return details;
}
