// apikeys: list, create (the secret is shown once), revoke.
import { api, listAll } from './api.js';
import {
  h, clear, field, fieldset, input, clearErrors, showError, fmtTime, badge, copyText, toast,
  button, busy, nextId,
} from './dom.js';
import { svgIcon } from './icons.js';

const PERMS = [['incoming:execute', 'incoming:execute — authenticate requests to JWT endpoints'],
  ['events:write', 'events:write — send profile events (POST /v4/events/custom)']];

export async function apikeysView() {
  const section = h('section');
  const listBox = h('div');
  const secretBox = h('div', { 'aria-live': 'polite' });
  const reload = async () => {
    const keys = await listAll('apikeys');
    clear(listBox);
    if (!keys.length) {
      listBox.append(h('p.empty', 'No API keys yet.'));
      return;
    }
    const body = h('tbody');
    for (const k of keys) {
      const revoke = k.state === 'active'
        ? button('Revoke', (e) => busy(e.currentTarget, async () => {
          // Name what depends on it before asking.
          const now = await api.get(`apikeys/${k.id}`);
          const used = now.usedBy || {};
          const ints = used.integrations || [];
          const wfs = used.workflows || [];
          let uses = '\n\nNo integration or workflow uses it.';
          if (ints.length || wfs.length) {
            uses = '\n\nIt is used by:\n'
              + ints.map((i) => `• integration ${i.name}: its senders' tokens will be refused (401)`).join('\n')
              + (ints.length && wfs.length ? '\n' : '')
              + wfs.map((w) => `• workflow ${w.name}: orphaned (it cannot send or be published)`).join('\n');
          }
          if (!confirm(`Revoke the API key “${k.name}”? Tokens for it stop working at once.${uses}`)) return;
          await api.del(`apikeys/${k.id}`);
          toast(`API key “${k.name}” revoked`);
          await reload();
        }), 'danger small', { 'aria-label': `Revoke ${k.name}` })
        : '';
      body.append(h('tr', h('th', { scope: 'row' }, k.name), h('td', h('code', k.id)),
        h('td', (k.permissions || []).join(', ')), h('td', badge(k.state)),
        h('td', fmtTime(k.createdAt)), h('td', revoke)));
    }
    clear(listBox).append(h('div.table-wrap', h('table.list', h('caption.visually-hidden', 'API keys'),
      h('thead', h('tr', ...['Name', 'Id', 'Permissions', 'State', 'Created', ''].map((t) =>
        h('th', { scope: 'col' }, t ? t : h('span.visually-hidden', 'Actions'))))), body)));
  };

  const name = input({ maxlength: '100', autocomplete: 'off' });
  const boxes = PERMS.map(([v, label]) => {
    const id = nextId('perm');
    return h('div.checkbox', h('input', { type: 'checkbox', id, value: v, checked: true }),
      h('label', { for: id }, label));
  });
  const submit = h('button.primary', { type: 'submit' }, 'Create API key');
  const form = h('form.card', { novalidate: true }, h('h2', 'New API key'),
    field('Name', name, { errorKey: 'name' }),
    fieldset('Permissions', boxes, { errorKey: 'permissions' }),
    h('div.actions.left', submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const permissions = [...form.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
    await busy(submit, async () => {
      const k = await api.post('apikeys', { name: name.value.trim(), permissions });
      name.value = '';
      showSecret(secretBox, k);
      await reload();
    }, form);
  });
  section.append(h('div.page-head', h('h1', 'API keys')),
    h('p', 'API keys authenticate senders to JWT endpoints and workflows to the profile events API.'),
    secretBox, form, h('h2', 'Keys'), listBox);
  await reload();
  return section;
}

function showSecret(box, k) {
  const sec = input({ value: k.secret, readonly: true, class: 'mono', id: nextId('secret') });
  const copy = h('button.icon-button', { type: 'button', 'aria-label': 'Copy secret', title: 'Copy secret' },
    svgIcon('copy'));
  copy.addEventListener('click', async () => {
    const ok = await copyText(sec.value, sec);
    toast(ok ? 'Secret copied' : 'Copy failed: select the secret and copy it', ok ? 'info' : 'error');
  });
  const done = button('I have stored the secret', () => clear(box), 'secondary');
  clear(box).append(h('div.card.secret-once', { role: 'region', 'aria-label': 'New API key secret' },
    h('h2', `API key “${k.name}” created`),
    h('p.warn', 'Copy the secret now: it is shown only this once.'),
    h('div.field', h('label', { for: sec.id }, 'Secret'), h('div.input-row', sec, copy)),
    h('p.meta', 'Id: ', h('code', k.id)),
    h('div.actions.left', done)));
  sec.focus();
  sec.select();
}

export { showError };
