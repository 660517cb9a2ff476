// icons: the built-in integration icons (names as the server knows them,
// src/integration.c builtin_icons) and a few UI glyphs, as SVG built with
// the DOM (no inline styles, so the strict CSP holds).
const NS = 'http://www.w3.org/2000/svg';

const PATHS = {
  webhook: ['M9 7a3 3 0 1 1 3 3l-3 6', 'M6 17a3 3 0 1 1 3-3h6', 'M18 17a3 3 0 1 1-3-3l-3-5'],
  cart: ['M3 4h2l2.5 11h10L20 7H6.2', 'M9 20h.01', 'M17 20h.01'],
  mail: ['M3 6h18v12H3z', 'M3 7l9 6 9-6'],
  user: ['M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M4 21a8 8 0 0 1 16 0'],
  bell: ['M6 16V11a6 6 0 0 1 12 0v5l2 2H4z', 'M10 20a2 2 0 0 0 4 0'],
  bolt: ['M13 2L4 14h7l-1 8 9-12h-7z'],
  cloud: ['M7 18a5 5 0 0 1 0-10 6 6 0 0 1 11 2 4 4 0 0 1 0 8z'],
  database: ['M4 6c0-2 16-2 16 0v12c0 2-16 2-16 0z', 'M4 6c0 2 16 2 16 0', 'M4 12c0 2 16 2 16 0'],
  globe: ['M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z', 'M3 12h18', 'M12 3c3 3 3 15 0 18', 'M12 3c-3 3-3 15 0 18'],
  link: ['M10 14a4 4 0 0 0 6 0l3-3a4 4 0 0 0-6-6l-1 1', 'M14 10a4 4 0 0 0-6 0l-3 3a4 4 0 0 0 6 6l1-1'],
  lock: ['M5 11h14v10H5z', 'M8 11V7a4 4 0 0 1 8 0v4'],
  chart: ['M4 20V4', 'M4 20h16', 'M8 16v-5', 'M12 16V8', 'M16 16v-8'],
  tag: ['M3 12V3h9l9 9-9 9z', 'M7.5 7.5h.01'],
  truck: ['M2 6h12v10H2z', 'M14 10h4l3 3v3h-7', 'M6 19a2 2 0 1 0 0-.01', 'M17 19a2 2 0 1 0 0-.01'],
  star: ['M12 3l2.8 5.8 6.2.9-4.5 4.4 1 6.2L12 17.4 6.5 20.3l1-6.2L3 9.7l6.2-.9z'],
  code: ['M8 8l-4 4 4 4', 'M16 8l4 4-4 4', 'M14 5l-4 14'],
  // UI glyphs
  braces: ['M8 4c-2 0-2 2-2 4s-1 3-2 4c1 1 2 2 2 4s0 4 2 4', 'M16 4c2 0 2 2 2 4s1 3 2 4c-1 1-2 2-2 4s0 4-2 4'],
  copy: ['M8 8h12v12H8z', 'M4 16V4h12'],
  table: ['M3 5h18v14H3z', 'M3 10h18', 'M3 15h18', 'M9 5v14'],
};

export const BUILTIN_ICONS = ['webhook', 'cart', 'mail', 'user', 'bell', 'bolt', 'cloud',
  'database', 'globe', 'link', 'lock', 'chart', 'tag', 'truck', 'star', 'code'];

export function svgIcon(name, cls = 'icon') {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of PATHS[name] || PATHS.webhook) {
    const p = document.createElementNS(NS, 'path');
    p.setAttribute('d', d);
    svg.append(p);
  }
  return svg;
}

// An integration's icon: a built-in name or an uploaded data URL.
export function integrationIcon(icon, cls = 'icon integration-icon') {
  if (typeof icon === 'string' && /^data:image\/(png|jpeg);base64,/.test(icon)) {
    const img = document.createElement('img');
    img.src = icon;
    img.alt = '';
    img.className = cls;
    return img;
  }
  return svgIcon(icon || 'webhook', cls);
}
