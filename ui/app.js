// app: the shell — sign-in, navigation and hash routing between screens.
import { signIn, signOut, signedIn, setUnauthorizedHandler } from './api.js';
import {
  h, clear, field, input, clearErrors, showError, busy, runLeave, mayLeave, leaveQuestion,
} from './dom.js';
import { integrationsView, integrationView } from './integrations.js';
import { apikeysView } from './apikeys.js';
import { workflowsView, workflowView } from './workflows.js';
import { runsView } from './runs.js';
import { profilesView } from './profiles.js';
import { dashboardView } from './dashboard.js';

const main = document.getElementById('main');
let shown = ''; // the hash of the screen on display

const routes = [
  [/^#\/dashboard$/, () => dashboardView(), 'dashboard'],
  [/^#\/integrations\/?$/, () => integrationsView(), 'integrations'],
  [/^#\/integrations\/new$/, () => integrationsView({ create: true }), 'integrations'],
  [/^#\/integrations\/([0-9a-f-]{36})$/, (m) => integrationView(m[1]), 'integrations'],
  [/^#\/apikeys$/, () => apikeysView(), 'apikeys'],
  [/^#\/workflows\/?$/, () => workflowsView(), 'workflows'],
  [/^#\/workflows\/new$/, () => workflowView(null), 'workflows'],
  [/^#\/workflows\/([0-9a-f-]{36})$/, (m) => workflowView(m[1]), 'workflows'],
  [/^#\/runs$/, () => runsView(), 'runs'],
  [/^#\/profiles$/, () => profilesView(), 'profiles'],
];

function setNav(section) {
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function chrome(on) {
  document.getElementById('nav').hidden = !on;
  document.getElementById('signout').hidden = !on;
}

async function route() {
  runLeave();
  shown = location.hash;
  if (!(await signedIn())) {
    showSignIn();
    return;
  }
  chrome(true);
  const hash = location.hash.split('?')[0] || '#/dashboard';
  for (const [re, view, section] of routes) {
    const m = re.exec(hash);
    if (!m) continue;
    setNav(section);
    clear(main).append(h('p.loading', 'Loading…'));
    try {
      const el = await view(m);
      clear(main).append(el);
    } catch (e) {
      if (e.status === 401) return;
      clear(main).append(h('section', h('h1', 'Something went wrong'),
        h('p.form-error', { role: 'alert' }, e.message)));
    }
    const h1 = main.querySelector('h1');
    if (h1) { h1.tabIndex = -1; h1.focus({ preventScroll: true }); }
    document.title = (h1 ? h1.textContent + ' — ' : '') + 'incoming';
    return;
  }
  location.replace('#/dashboard');
}

function showSignIn(message) {
  chrome(false);
  const tok = input({ type: 'password', name: 'token', autocomplete: 'current-password',
    required: true, spellcheck: 'false' });
  const submit = h('button.primary', { type: 'submit' }, 'Sign in');
  const form = h('form.card.signin', { novalidate: true },
    h('h1', 'Sign in'),
    h('p', 'Sign in with an admin token. Create one on the server with ',
      h('code', 'incomingctl admin-token create'), '.'),
    field('Admin token', tok, { errorKey: 'token' }),
    h('div.actions', submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    if (!tok.value.trim()) {
      showError(form, Object.assign(new Error('token: enter an admin token'),
        { field: 'token' }));
      return;
    }
    await busy(submit, async () => {
      try {
        await signIn(tok.value.trim());
      } catch (e) {
        // 401 names no field: show it at the token.
        if (e.status === 401) e = Object.assign(new Error('token: ' + e.message), { field: 'token' });
        throw e;
      }
      if (!location.hash || location.hash === '#/signin') location.hash = '#/dashboard';
      else route();
    }, form);
  });
  clear(main).append(form);
  if (message) showError(form, new Error(message));
  document.title = 'Sign in — incoming';
  tok.focus();
}

setUnauthorizedHandler((e) => showSignIn(e && /another tab/.test(e.message)
  ? e.message : 'Your session has ended. Sign in again.'));

document.getElementById('signout').addEventListener('click', async () => {
  if (!mayLeave()) return;
  runLeave();
  try { await signOut(); } catch (e) { /* signed out locally anyway */ }
  location.hash = '#/dashboard';
  showSignIn();
});

// Moving to another screen with unsaved edits asks first; staying puts
// the address back (without a second hashchange).
window.addEventListener('hashchange', () => {
  if (!mayLeave()) {
    history.replaceState(null, '', shown || '#/integrations');
    return;
  }
  shown = location.hash;
  route();
});
window.addEventListener('beforeunload', (ev) => {
  if (!leaveQuestion()) return;
  ev.preventDefault();
  ev.returnValue = '';
});
route();
