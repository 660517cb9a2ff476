// api: the admin API client. Session cookie (HttpOnly, set by the server)
// plus its CSRF token, which every tab reads from GET /api/v1/session: the
// browser holds one cookie for all tabs, so a tab follows the session the
// latest sign-in (in any tab) made, and a reload stays signed in.
// JSON is parsed keeping every number's exact text (JSON.rawJSON where the
// browser has it), so 9007199254740993 is shown and sent back as sent.

// The CSRF token of the session the browser's cookie names; null when
// unknown (not read yet, or signed out).
let csrf = null;

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || '';
  }
  // "nodes.send: url: line 1 ..." -> "nodes.send.url"; null when the
  // message does not start with a field name.
  get field() {
    const parts = [];
    let rest = this.message;
    for (;;) {
      const m = /^([A-Za-z_][A-Za-z0-9_.\-[\]"*]*): /.exec(rest);
      if (!m) break;
      parts.push(m[1]);
      rest = rest.slice(m[0].length);
    }
    return parts.length ? parts.join('.') : null;
  }
}

const exact = typeof JSON.rawJSON === 'function';

function reviver(key, value, ctx) {
  if (exact && typeof value === 'number' && ctx && typeof ctx.source === 'string' &&
      ctx.source !== String(value)) {
    return JSON.rawJSON(ctx.source);
  }
  return value;
}

export function parseJSON(text) {
  return JSON.parse(text, reviver);
}

// A JSON value as text (raw numbers stay exact).
export function toJSON(value, indent) {
  return JSON.stringify(value, null, indent);
}

export function isRawNumber(v) {
  return exact && v !== null && typeof v === 'object' && JSON.isRawJSON(v);
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

// Whether the browser holds a live session: asks the server once (and
// again after a sign-out or a refused token).
export async function signedIn() {
  if (csrf) return true;
  return refreshSession();
}

// Reads the CSRF token of the cookie's session. Returns true when there
// is a session.
async function refreshSession() {
  let res;
  try {
    res = await fetch(base() + '/api/v1/session', { credentials: 'same-origin', cache: 'no-store',
      headers: { Accept: 'application/json' } });
  } catch (e) {
    return false;
  }
  if (!res.ok) { csrf = null; return false; }
  try { csrf = (await res.json()).csrfToken || null; } catch (e) { csrf = null; }
  return !!csrf;
}

function base() {
  // The UI lives at <base_path>/ui/; the API at <base_path>/api/v1/.
  const p = location.pathname;
  const i = p.lastIndexOf('/ui/');
  return i >= 0 ? p.slice(0, i) : '';
}

export function appBase() { return base(); }

const STALE_CSRF = /X-CSRF-Token/;

export async function request(method, path, body, again = true) {
  const headers = { Accept: 'application/json' };
  const opts = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET' && method !== 'HEAD') {
    if (csrf) headers['X-CSRF-Token'] = csrf;
    headers['Content-Type'] = 'application/json';
    // Always a body: some servers refuse a POST without Content-Length.
    opts.body = body === undefined ? '{}' : toJSON(body);
  }
  let res;
  try {
    res = await fetch(base() + '/api/v1/' + path, opts);
  } catch (e) {
    throw new ApiError(0, 'network', 'the server cannot be reached: ' + e.message);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = parseJSON(text); } catch (e) { data = null; }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data && data.error,
      (data && data.message) || `${res.status} ${res.statusText}`);
    if (res.status === 403 && path !== 'session' && STALE_CSRF.test(err.message)) {
      // The token of another session: a sign-in in another tab replaced
      // the cookie. Take the current session's token and try once more.
      if (again && await refreshSession()) return request(method, path, body, false);
      csrf = null;
      onUnauthorized(new ApiError(401, 'unauthorized',
        'Your session changed in another tab or has ended. Sign in again.'));
      throw err;
    }
    if (res.status === 401 && path !== 'session') {
      csrf = null;
      onUnauthorized(err);
    }
    throw err;
  }
  return data;
}

export const api = {
  get: (p) => request('GET', p),
  post: (p, b) => request('POST', p, b),
  put: (p, b) => request('PUT', p, b),
  patch: (p, b) => request('PATCH', p, b),
  del: (p) => request('DELETE', p),
};

export async function signIn(token) {
  const r = await request('POST', 'session', { token });
  csrf = r.csrfToken;
  return r;
}

export async function signOut() {
  try {
    await request('DELETE', 'session');
  } finally {
    csrf = null;
  }
}

// Every item of a paged collection (follows "next"), up to max items.
export async function listAll(path, max = 500) {
  const out = [];
  let cursor = '';
  const sep = path.includes('?') ? '&' : '?';
  do {
    const page = await api.get(`${path}${sep}limit=${Math.min(max, 500)}` +
      (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''));
    out.push(...(page.items || []));
    cursor = page.next || '';
  } while (cursor && out.length < max);
  return out;
}
