// dom: small helpers to build elements without innerHTML, forms with
// labelled fields and errors shown next to the field they name.
import { toJSON, isRawNumber } from './api.js';

// h('button.primary', {type: 'button', onclick: fn}, 'Save')
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className += (el.className ? ' ' : '') + v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let uid = 0;
export function nextId(prefix = 'f') { uid += 1; return `${prefix}-${uid}`; }

// A labelled field: returns {wrap, control, error}. control is the given
// element (input/select/textarea) or one made from opts.
export function field(label, control, opts = {}) {
  const id = control.id || nextId('fld');
  control.id = id;
  const err = h('p.field-error', { id: id + '-err', role: 'alert', hidden: true });
  const hint = opts.hint ? h('p.hint', { id: id + '-hint' }, opts.hint) : null;
  control.setAttribute('aria-describedby', [hint && hint.id, err.id].filter(Boolean).join(' '));
  const wrap = h('div.field', opts.class ? { class: opts.class } : null,
    h('label', { for: id }, label), control, hint, err);
  if (opts.errorKey) wrap.dataset.errorKey = opts.errorKey;
  // An error goes away once the field is edited.
  control.addEventListener('input', () => {
    if (err.hidden) return;
    err.hidden = true;
    control.removeAttribute('aria-invalid');
  });
  return wrap;
}

// A group of controls with a legend (radios, checkboxes).
export function fieldset(legend, controls, opts = {}) {
  const err = h('p.field-error', { id: nextId('err'), role: 'alert', hidden: true });
  const fs = h('fieldset.field', h('legend', legend), controls, err);
  if (opts.errorKey) fs.dataset.errorKey = opts.errorKey;
  if (opts.class) fs.className += ' ' + opts.class;
  return fs;
}

export function input(attrs = {}) { return h('input', { type: 'text', ...attrs }); }

export function select(options, value, attrs = {}) {
  const s = h('select', attrs);
  for (const o of options) {
    const [v, text] = Array.isArray(o) ? o : [o, o];
    s.append(h('option', { value: v, selected: v === value }, text));
  }
  if (value !== undefined) s.value = value;
  return s;
}

