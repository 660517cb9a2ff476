// profiles: look up a customer profile and its custom events.
import { api } from './api.js';
import { h, clear, field, input, select, clearErrors, showError, fmtTime, busy, jsonBlock } from './dom.js';

const KINDS = [['email', 'Email'], ['customId', 'Custom id'], ['uuid', 'UUID'], ['id', 'Profile id']];

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
  const sec = h('section', h('div.page-head', h('h1', 'Profiles')),
    h('p', 'Profiles receive the custom events sent to POST /v4/events/custom, for example by a workflow.'),
    form, out);
  if (params.get('email')) {
    value.value = params.get('email');
    setTimeout(() => form.requestSubmit(), 0);
  }
  return sec;
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
