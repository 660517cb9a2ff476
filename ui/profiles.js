// profiles: the most recently updated customer profiles, a lookup by
// identifier, and a profile with its custom events.
import { api } from './api.js';
import { h, clear, field, input, select, clearErrors, showError, fmtTime, busy, jsonBlock, leafText } from './dom.js';

const KINDS = [['email', 'Email'], ['customId', 'Custom id'], ['uuid', 'UUID'], ['id', 'Client id']];
const PAGE = 25;

// The identifier a list item is opened by: the first of email, customId,
// uuid and the client's id it has (every profile has one).
function openBy(p) {
  if (p.email !== undefined) return ['email', String(p.email)];
  if (p.customId !== undefined) return ['customId', String(p.customId)];
  if (p.uuid !== undefined) return ['uuid', String(p.uuid)];
  if (p.clientId !== undefined) return ['id', leafText(p.clientId)];
  return null;
}

export async function profilesView() {
  const kind = select(KINDS, 'email');
  const value = input({ type: 'search', autocomplete: 'off' });
  const submit = h('button.primary', { type: 'submit' }, 'Look up');
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form.card.inline-form', { novalidate: true, role: 'search' },
    field('Identifier', kind), field('Value', value, { errorKey: 'value email customId uuid id', class: 'grow' }),
    h('div.actions', submit));
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    if (!value.value.trim()) {
      showError(form, Object.assign(new Error('value: enter what to look up'), { field: 'value' }));
      return;
    }
    clear(out);
    await busy(submit, async () => {
      let p;
      try {
        p = await api.get(`profiles?${kind.value}=${encodeURIComponent(value.value.trim())}`);
      } catch (e) {
        if (e.status === 404) {
          out.append(h('p.empty', e.message));
          return;
        }
        throw e;
      }
      out.append(profileCard(p));
    }, form);
  });
  const open = (k, v) => {
    kind.value = k;
    value.value = v;
    history.replaceState(null, '', `#/profiles?${k}=${encodeURIComponent(v)}`);
    form.requestSubmit();
    out.scrollIntoView({ block: 'nearest' });
  };
  const recent = await recentList(open);
  const sec = h('section', h('div.page-head', h('h1', 'Profiles')),
    h('p', 'Profiles receive the custom events sent to POST /v4/events/custom, for example by a workflow.'),
    form, out, recent);
  const given = KINDS.map(([k]) => k).find((k) => params.get(k));
  if (given) {
    kind.value = given;
    value.value = params.get(given);
    setTimeout(() => form.requestSubmit(), 0);
  }
  return sec;
}

// The card of recent profiles, newest first, a page at a time.
async function recentList(open) {
  const body = h('tbody');
  const more = h('button', { type: 'button' }, 'Show older profiles');
  const table = h('div.table-wrap', h('table.list.profiles-list', h('caption.visually-hidden', 'Recent profiles'),
    h('thead', h('tr', ...['Profile', 'Custom id', 'Updated', 'Events'].map((t) => h('th', { scope: 'col' }, t)))),
    body));
  const card = h('section.card.recent-profiles', { 'aria-labelledby': 'recent-profiles-h' },
    h('h2', { id: 'recent-profiles-h' }, 'Recently updated'), table, h('div.actions.left', more));
  let cursor = '';
  const load = async () => {
    const page = await api.get(`profiles?limit=${PAGE}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''));
    for (const p of page.items || []) body.append(profileRow(p, open));
    cursor = page.next || '';
    more.hidden = !cursor;
  };
  more.addEventListener('click', () => busy(more, load));
  await load();
  if (!body.children.length) {
    table.replaceWith(h('p.empty', 'No profiles yet. They appear when a custom event arrives.'));
  }
  return card;
}

function profileRow(p, open) {
  const by = openBy(p);
  const label = by ? by[1] : p.id;
  const go = (ev) => {
    if (!by) return;
    ev.preventDefault();
    open(by[0], by[1]);
  };
  const link = h('a', { href: by ? `#/profiles?${by[0]}=${encodeURIComponent(by[1])}` : '#/profiles',
    'aria-label': `Open profile ${label}`, onclick: go }, label);
  const row = h('tr.clickable', { 'data-id': p.id },
    h('th', { scope: 'row', 'data-label': 'Profile' }, link),
    h('td', { 'data-label': 'Custom id' }, p.customId !== undefined && by && by[0] !== 'customId' ? String(p.customId) : ''),
    h('td', { 'data-label': 'Updated' }, fmtTime(p.updatedAt)),
    h('td', { 'data-label': 'Events' }, leafText(p.eventCount)));
  row.addEventListener('click', (ev) => { if (ev.target !== link) go(ev); });
  return row;
}

function profileCard(p) {
  const ids = h('dl.props');
  for (const [k, v] of Object.entries(p.identifiers || {})) ids.append(h('dt', k), h('dd', h('code', String(v))));
  ids.append(h('dt', 'profile id'), h('dd', h('code', p.id)));
  const body = h('tbody');
  for (const ev of p.events || []) {
    body.append(h('tr', h('td', h('time', { datetime: ev.time || '' }, fmtTime(ev.time || ev.receivedAt))),
      h('th', { scope: 'row' }, h('code', ev.action)),
      h('td', ev.label || ''), h('td', jsonBlock(ev.params || {}, `Params of ${ev.action}`))));
  }
  return h('section.card.profile', h('h2', 'Profile'), ids,
    h('h3', `Events (${(p.events || []).length})`),
    (p.events || []).length
      ? h('div.table-wrap', h('table.list', h('caption.visually-hidden', 'Profile events'),
        h('thead', h('tr', ...['Time', 'Action', 'Label', 'Params'].map((t) => h('th', { scope: 'col' }, t)))), body))
      : h('p.empty', 'No events.'));
}
