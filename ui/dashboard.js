// dashboard: the first screen — per integration, events received and runs
// succeeded/failed per hour over the last 24 hours (GET /api/v1/dashboard,
// counted from the store), integrations with failing runs first. The
// charts are SVG drawn here (no chart library, no CDN, no inline styles).
import { api } from './api.js';
import { h, fmtTime, badge, button } from './dom.js';
import { integrationIcon } from './icons.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 240; // viewBox width: 24 bars of 10
const H = 48;

function svg(tag, attrs) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}

// Bars of one or two stacked series over the hours; label says what they
// show (also the chart's accessible name), title of each bar its figures.
function bars(label, from, series, classes) {
  const n = series[0].length;
  const bw = W / n;
  const max = Math.max(1, ...series[0].map((_, i) => series.reduce((s, v) => s + Number(v[i]), 0)));
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': label,
    preserveAspectRatio: 'none' });
  root.append(svg('line', { x1: 0, y1: H - 0.5, x2: W, y2: H - 0.5, class: 'axis' }));
  for (let i = 0; i < n; i++) {
    let y = H;
    const parts = [];
    series.forEach((v, k) => {
      const c = Number(v[i]);
      if (!c) return;
      const bh = Math.max(1.5, (c / max) * (H - 4));
      y -= bh;
      root.append(svg('rect', { x: i * bw + 1, y, width: Math.max(1, bw - 2), height: bh, class: classes[k] }));
      parts.push(`${c} ${classes[k].replace('bar-', '')}`);
    });
    const hour = svg('rect', { x: i * bw, y: 0, width: bw, height: H, class: 'hit' });
    const t = svg('title');
    t.textContent = `${fmtTime(from + i * 3600000)}: ${parts.length ? parts.join(', ') : 'nothing'}`;
    hour.append(t);
    root.append(hour);
  }
  return root;
}

function card(it, d) {
  const t = it.totals;
  const failing = Number(t.failed) > 0;
  return h('article.card.dash-card', { class: failing ? 'failing' : null, 'aria-labelledby': `dash-${it.id}` },
    h('div.dash-head', integrationIcon(it.icon), h('h2', { id: `dash-${it.id}` },
      h('a', { href: `#/integrations/${it.id}` }, it.name)), badge(it.state)),
    h('p.dash-figures',
      h('span', h('strong', String(t.events)), Number(t.events) === 1 ? ' event' : ' events'), ' · ',
      h('span.ok', h('strong', String(t.succeeded)), Number(t.succeeded) === 1 ? ' run succeeded' : ' runs succeeded'), ' · ',
      h('span', { class: failing ? 'error-text' : null }, h('strong', String(t.failed)), ' failed'),
      failing ? [' · ', h('a', { href: '#/runs?state=failed' }, 'see failed runs')] : null),
    h('figure.dash-chart', h('figcaption', 'Events per hour'),
      bars(`Events per hour of ${it.name} over the last ${d.hours} hours`, Number(d.from), [it.events], ['bar-events'])),
    h('figure.dash-chart', h('figcaption', 'Runs per hour (succeeded, failed)'),
      bars(`Runs per hour of ${it.name} over the last ${d.hours} hours`, Number(d.from),
        [it.succeeded, it.failed], ['bar-succeeded', 'bar-failed'])));
}

export async function dashboardView() {
  const d = await api.get('dashboard?hours=24');
  const sec = h('section.dashboard', h('div.page-head', h('h1', 'Dashboard'),
    button('Refresh', () => { location.reload(); }, 'secondary')),
  h('p.meta', `The last ${d.hours} hours, ${fmtTime(d.from)} to ${fmtTime(d.to)}, per hour. `,
    'Integrations with failed runs come first.'));
  if (d.truncated) sec.append(h('p.warn', 'Too much traffic to count it all: the figures are partial.'));
  if (!d.integrations.length) {
    sec.append(h('p.empty', 'No integrations yet. ', h('a', { href: '#/integrations' }, 'Create one'), ' to receive events.'));
    return sec;
  }
  sec.append(h('div.dash-grid', d.integrations.map((it) => card(it, d))));
  return sec;
}