// Clears the errors shown in root.
export function clearErrors(root) {
  for (const e of root.querySelectorAll('.field-error')) { e.hidden = true; e.textContent = ''; }
  for (const e of root.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
  const banner = root.querySelector('.form-error');
  if (banner) { banner.hidden = true; banner.textContent = ''; }
}

// Shows an API error next to the field whose data-error-key is the
// longest prefix of the error's field path, else in the form's banner.
export function showError(root, err) {
  const path = err.field;
  let best = null;
  if (path) {
    for (const el of root.querySelectorAll('[data-error-key]')) {
      for (const key of el.dataset.errorKey.split(' ')) {
        const ok = path === key || path.startsWith(key + '.') || path.startsWith(key + '[');
        if (ok && (!best || key.length > best.key.length)) best = { el, key };
      }
    }
  }
  if (best) {
    const e = best.el.querySelector(':scope > .field-error');
    e.textContent = err.message;
    e.hidden = false;
    const ctl = best.el.querySelector('input, select, textarea');
    if (ctl) { ctl.setAttribute('aria-invalid', 'true'); ctl.focus(); }
    best.el.scrollIntoView({ block: 'center' });
    return best.el;
  }
  let banner = root.querySelector('.form-error');
  if (!banner) {
    banner = h('p.form-error', { role: 'alert' });
    root.prepend(banner);
  }
  banner.textContent = err.message;
  banner.hidden = false;
  return banner;
}

// Text of a JSON leaf for the tables.
export function leafText(v) {
  if (typeof v === 'string') return v;
  if (isRawNumber(v)) return toJSON(v);
  return toJSON(v);
}

// The one time format of the UI: milliseconds since the epoch or an ISO
// 8601 string ("2021-04-28T14:09:27.000Z", as profile events carry), shown
// in the browser's locale and time zone, to the second.
export function fmtTime(v) {
  const n = typeof v === 'string' && !/^\d+$/.test(v) ? Date.parse(v) : Number(v);
  if (!n && n !== 0) return typeof v === 'string' ? v : '';
  if (!n) return '';
  return new Date(n).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

// A flattened key that may wrap only between its parts (after a dot,
// before a bracket), never inside a name: "body.products[0].name".
function keyText(key) {
  const out = [];
  for (const part of String(key).split(/(?<=\.)|(?=\[)/)) {
    if (out.length) out.push(h('wbr'));
    out.push(part);
  }
  return out;
}

export function badge(state) {
  return h('span.badge', { class: 'badge-' + String(state).replace(/[^a-z_]/g, '') }, state);
}

// Copies {{ request.<key> }} and says so.
export async function copyParam(key) {
  const text = `{{ request.${key} }}`;
  const ok = await copyText(text);
  toast(ok ? `Copied ${text}` : `Copy failed: type ${text}`, ok ? 'info' : 'error');
}

// Copies text; a fallback for pages that are not a secure context.
export async function copyText(text, fallbackInput) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (e) {
    if (fallbackInput) {
      fallbackInput.select();
      return document.execCommand('copy');
    }
    return false;
  }
}

const live = () => document.getElementById('live');

// A transient message for screen readers and sighted users alike.
export function toast(text, kind = 'info') {
  const box = document.getElementById('toasts');
  // A click dismisses it (it may cover what the user wants to see).
  const t = h('div.toast', { class: 'toast-' + kind, title: 'Dismiss', onclick: () => t.remove() }, text);
  while (box.children.length >= 3) box.firstChild.remove(); // the newest three at most
  box.append(t);
  live().textContent = text;
  setTimeout(() => t.remove(), 5000);
}

export function button(text, onclick, cls = '', attrs = {}) {
  return h('button', { type: 'button', class: cls || null, onclick, ...attrs }, text);
}

// Runs fn with btn disabled and shows a failure as a toast (or in root).
export async function busy(btn, fn, root) {
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  try {
    if (root) clearErrors(root);
    return await fn();
  } catch (e) {
    if (root) showError(root, e);
    else toast(e.message, 'error');
    return undefined;
  } finally {
    btn.disabled = false;
    btn.removeAttribute('aria-busy');
  }
}

// A JSON tree as indented text in a <pre>.
export function jsonBlock(value, label) {
  return h('pre.json', { tabindex: '0', 'aria-label': label || 'JSON' }, toJSON(value, 2));
}

// A table of flattened parameters. With pick (a function of the key, and
// a label for what it does), each key is a button: clicking it (or Enter)
// copies or inserts {{ request.<key> }}.
export function flatTable(rows, caption, pick, pickLabel = 'Copy') {
  const body = h('tbody');
  for (const r of rows || []) {
    const key = pick
      ? h('button.key-pick', { type: 'button', title: `${pickLabel} {{ request.${r.key} }}`,
        onclick: () => pick(r.key) }, h('code.key', keyText(r.key)))
      : h('code.key', keyText(r.key));
    body.append(h('tr', h('td', key), h('td', r.type),
      h('td.value', h('code', leafText(r.value !== undefined ? r.value : r.example)))));
  }
  return h('div.table-wrap', h('table.flat', caption ? h('caption.visually-hidden', caption) : null,
    h('thead', h('tr', h('th', { scope: 'col' }, 'Key'), h('th', { scope: 'col' }, 'Type'),
      h('th', { scope: 'col' }, 'Value'))), body));
}

// Screens register cleanups (timers, polls) run when the route changes.
let leaving = [];
export function onLeave(fn) { leaving.push(fn); }
export function runLeave() {
  const fns = leaving;
  leaving = [];
  guard = null;
  for (const fn of fns) fn();
}

// A screen with unsaved edits sets a guard: a function that returns the
// question to ask before leaving (null when there is nothing to lose).
let guard = null;
export function setLeaveGuard(fn) { guard = fn; }
// The question to ask before leaving the screen, or null.
export function leaveQuestion() { return guard ? guard() : null; }
// Whether the screen may be left: asks when there are unsaved edits.
export function mayLeave() {
  const q = leaveQuestion();
  return !q || window.confirm(q);
}

// A search field over the rows of a list: a row stays when it holds every
// word typed (any case). Returns the field; the list may be built later
// (rows() is asked each time).
export function searchBox(label, rows, placeholder = '') {
  const q = input({ type: 'search', autocomplete: 'off', spellcheck: 'false', placeholder });
  const count = h('p.hint', { 'aria-live': 'polite' });
  const apply = () => {
    const words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    const all = rows();
    for (const r of all) {
      const text = r.textContent.toLowerCase();
      r.hidden = !words.every((w) => text.includes(w));
      if (!r.hidden) shown += 1;
    }
    count.textContent = words.length ? `${shown} of ${all.length} shown` : '';
  };
  q.addEventListener('input', apply);
  const wrap = field(label, q, { class: 'search' });
  wrap.append(count);
  wrap.apply = apply;
  return wrap;
}
