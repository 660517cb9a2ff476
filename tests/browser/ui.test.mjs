// The seed's whole flow through the admin UI in headless Debian Chromium
// (playwright-core with the system browser): sign in, API key, JWT
// integration, Retrieve data while this test POSTs the seed's example,
// flattened and raw views, Apply, Save & publish, the workflow Business
// Event -> Outgoing Integration (/v4/events/custom, auth api_key) -> End,
// an event, the run, the profile event, a large event's excerpt, and a
// workflow whose credentials show as set and are kept on Save unless
// replaced. Then issue 12, on the default configuration (the workflow
// reaches this server's own /v4/events/custom without
// outgoing_allow_private): the parameter picker and the filter's
// autocomplete, the warning about a URL runs would refuse, unsaved edits,
// Retry only for failed runs and Replay as a new run, the count of a
// replay, confirmations that name dependents and orphaned workflows, Test
// with the sample (the node sent, its answer shown, nothing stored), and a
// session shared by two tabs. Screenshots of each step go to artifacts/
// (1280 px, and 390 px for every screen of issue 12). Any failed step,
// page error or console error (CSP violations included; 4xx answers the
// test provokes excepted) fails the test.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import assert from 'node:assert/strict';

const HERE = path.dirname(new URL(import.meta.url).pathname);
const ART = process.env.ARTIFACTS || path.join(HERE, 'artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT = 20000;

const SEED_BODY = {
  customer_email: 'example@example.com',
  order_number: '111111111',
  type: 'email',
  language: 'eng',
  products: [{
    name: 'Earwax', category: 'Hygiene', id: 'abcdefgh', image_url: 'http://exampleimage.url',
    product_url: 'http://exampleproduct.url', group_id: 'groupid',
  }],
};
// The seed's request body, reading the product fields from products[0]
// (the seed reads request.body.group_id etc., which its data does not have).
const BODY_TEMPLATE = `{
  "action": "goal.achieve",
  "client": {
    "email": "{{ request.body.customer_email }}"
  },
  "params": {
    "created_at": "2021-04-28T14:09:27.000Z",
    "group_id": "{{ request.body.products[0].group_id }}",
    "image_url": "{{ request.body.products[0].image_url }}",
    "name": "{{ request.body.products[0].name }}",
    "product_url": "{{ request.body.products[0].product_url }}",
    "request_id": "{{ request.headers["X-Request-ID"] }}"
  }
}`;

// Selects the option of select whose text contains text.
async function selectByText(sel, text) {
  const value = await sel.evaluate((el, t) => {
    const o = [...el.options].find((x) => x.textContent.includes(t));
    return o ? o.value : null;
  }, text);
  assert.ok(value, `an option containing "${text}"`);
  await sel.selectOption(value);
}

function log(...a) { console.log('[ui-test]', ...a); }

// Starts tests/browser/server.py; resolves with {url, token, proc}.
function startServer() {
  return new Promise((resolve, reject) => {
    const proc = spawn('python3', [path.join(HERE, 'server.py')], {
      stdio: ['pipe', 'pipe', 'inherit'], env: process.env,
    });
    const rl = readline.createInterface({ input: proc.stdout });
    rl.once('line', (line) => {
      try { resolve({ ...JSON.parse(line), proc }); } catch (e) { reject(new Error('server.py: ' + line)); }
    });
    proc.once('exit', (code) => reject(new Error(`server.py exited with ${code}`)));
  });
}

async function http(method, url, body, headers = {}) {
  const r = await fetch(url, {
    method, headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* not JSON */ }
  return { status: r.status, json, text, headers: r.headers };
}

// Sends the seed's example to the endpoint with a fresh JWT for the key.
async function sendSeed(base, endpointUrl, secret, requestId) {
  const tok = await http('POST', base + '/auth/token', { apiKey: secret });
  assert.equal(tok.status, 200, 'POST /auth/token: ' + tok.text);
  const r = await http('POST', endpointUrl, SEED_BODY, {
    Authorization: 'Bearer ' + tok.json.token, 'X-Request-ID': requestId,
    'X-Forwarded-Host': 'example host',
  });
  assert.equal(r.status, 202, 'POST to the endpoint: ' + r.text);
  return r.json;
}

// A body too large for a list item: more than 20 parameters and more than
// 2,048 bytes, so the events list shows an excerpt (README, Admin API).
const BIG_BODY = { type: 'bulk', items: Array.from({ length: 300 }, (_, i) => ({ n: i })),
  note: 'x'.repeat(3000) };

async function sendBody(base, endpointUrl, secret, body) {
  const tok = await http('POST', base + '/auth/token', { apiKey: secret });
  assert.equal(tok.status, 200, 'POST /auth/token: ' + tok.text);
  const r = await http('POST', endpointUrl, body, { Authorization: 'Bearer ' + tok.json.token });
  assert.equal(r.status, 202, 'POST to the endpoint: ' + r.text);
  return r.json;
}

async function main() {
  rmSync(ART, { recursive: true, force: true });
  mkdirSync(ART, { recursive: true });
  const srv = await startServer();
  const base = srv.url;
  log('server at', base);
  const profileDir = mkdtempSync(path.join(tmpdir(), 'incoming-chromium-'));
  const problems = [];
  let ctx;
  let shot = 0;
  let page;
  const admin = { Authorization: 'Bearer ' + srv.token };
  // Every dialog (confirm) is recorded; the answer is accept unless a step
  // says otherwise.
  const dialogs = [];
  let dialogAnswer = 'accept';
  const watch = (pg) => {
    pg.on('pageerror', (e) => problems.push('page error: ' + e.message));
    pg.on('console', (m) => {
      if (m.type() === 'error' && !/status of 40[0-9]/.test(m.text())) problems.push('console: ' + m.text());
    });
    pg.on('dialog', async (d) => {
      dialogs.push({ type: d.type(), message: d.message() });
      if (dialogAnswer === 'dismiss') await d.dismiss(); else await d.accept();
    });
  };
  // Runs check at 1280 px and at 390 px (where the page must not scroll
  // sideways), with a screenshot of each.
  const atBoth = async (name, check) => {
    await check();
    await snap(name);
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await check();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `${name}: the page scrolls sideways by ${overflow}px at 390 px`);
      await snap(name + '-390px');
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  };
  // Waits until more than n dialogs were shown.
  const waitDialog = async (n) => {
    const deadline = Date.now() + STEP_TIMEOUT;
    while (dialogs.length <= n) {
      if (Date.now() > deadline) throw new Error('no dialog was shown');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const snap = async (name) => {
    shot += 1;
    const file = path.join(ART, `${String(shot).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    log('screenshot', path.basename(file));
  };
  const step = async (name, fn) => {
    log('step:', name);
    try {
      await fn();
    } catch (e) {
      try { await snap('FAILED-' + name.replace(/\W+/g, '-')); } catch (e2) { /* ignore */ }
      throw new Error(`step "${name}" failed: ${e.message}`);
    }
  };
  try {
    ctx = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    ctx.setDefaultTimeout(STEP_TIMEOUT);
    page = ctx.pages()[0] || await ctx.newPage();
    watch(page);

    let secret;
    let endpointUrl;
    let integrationId;

    await step('sign in with the admin token (keyboard only)', async () => {
      const resp = await page.goto(base + '/');
      assert.ok(page.url().endsWith('/ui/'), 'redirected to /ui/: ' + page.url());
      const csp = resp.headers()['content-security-policy'] || '';
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline/);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await snap('sign-in');
      // A wrong token: the error shows next to the field.
      await page.keyboard.type('iat_wrong');
      await page.keyboard.press('Enter');
      await page.locator('.field-error:visible', { hasText: /token: unknown or revoked/ }).waitFor();
      await snap('sign-in-error');
      await page.getByLabel('Admin token', { exact: true }).fill('');
      await page.getByLabel('Admin token', { exact: true }).focus();
      await page.keyboard.type(srv.token);
      await page.keyboard.press('Enter');
      // The first screen is the dashboard (issue 12).
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
      await page.getByText('No integrations yet.').waitFor();
      const cookies = await ctx.cookies();
      const c = cookies.find((x) => x.httpOnly);
      assert.ok(c, 'an HttpOnly session cookie');
      assert.equal(c.sameSite, 'Strict');
      await snap('dashboard-empty');
      await page.getByRole('navigation').getByRole('link', { name: 'Incoming', exact: true }).click();
      await page.getByRole('heading', { name: 'Incoming integrations' }).waitFor();
      await snap('integrations-empty');
    });

    await step('create an API key and see its secret once', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'API keys', exact: true }).click();
      await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Create API key' }).click();
      await page.locator('.field-error:visible', { hasText: /^name:/ }).waitFor();
      await page.getByLabel('Name', { exact: true }).fill('Shop key');
      await page.getByRole('button', { name: 'Create API key' }).click();
      const sec = page.getByRole('textbox', { name: 'Secret', exact: true });
      await sec.waitFor();
      secret = await sec.inputValue();
      assert.match(secret, /^ik_/);
      await page.getByRole('row', { name: /Shop key/ }).waitFor();
      await snap('apikey-secret-once');
      await page.getByRole('button', { name: 'I have stored the secret' }).click();
      await page.reload();
      await page.getByRole('row', { name: /Shop key/ }).waitFor();
      assert.equal(await page.getByText(secret).count(), 0, 'the secret is not shown again');
    });

    await step('create a JWT integration with that key and an icon', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Incoming', exact: true }).click();
      await page.getByRole('button', { name: 'New integration' }).click();
      const dlg = page.getByRole('dialog', { name: 'New integration' });
      await dlg.waitFor();
      await dlg.getByRole('button', { name: 'Apply' }).click();
      await dlg.locator('.field-error:visible', { hasText: /^name:/ }).waitFor();
      await dlg.getByLabel('Name', { exact: true }).fill('Shop cart');
      await dlg.getByLabel('JWT authentication', { exact: true }).check();
      await dlg.getByRole('button', { name: 'Apply' }).click();
      await dlg.locator('.field-error:visible', { hasText: /^apiKeyId:/ }).waitFor();
      await selectByText(dlg.getByLabel('API key', { exact: true }), 'Shop key');
      await dlg.getByLabel('cart', { exact: true }).check({ force: true });
      await snap('new-integration-jwt');
      await dlg.getByRole('button', { name: 'Apply' }).click();
      await page.getByRole('heading', { name: 'Shop cart', level: 1 }).waitFor();
      endpointUrl = await page.getByLabel('Endpoint URL', { exact: true }).inputValue();
      assert.match(endpointUrl, /\/incoming\/[0-9a-f-]{36}$/);
      integrationId = page.url().split('/').pop();
      await snap('integration-draft');
      // A ready curl example for JWT: the token step, then the request.
      await page.locator('details.sub > summary', { hasText: 'Try it with curl' }).click();
      const ex = page.getByLabel('curl example', { exact: true });
      await atBoth('integration-curl-example', async () => {
        const text = await ex.textContent();
        assert.ok(text.includes(`${base}/auth/token`), text);
        assert.ok(text.includes(`curl -i -X POST '${endpointUrl}'`), text);
        assert.ok(text.includes('Authorization: Bearer $TOKEN'), text);
      });
    });

    await step('Retrieve data: countdown, then the seed example arrives', async () => {
      await page.getByRole('button', { name: 'Retrieve data' }).click();
      const cd = page.locator('.countdown');
      await cd.waitFor();
      const t1 = await cd.textContent();
      assert.match(t1, /^0:(1\d|20)$/, 'countdown from 0:20 (capture_seconds): ' + t1);
      await page.waitForFunction((t) => document.querySelector('.countdown')
        && document.querySelector('.countdown').textContent !== t, t1, { timeout: 5000 });
      await snap('retrieve-data-waiting');
      // Issue 12: a request refused meanwhile shows at once, with what the
      // sender was told; the window keeps waiting.
      const bad = await http('POST', endpointUrl, SEED_BODY, { Authorization: 'Bearer not-a-jwt' });
      assert.equal(bad.status, 401, bad.text);
      await atBoth('retrieve-data-refused-request', async () => {
        await page.getByText('A request arrived and was refused:').waitFor();
        await page.locator('.capture-refused li', { hasText: /401 unauthorized: / }).waitFor();
        await cd.waitFor();
      });
      assert.ok((await page.locator('.capture-refused li').textContent()).includes(bad.json.message));
      await sendSeed(base, endpointUrl, secret, 'req-sample-1');
      await page.getByRole('cell', { name: 'body.customer_email', exact: true }).waitFor();
      for (const k of ['body.products[0].group_id', 'headers["X-Request-Id"]', 'method', 'time']) {
        await page.getByRole('cell', { name: k, exact: true }).waitFor();
      }
      await page.getByRole('cell', { name: 'example@example.com' }).first().waitFor();
      await snap('retrieve-data-flattened');
      // Issue 12: a click on a key copies {{ request.<key> }}.
      await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(base).origin });
      await atBoth('retrieve-data-copy-key', async () => {
        await page.evaluate(() => navigator.clipboard.writeText(''));
        await page.getByRole('button', { name: 'body.products[0].name', exact: true }).click();
        await page.locator('.toast', { hasText: 'Copied {{ request.body.products[0].name }}' }).last().waitFor();
        assert.equal(await page.evaluate(() => navigator.clipboard.readText()), '{{ request.body.products[0].name }}');
      });
      await page.getByRole('button', { name: 'Show raw JSON' }).click();
      const raw = page.getByLabel('Raw JSON of the received request', { exact: true });
      await raw.waitFor();
      const text = await raw.textContent();
      const env = JSON.parse(text);
      assert.equal(env.body.customer_email, 'example@example.com');
      assert.equal(env.headers['X-Request-Id'], 'req-sample-1');
      assert.equal(env.method, 'POST');
      await snap('retrieve-data-raw-json');
      await page.getByRole('button', { name: 'Copy raw JSON' }).click();
      await page.locator('.toast', { hasText: 'Raw JSON copied' }).waitFor();
      assert.equal(JSON.parse(await page.evaluate(() => navigator.clipboard.readText())).headers['X-Request-Id'], 'req-sample-1');
      await page.getByRole('button', { name: 'Show flattened table' }).click();
    });

    await step('Apply, then Save & publish', async () => {
      await page.getByRole('button', { name: 'Apply', exact: true }).click();
      await page.getByText(/Applied parameters \(\d+\)/).waitFor();
      // The next step is brought into view and focused.
      await page.waitForFunction(() => document.activeElement && document.activeElement.dataset.action === 'publish');
      const box = await page.getByRole('button', { name: 'Save & publish' }).boundingBox();
      assert.ok(box && box.y >= 0 && box.y + box.height <= 900, 'Save & publish is in view');
      await snap('applied');
      await page.getByRole('button', { name: 'Save & publish' }).click();
      await page.locator('.page-head .badge', { hasText: 'published' }).waitFor();
      await page.getByRole('button', { name: 'Unpublish' }).waitFor();
      await snap('published');
      await page.getByRole('navigation').getByRole('link', { name: 'Incoming', exact: true }).click();
      await page.getByRole('row', { name: /Shop cart.*published.*JWT/ }).waitFor();
      await snap('integrations-list');
    });

    await step('build the workflow with a live preview', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Workflows', exact: true }).click();
      await page.getByRole('link', { name: 'New workflow' }).click();
      await page.getByRole('heading', { name: 'New workflow' }).waitFor();
      await page.getByLabel('Workflow name', { exact: true }).fill('Cart to custom event');
      const trig = page.locator('section.node-card.trigger');
      await trig.getByLabel('Incoming integration', { exact: true }).selectOption({ index: 1 });
      await trig.getByRole('button', { name: 'Add condition' }).click();
      await trig.getByLabel('Parameter 1', { exact: true }).fill('body.type');
      await trig.getByLabel('Operator 1', { exact: true }).selectOption('eq');
      await trig.getByLabel('Value 1', { exact: true }).fill('email');
      const out = page.locator('section.node-card.outgoing');
      await out.getByLabel('Action name', { exact: true }).fill('goal.achieve');
      await out.getByLabel('Method', { exact: true }).selectOption('POST');
      // A broken template first: the server's error shows at the URL field.
      await out.getByLabel('URL', { exact: true }).fill(base + '/v4/events/{{ custom');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await out.locator('.field-error:visible', { hasText: /^nodes\.send: url: line 1/ }).waitFor();
      await snap('workflow-url-error');
      // Issue 12 item 1: a URL that runs would refuse warns at once, naming
      // the key that allows it; this server's own origin does not.
      await out.getByLabel('URL', { exact: true }).fill('http://127.0.0.1:1/hook');
      const warn = out.locator('.field-warn');
      await atBoth('workflow-url-refused-warning', async () => {
        await warn.filter({ hasText: /^Runs will be refused: 127\.0\.0\.1 is a loopback/ }).waitFor();
        assert.match(await warn.textContent(), /outgoing_allow_hosts = 127\.0\.0\.1/);
        assert.match(await warn.textContent(), /outgoing_allow_private = yes/);
      });
      await out.getByLabel('URL', { exact: true }).fill(base + '/v4/events/custom');
      await warn.waitFor({ state: 'hidden' });
      // Issue 12 item 2: both lists hold the applied parameters, and the
      // picker inserts {{ request.<key> }} where the cursor is.
      const applied = (await http('GET', `${base}/api/v1/integrations/${integrationId}`, undefined, admin))
        .json.parameters.map((x) => x.key);
      assert.ok(applied.includes('body.customer_email') && applied.length > 5, applied.join(' '));
      const listId = await trig.getByLabel('Parameter 1', { exact: true }).getAttribute('list');
      assert.deepEqual(await page.locator(`datalist[id="${listId}"] option`).evaluateAll((os) => os.map((o) => o.value)), applied);
      const picker = out.getByLabel('Parameter to insert', { exact: true });
      const bodyBox = out.getByLabel('Body', { exact: true });
      await atBoth('workflow-parameter-picker', async () => {
        const shown = await picker.evaluate((el) => [...el.options].map((o) => o.value).filter(Boolean));
        assert.deepEqual(shown, applied);
        assert.ok(!(await picker.innerHTML()).includes('[object'), 'no stringified elements');
        await bodyBox.fill('{"email": "", "n": 1}');
        await bodyBox.evaluate((el) => { el.focus(); el.setSelectionRange(11, 11); });
        await picker.selectOption('body.customer_email');
        await out.getByRole('button', { name: 'Insert', exact: true }).click();
        assert.equal(await bodyBox.inputValue(), '{"email": "{{ request.body.customer_email }}", "n": 1}');
      });
      // A click on a key of the sample data inserts it at the cursor too.
      await out.locator('details.sub', { hasText: 'Sample data' }).locator(':scope > summary').click();
      await atBoth('workflow-sample-data-insert', async () => {
        await bodyBox.fill('{"n": }');
        await bodyBox.evaluate((el) => { el.focus(); el.setSelectionRange(6, 6); });
        await out.getByRole('button', { name: 'body.order_number', exact: true }).click();
        assert.equal(await bodyBox.inputValue(), '{"n": {{ request.body.order_number }}}');
      });
      await bodyBox.fill(BODY_TEMPLATE);
      await out.getByLabel('Authorization type', { exact: true }).selectOption('api_key');
      await selectByText(out.getByLabel('API key', { exact: true }), 'Shop key');
      const body = out.getByLabel('Rendered body', { exact: true });
      await page.waitForFunction(() => {
        const el = document.querySelector('[aria-label="Rendered body"]');
        return el && el.textContent.includes('"group_id": "groupid"');
      });
      const rendered = JSON.parse(await body.textContent());
      assert.equal(rendered.client.email, 'example@example.com');
      assert.equal(rendered.params.name, 'Earwax');
      assert.equal(rendered.params.request_id, 'req-sample-1');
      assert.equal((await out.getByLabel('Rendered URL', { exact: true }).textContent()).trim(), base + '/v4/events/custom');
      await snap('workflow-editor-preview');
      await page.getByRole('button', { name: 'Save & publish' }).click();
      await page.locator('.page-head .badge', { hasText: 'published' }).waitFor();
      await page.getByRole('heading', { name: 'Cart to custom event' }).waitFor();
      await snap('workflow-published');
    });

    let workflowUrl;
    await step('unsaved edits ask before leaving the editor', async () => {
      workflowUrl = page.url();
      const nameBox = page.getByLabel('Workflow name', { exact: true });
      await nameBox.fill('Cart to custom event (edited)');
      dialogAnswer = 'dismiss';
      const before = dialogs.length;
      await page.getByRole('navigation').getByRole('link', { name: 'Runs', exact: true }).click();
      await waitDialog(before);
      assert.equal(dialogs.length, before + 1, 'one question');
      assert.match(dialogs[before].message, /unsaved changes/);
      assert.equal(page.url(), workflowUrl, 'still at the editor');
      await atBoth('workflow-unsaved-stays', async () => {
        assert.equal(await nameBox.inputValue(), 'Cart to custom event (edited)');
        await page.getByRole('heading', { name: 'Cart to custom event', level: 1 }).waitFor();
      });
      dialogAnswer = 'accept';
      await page.getByRole('navigation').getByRole('link', { name: 'Runs', exact: true }).click();
      await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
      assert.match(dialogs[dialogs.length - 1].message, /unsaved changes/);
      // Saved edits leave without a question.
      await page.goto(workflowUrl);
      await page.getByRole('heading', { name: 'Cart to custom event', level: 1 }).waitFor();
      assert.equal(await nameBox.inputValue(), 'Cart to custom event', 'the edit was not saved');
      const n = dialogs.length;
      await page.getByRole('navigation').getByRole('link', { name: 'Workflows', exact: true }).click();
      await page.getByRole('heading', { name: 'Workflows', level: 1 }).waitFor();
      assert.equal(dialogs.length, n, 'no question without edits');
    });

    await step('send an event and see the run succeed', async () => {
      await sendSeed(base, endpointUrl, secret, 'req-live-2');
      await page.getByRole('navigation').getByRole('link', { name: 'Runs', exact: true }).click();
      await page.getByRole('heading', { name: 'Runs' }).waitFor();
      const deadline = Date.now() + 30000;
      const ok = page.locator('details.run', { has: page.locator('.badge', { hasText: 'succeeded' }) });
      while (await ok.count() === 0) {
        if (Date.now() > deadline) throw new Error('no succeeded run within 30 s');
        await page.waitForTimeout(1000);
        await page.getByRole('button', { name: 'Refresh' }).click();
      }
      await ok.first().locator(':scope > summary').click();
      await ok.first().getByRole('cell', { name: '202', exact: true }).waitFor();
      assert.match(await ok.first().textContent(), /goal\.achieve/);
      // What tells runs apart, and the links from a run.
      assert.equal(await ok.first().locator('summary .run-key').textContent(), 'example@example.com');
      await ok.first().getByRole('link', { name: 'workflow Cart to custom event' }).waitFor();
      await ok.first().getByRole('link', { name: 'all runs of its event' }).waitFor();
      await ok.first().getByRole('link', { name: 'profile example@example.com' }).waitFor();
      await snap('run-succeeded');
      // Issue 12: the request and the response as people read them: JSON
      // bodies indented, the response's headers listed.
      await ok.first().locator('details.sub > summary', { hasText: 'Requests and responses' }).click();
      await atBoth('run-detail', async () => {
        const reqBody = ok.first().getByLabel('Request body', { exact: true });
        await reqBody.waitFor();
        const text = await reqBody.textContent();
        assert.match(text, /^\{\n {2}"action": "goal\.achieve",\n/, text);
        assert.equal(JSON.parse(text).client.email, 'example@example.com');
        await ok.first().getByText('HTTP 202', { exact: true }).waitFor();
        const rh = await ok.first().getByLabel('Response headers', { exact: true }).textContent();
        assert.match(rh, /Content-Type/i);
        const resBody = JSON.parse(await ok.first().getByLabel('Response body', { exact: true }).textContent());
        assert.equal(resBody.status, 202);
      });
    });

    await step('a succeeded run is replayed as a new run, never retried', async () => {
      const ok = page.locator('details.run', { has: page.locator('.badge', { hasText: 'succeeded' }) }).first();
      assert.equal(await ok.getByRole('button', { name: /^Retry/ }).count(), 0, 'no Retry on a succeeded run');
      const runId = await ok.getAttribute('data-id');
      await atBoth('run-succeeded-actions', async () => {
        await ok.getByRole('button', { name: /^Replay run .* as a new run$/ }).waitFor();
      });
      await ok.getByRole('button', { name: /^Replay run .* as a new run$/ }).click();
      await page.locator('.toast', { hasText: 'New run queued' }).waitFor();
      const deadline = Date.now() + 30000;
      const done = page.locator('details.run', { has: page.locator('.badge', { hasText: 'succeeded' }) });
      while (await done.count() < 2) {
        if (Date.now() > deadline) throw new Error('the replayed run did not succeed within 30 s');
        await page.waitForTimeout(500);
        await page.getByRole('button', { name: 'Refresh' }).click();
      }
      const first = await http('GET', `${base}/api/v1/runs/${runId}`, undefined, admin);
      assert.equal(first.json.state, 'succeeded', 'the replayed run is left as it was');
      await snap('run-replayed');
    });

    await step('look up the profile and see the goal.achieve event', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Profiles', exact: true }).click();
      await page.getByLabel('Value', { exact: true }).fill('example@example.com');
      await page.getByRole('button', { name: 'Look up' }).click();
      // Two: the live event's run and its replay (same request id).
      const row = page.getByRole('row', { name: /goal\.achieve/ }).first();
      await row.waitFor();
      assert.equal(await page.getByRole('row', { name: /goal\.achieve/ }).count(), 2);
      const t = await row.textContent();
      assert.match(t, /groupid/);
      assert.match(t, /req-live-2/);
      // One time format: the event's ISO time shown as every other time.
      const shown = await row.locator('time').textContent();
      const iso = await row.locator('time').getAttribute('datetime');
      assert.doesNotMatch(shown, /\d{4}-\d\d-\d\dT/);
      assert.equal(shown, await page.evaluate((v) => new Date(Date.parse(v)).toLocaleString(undefined,
        { dateStyle: 'medium', timeStyle: 'medium' }), iso));
      await atBoth('profile', async () => { await row.waitFor(); });
    });

    await step('recent profiles: newest first, older on demand, a row opens its profile', async () => {
      // 26 more profiles, so the list (25 a page) has a second page.
      const tok = await http('POST', base + '/auth/token', { apiKey: secret });
      assert.equal(tok.status, 200, 'POST /auth/token: ' + tok.text);
      for (let i = 0; i < 26; i++) {
        const r = await http('POST', base + '/v4/events/custom',
          { action: 'list.fill', client: { email: `list-${i}@example.com` }, params: { i } },
          { Authorization: 'Bearer ' + tok.json.token });
        assert.equal(r.status, 202, 'POST /v4/events/custom: ' + r.text);
      }
      const total = (await http('GET', `${base}/api/v1/profiles?limit=500`, undefined, admin)).json.items.length;
      assert.ok(total >= 27, `${total} profiles listed by the API`);
      await page.goto(`${base}/ui/#/dashboard`);
      await page.getByRole('navigation').getByRole('link', { name: 'Profiles', exact: true }).click();
      const list = page.getByRole('table', { name: 'Recent profiles' });
      const rows = list.locator('tbody tr');
      const older = page.getByRole('button', { name: 'Show older profiles' });
      await atBoth('profiles-recent', async () => {
        await older.waitFor();
        assert.equal(await rows.count(), 25);
      });
      // The lookup is still there, empty.
      assert.equal(await page.getByLabel('Value', { exact: true }).inputValue(), '');
      await older.click();
      await older.waitFor({ state: 'hidden' });
      assert.equal(await rows.count(), total);
      for (let i = 0; i < 26; i++) {
        assert.equal(await list.getByRole('link', { name: `Open profile list-${i}@example.com`, exact: true }).count(), 1,
          `list-${i}@example.com is listed once`);
      }
      // The oldest of them is on the second page; a click on its row (not
      // the link) opens it.
      const row = rows.filter({ has: page.getByRole('link', { name: 'Open profile example@example.com', exact: true }) });
      await row.locator('td').last().click();
      const card = page.locator('section.card.profile');
      await card.getByRole('row', { name: /goal\.achieve/ }).first().waitFor();
      assert.match(await card.textContent(), /example@example\.com/);
      assert.equal(await page.getByLabel('Value', { exact: true }).inputValue(), 'example@example.com');
      assert.match(page.url(), /#\/profiles\?email=example%40example\.com$/);
      await list.getByRole('link', { name: 'Open profile list-7@example.com', exact: true }).click();
      await card.getByRole('row', { name: /list\.fill/ }).waitFor();
      await atBoth('profile-from-list', async () => {
        await card.getByRole('row', { name: /list\.fill/ }).waitFor();
        assert.equal(await card.getByRole('row', { name: /goal\.achieve/ }).count(), 0);
      });
    });

    await step('events of the integration: flattened and raw', async () => {
      await page.goto(`${base}/ui/#/integrations/${integrationId}`);
      const ev = page.locator('details.event');
      await ev.first().waitFor();
      assert.ok(await ev.count() >= 1, 'the live event is listed');
      await ev.first().locator(':scope > summary').click();
      await ev.first().getByRole('cell', { name: 'body.order_number', exact: true }).waitFor();
      await ev.first().getByRole('button', { name: 'Raw JSON' }).click();
      const raw = JSON.parse(await ev.first().locator('pre.json').textContent());
      assert.equal(raw.order_number, '111111111');
      await ev.first().scrollIntoViewIfNeeded();
      await snap('integration-events-raw');
    });

    await step('replaying an event counts the runs it created', async () => {
      const ev = page.locator('details.event').first();
      const id = (await ev.locator('code.id').textContent()).trim();
      const before = (await http('GET', `${base}/api/v1/events/${id}`, undefined, admin)).json.runs.length;
      assert.ok(before >= 1);
      await ev.getByRole('button', { name: 'Replay' }).click();
      await page.locator('.toast', { hasText: /^Replayed: 1 new run for this event$/ }).first().waitFor();
      await atBoth('event-replayed', async () => { await ev.getByRole('button', { name: 'Replay' }).waitFor(); });
      const after = (await http('GET', `${base}/api/v1/events/${id}`, undefined, admin)).json.runs.length;
      assert.equal(after, before + 1);
    });

    await step('a large event: the excerpt, then the whole event', async () => {
      const sent = await sendBody(base, endpointUrl, secret, BIG_BODY);
      await page.reload();
      const ev = page.locator('details.event', { hasText: sent.eventId });
      await ev.waitFor();
      await ev.locator(':scope > summary').click();
      await ev.getByText(/^The first 20 of \d+ parameters\.$/).waitFor();
      assert.equal(await ev.locator('table.flat tbody tr').count(), 20);
      await ev.getByRole('button', { name: 'Raw JSON' }).click();
      const start = ev.getByLabel('Start of the raw body', { exact: true });
      assert.match(await start.textContent(), /^\{"type":"bulk","items":\[\{"n":0\}/);
      await ev.getByText(/^The first 2048 of \d+ bytes\.$/).waitFor();
      await snap('integration-event-excerpt');
      await ev.getByRole('button', { name: 'Whole event' }).click();
      const whole = ev.getByLabel('Raw body of the event', { exact: true });
      await whole.waitFor();
      assert.equal(JSON.parse(await whole.textContent()).items.length, 300);
      assert.equal(await ev.getByRole('button', { name: 'Whole event' }).count(), 0);
      await ev.getByRole('button', { name: 'Flattened' }).click();
      await ev.getByRole('cell', { name: 'body.items[299].n', exact: true }).waitFor();
      assert.equal(await ev.getByText(/^The first \d+ of/).count(), 0);
    });

    await step('applied parameters stay in view after a capture times out', async () => {
      // An integration of its own (reopening Retrieve data drops an earlier
      // sample, which the editor's preview of the main one still uses).
      const src = await http('POST', base + '/api/v1/integrations', { name: 'Expiring source', auth: 'none' }, admin);
      assert.equal(src.status, 201, src.text);
      await http('POST', `${base}/api/v1/integrations/${src.json.id}/capture`, undefined, admin);
      assert.equal((await http('POST', src.json.endpointUrl, { order: { id: 7 } })).status, 202);
      assert.equal((await http('POST', `${base}/api/v1/integrations/${src.json.id}/apply`, undefined, admin)).status, 200);
      await page.goto(`${base}/ui/#/integrations/${src.json.id}`);
      await page.getByText(/^Applied parameters \(\d+\)$/).waitFor();
      await page.getByRole('button', { name: 'Retrieve data' }).click();
      await page.locator('.countdown').waitFor();
      // capture_seconds is 20 here: the window expires with nothing sent.
      await page.getByText('No request arrived in time. Retrieve data again to wait once more.').waitFor({ timeout: 30000 });
      await atBoth('capture-expired-applied-stays', async () => {
        await page.getByText(/^Applied parameters \(\d+\)$/).waitFor();
        await page.getByText('No request arrived in time.', { exact: false }).waitFor();
      });
      await page.goto(`${base}/ui/#/integrations/${integrationId}`);
      await page.getByRole('heading', { name: 'Shop cart', level: 1 }).waitFor();
    });

    await step('change settings of the integration', async () => {
      await page.getByText('Settings', { exact: true }).click();
      const dedup = page.getByLabel('Deduplication parameters', { exact: true });
      await dedup.fill('body.order_number, body.nope, a, b, c, d');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.locator('.field-error:visible', { hasText: /^dedupParams:/ }).waitFor();
      await dedup.fill('body.order_number');
      await page.getByLabel('Rate limit (requests per second, 0 for none)', { exact: true }).fill('50');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.locator('.toast', { hasText: 'Settings saved' }).waitFor();
      const it = await page.evaluate(async (id) => (await fetch(`../api/v1/integrations/${id}`)).json(), integrationId);
      assert.deepEqual(it.dedupParams, ['body.order_number']);
      assert.equal(it.rateLimitPerSecond, 50);
      assert.equal(it.auth, 'jwt');
    });

    await step('an integration without authentication, with an uploaded icon', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Incoming', exact: true }).click();
      await page.getByRole('button', { name: 'New integration' }).click();
      const dlg = page.getByRole('dialog', { name: 'New integration' });
      await dlg.getByLabel('Name', { exact: true }).fill('Newsletter form');
      await dlg.getByLabel('Without authentication', { exact: true }).check();
      // A 1x1 PNG.
      const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
      await dlg.getByLabel('Or upload a PNG or JPEG image').setInputFiles({ name: 'icon.png', mimeType: 'image/png', buffer: png });
      await dlg.getByLabel('Uploaded image', { exact: true }).waitFor({ state: 'attached' });
      assert.ok(await dlg.getByLabel('Uploaded image', { exact: true }).isChecked());
      await dlg.getByRole('button', { name: 'Apply' }).click();
      await page.getByRole('heading', { name: 'Newsletter form', level: 1 }).waitFor();
      assert.match(await page.locator('.page-head img.integration-icon').getAttribute('src'), /^data:image\/png;base64,/);
      await page.getByText('Anyone with this URL can send requests.').waitFor();
      await page.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('heading', { name: 'Incoming integrations' }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Newsletter form' }).count(), 0, 'deleted integrations are not listed');
    });

    await step('credentials show as set and are kept unless replaced', async () => {
      // Issue 11 item 5: the API reads a token back as tokenSet and a
      // credential header as {"set": true}; the editor shows "(unchanged)"
      // and sends those markers back, so the server keeps the stored values.
      const admin = { Authorization: 'Bearer ' + srv.token };
      const doc = { name: 'Write-only secrets', nodes: [
        { id: 'trigger', type: 'business_event', integrationId, filter: { all: [] } },
        { id: 'send', type: 'outgoing_integration', action: 'secret.send', method: 'POST',
          url: base + '/v4/events/custom', body: '{}',
          headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ui-SECRET-header' },
          auth: { type: 'bearer', token: 'ui-SECRET-token' } },
        { id: 'end', type: 'end' }], edges: [['trigger', 'send'], ['send', 'end']] };
      const made = await http('POST', base + '/api/v1/workflows', doc, admin);
      assert.equal(made.status, 201, made.text);
      await page.goto(`${base}/ui/#/workflows/${made.json.id}`);
      await page.getByRole('heading', { name: 'Write-only secrets' }).waitFor();
      const out = page.locator('section.node-card.outgoing');
      const tok = out.getByLabel('Token', { exact: true });
      assert.equal(await tok.inputValue(), '');
      assert.equal(await tok.getAttribute('placeholder'), '(unchanged)');
      const hval = out.locator('li.header-row').nth(1).getByLabel('Value', { exact: true });
      assert.equal(await out.locator('li.header-row').nth(1).getByLabel('Name', { exact: true }).inputValue(), 'Authorization');
      assert.equal(await hval.inputValue(), '');
      assert.equal(await hval.getAttribute('placeholder'), '(unchanged)');
      assert.ok(!(await page.content()).includes('ui-SECRET'), 'no secret in the page');
      await snap('workflow-secrets-set');
      const put = async () => {
        const resp = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().includes(made.json.id));
        await page.getByRole('button', { name: 'Save', exact: true }).click();
        const r = await resp;
        assert.equal(r.status(), 200, await r.text());
        return JSON.parse(r.request().postData()).nodes.find((n) => n.id === 'send');
      };
      let sent = await put();
      assert.deepEqual(sent.auth, { type: 'bearer', tokenSet: true });
      assert.deepEqual(sent.headers.Authorization, { set: true });
      await tok.fill('ui-new-token');
      sent = await put();
      assert.deepEqual(sent.auth, { type: 'bearer', token: 'ui-new-token' });
      assert.deepEqual(sent.headers.Authorization, { set: true });
      const back = await http('GET', `${base}/api/v1/workflows/${made.json.id}`, undefined, admin);
      const node = back.json.nodes.find((n) => n.id === 'send');
      assert.deepEqual(node.auth, { type: 'bearer', tokenSet: true });
      assert.deepEqual(node.headers.Authorization, { set: true });
      assert.ok(!back.text.includes('ui-new-token') && !back.text.includes('ui-SECRET'));
      assert.equal((await http('DELETE', `${base}/api/v1/workflows/${made.json.id}`, undefined, admin)).status, 204);
    });

    await step('key screens at 390 px', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      const routes = [['integrations', '#/integrations'], ['integration', `#/integrations/${integrationId}`],
        ['workflows', '#/workflows'], ['runs', '#/runs'], ['apikeys', '#/apikeys'], ['profiles', '#/profiles']];
      for (const [name, hash] of routes) {
        await page.goto(`${base}/ui/${hash}`);
        await page.locator('main h1').waitFor();
        await page.waitForLoadState('networkidle');
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `${name}: the page scrolls sideways by ${overflow}px at 390 px`);
        await snap('mobile-' + name);
      }
      await page.getByRole('navigation').getByRole('link', { name: 'Workflows', exact: true }).click();
      await page.getByRole('link', { name: 'Cart to custom event', exact: true }).click();
      await page.locator('[aria-label="Rendered body"]').filter({ hasText: 'groupid' }).waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `workflow editor scrolls sideways by ${overflow}px at 390 px`);
      await snap('mobile-workflow-editor');
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    await step('Retry for a failed run; none for a run whose workflow was deleted', async () => {
      // A source without authentication and a workflow whose target runs
      // refuse (another loopback port): its run fails at once.
      const src = await http('POST', base + '/api/v1/integrations', { name: 'Failing source', auth: 'none' }, admin);
      assert.equal(src.status, 201, src.text);
      await http('POST', `${base}/api/v1/integrations/${src.json.id}/publish`, undefined, admin);
      const doc = { name: 'Refused target', nodes: [
        { id: 'trigger', type: 'business_event', integrationId: src.json.id, filter: { all: [] } },
        { id: 'send', type: 'outgoing_integration', action: 'refused.send', method: 'POST',
          url: 'http://127.0.0.1:1/refused', body: '{}', headers: { 'Content-Type': 'application/json' } },
        { id: 'end', type: 'end' }], edges: [['trigger', 'send'], ['send', 'end']] };
      const wf = await http('POST', base + '/api/v1/workflows', doc, admin);
      assert.equal(wf.status, 201, wf.text);
      assert.equal(wf.json.warnings.length, 1, 'the API warns as well');
      await http('POST', `${base}/api/v1/workflows/${wf.json.id}/publish`, undefined, admin);
      const sent = await http('POST', src.json.endpointUrl, { n: 1 });
      assert.equal(sent.status, 202, sent.text);
      await page.goto(`${base}/ui/#/runs?workflowId=${wf.json.id}`);
      const failed = page.locator('details.run', { has: page.locator('.badge', { hasText: 'failed' }) }).first();
      const deadline = Date.now() + 30000;
      while (await failed.count() === 0) {
        if (Date.now() > deadline) throw new Error('no failed run within 30 s');
        await page.waitForTimeout(500);
        await page.getByRole('button', { name: 'Refresh' }).click();
      }
      const runId = await failed.getAttribute('data-id');
      await failed.locator(':scope > summary').click();
      await atBoth('run-failed-retry', async () => {
        await failed.getByRole('button', { name: /^Retry run / }).waitFor();
        await failed.getByRole('button', { name: /^Replay run / }).waitFor();
        assert.match(await failed.textContent(), /refused/);
      });
      // Delete the workflow from its list (the confirmation names it).
      await page.getByRole('navigation').getByRole('link', { name: 'Workflows', exact: true }).click();
      const n = dialogs.length;
      await page.getByRole('button', { name: 'Delete Refused target' }).click();
      await waitDialog(n);
      assert.match(dialogs[n].message, /Refused target/);
      await page.getByRole('link', { name: 'Refused target', exact: true }).waitFor({ state: 'detached' });
      await page.locator('.toast', { hasText: 'Workflow “Refused target” deleted' }).waitFor();
      await page.goto(`${base}/ui/#/runs`);
      const orphanRun = page.locator(`details.run[data-id="${runId}"]`);
      await orphanRun.locator(':scope > summary').click();
      await page.getByLabel('Search these runs', { exact: true }).fill('refused.send');
      await page.getByText(/^1 of \d+ shown$/).waitFor();
      assert.match(await orphanRun.locator(':scope > summary').textContent(), /a deleted workflow/);
      await atBoth('run-of-deleted-workflow', async () => {
        await orphanRun.getByText('Its workflow was deleted: this run cannot be retried or replayed.').waitFor();
        assert.equal(await orphanRun.getByRole('button', { name: /^(Retry|Replay) run / }).count(), 0);
      });
      const r = await http('POST', `${base}/api/v1/runs/${runId}/retry`, undefined, admin);
      assert.equal(r.status, 409, r.text);
      assert.equal((await http('GET', `${base}/api/v1/runs/${runId}`, undefined, admin)).json.state, 'failed');
    });

    await step('revoking a key and deleting an integration name what uses them', async () => {
      const key = await http('POST', base + '/api/v1/apikeys', { name: 'Doomed key', permissions: ['incoming:execute', 'events:write'] }, admin);
      const integ = await http('POST', base + '/api/v1/integrations', { name: 'Doomed source', auth: 'jwt', apiKeyId: key.json.id }, admin);
      await http('POST', `${base}/api/v1/integrations/${integ.json.id}/publish`, undefined, admin);
      const doc = { name: 'Doomed workflow', nodes: [
        { id: 'trigger', type: 'business_event', integrationId: integ.json.id, filter: { all: [] } },
        { id: 'send', type: 'outgoing_integration', action: 'doomed.send', method: 'POST',
          url: base + '/v4/events/custom', body: '{}', headers: { 'Content-Type': 'application/json' },
          auth: { type: 'api_key', apiKeyId: key.json.id } },
        { id: 'end', type: 'end' }], edges: [['trigger', 'send'], ['send', 'end']] };
      const wf = await http('POST', base + '/api/v1/workflows', doc, admin);
      assert.equal(wf.status, 201, wf.text);
      assert.deepEqual(wf.json.warnings, [], 'this server\'s own origin is allowed');
      await http('POST', `${base}/api/v1/workflows/${wf.json.id}/publish`, undefined, admin);

      await page.getByRole('navigation').getByRole('link', { name: 'API keys', exact: true }).click();
      let n = dialogs.length;
      dialogAnswer = 'dismiss';
      await page.getByRole('button', { name: 'Revoke Doomed key' }).click();
      await waitDialog(n);
      assert.match(dialogs[n].message, /integration Doomed source/);
      assert.match(dialogs[n].message, /workflow Doomed workflow/);
      dialogAnswer = 'accept';
      n = dialogs.length;
      await page.getByRole('button', { name: 'Revoke Doomed key' }).click();
      await waitDialog(n);
      await page.getByRole('row', { name: /Doomed key.*revoked/ }).waitFor();

      await page.getByRole('navigation').getByRole('link', { name: 'Workflows', exact: true }).click();
      const row = page.getByRole('row', { name: /Doomed workflow/ });
      await atBoth('workflows-orphaned', async () => {
        await row.locator('.badge-orphaned').waitFor();
      });
      // Search in the list.
      await page.getByLabel('Search workflows', { exact: true }).fill('doomed ORPHANED');
      await atBoth('workflows-search', async () => {
        await row.waitFor();
        assert.equal(await page.locator('table.list tbody tr:visible').count(), 1);
        await page.getByText(/^1 of \d+ shown$/).waitFor();
      });
      await page.getByLabel('Search workflows', { exact: true }).fill('');
      assert.ok(await page.locator('table.list tbody tr:visible').count() > 1);
      await page.getByRole('navigation').getByRole('link', { name: 'Incoming', exact: true }).click();
      await page.getByLabel('Search integrations', { exact: true }).fill('shop');
      await atBoth('integrations-search', async () => {
        await page.getByRole('link', { name: 'Shop cart' }).waitFor();
        assert.equal(await page.getByRole('link', { name: 'Doomed source' }).isVisible(), false);
      });
      await page.getByRole('navigation').getByRole('link', { name: 'Workflows', exact: true }).click();
      await row.getByRole('link', { name: 'Doomed workflow', exact: true }).click();
      const banner = page.locator('.orphan-box');
      await banner.getByText(/the API key "Doomed key" was revoked/).waitFor();
      await page.getByRole('button', { name: 'Unpublish' }).click();
      await page.getByRole('button', { name: 'Save & publish' }).waitFor();
      await page.getByRole('button', { name: 'Save & publish' }).click();
      const err = page.locator('.form-error:visible', { hasText: /orphaned and cannot be published/ });
      await atBoth('workflow-orphaned-publish-refused', async () => {
        await err.first().waitFor();
        await banner.getByText(/was revoked/).waitFor();
      });

      await page.goto(`${base}/ui/#/integrations/${integ.json.id}`);
      await page.getByRole('heading', { name: 'Doomed source', level: 1 }).waitFor();
      n = dialogs.length;
      await page.getByRole('button', { name: 'Delete' }).click();
      await waitDialog(n);
      assert.match(dialogs[n].message, /Doomed workflow \(unpublished\)/);
      assert.match(dialogs[n].message, /orphaned/);
      await page.getByRole('heading', { name: 'Incoming integrations' }).waitFor();
      await page.locator('.toast', { hasText: 'Integration deleted; 1 workflow(s) orphaned' }).waitFor();
      await page.goto(`${base}/ui/#/workflows/${wf.json.id}`);
      await atBoth('workflow-orphaned-integration-deleted', async () => {
        await banner.getByText(/the integration "Doomed source" was deleted/).waitFor();
      });
    });

    await step('the dashboard: events and runs per hour, failing integrations first', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Dashboard', exact: true }).click();
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
      const cards = page.locator('article.dash-card');
      await atBoth('dashboard', async () => {
        await cards.first().waitFor();
        const names = await cards.locator('h2').allTextContents();
        assert.equal(names[0], 'Failing source', names.join(', '));
        assert.ok(names.includes('Shop cart') && !names.includes('Doomed source'), names.join(', '));
        assert.match(await cards.first().locator('.dash-figures').textContent(), /1 failed/);
        const shop = cards.filter({ has: page.getByRole('heading', { name: 'Shop cart' }) });
        const figs = await shop.locator('.dash-figures').textContent();
        const d = (await http('GET', base + '/api/v1/dashboard', undefined, admin)).json;
        const it = d.integrations.find((x) => x.name === 'Shop cart');
        assert.ok(Number(it.totals.events) >= 2 && Number(it.totals.succeeded) >= 2, JSON.stringify(it.totals));
        assert.ok(figs.includes(`${it.totals.events} events`) || figs.includes(`${it.totals.events} event`), figs);
        assert.equal(await shop.getByRole('img', { name: /^Events per hour of Shop cart/ }).count(), 1);
        assert.ok(await shop.locator('svg.chart rect.bar-events').count() >= 1, 'a bar for this hour');
        assert.ok(await shop.locator('svg.chart rect.bar-succeeded').count() >= 1);
      });
    });

    await step('Test with the sample sends the node and shows the answer, storing nothing', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Workflows', exact: true }).click();
      await page.getByRole('link', { name: 'Cart to custom event', exact: true }).click();
      await page.locator('[aria-label="Rendered body"]').filter({ hasText: 'groupid' }).waitFor();
      const out = page.locator('section.node-card.outgoing');
      const stored = async () => {
        const runs = await http('GET', `${base}/api/v1/runs?limit=500`, undefined, admin);
        const evs = await http('GET', `${base}/api/v1/integrations/${integrationId}/events?limit=500`, undefined, admin);
        return [runs.json.items.length, evs.json.items.map((e) => e.eventId).join(',')];
      };
      const before = await stored();
      // The request is held on its way, so that the busy state can be seen.
      let release;
      const held = new Promise((r) => { release = r; });
      await page.route('**/api/v1/workflows/test-node', async (route) => { await held; await route.continue(); });
      const testBtn = out.getByRole('button', { name: 'Test with the sample', exact: true });
      await testBtn.click();
      await out.locator('button[data-action="test-node"][aria-busy="true"]').waitFor();
      assert.ok(await testBtn.isDisabled(), 'the button is disabled while sending');
      await out.getByText('Sending…').waitFor();
      release();
      const result = out.getByLabel('Test result of send', { exact: true });
      await result.getByText('HTTP 202', { exact: true }).first().waitFor();
      await page.unroute('**/api/v1/workflows/test-node');
      assert.ok(!(await testBtn.isDisabled()), 'the button is back');
      await atBoth('workflow-test-with-sample', async () => {
        await result.getByText('HTTP 202', { exact: true }).first().waitFor();
        assert.match(await result.locator('.test-outcome').textContent(), /sent with the captured sample/);
        assert.doesNotMatch(await result.textContent(), /null|undefined|\[object/);
        // The request as sent, its credential redacted as in runs.
        const rh = await result.getByLabel('Request headers', { exact: true }).textContent();
        assert.match(rh, /Authorization\[redacted\]/, rh);
        assert.doesNotMatch(rh, /Bearer/);
        const reqBody = await result.getByLabel('Request body', { exact: true }).textContent();
        assert.match(reqBody, /^\{\n {2}"action": "goal\.achieve",\n/, reqBody);
        assert.equal(JSON.parse(reqBody).params.request_id, 'req-sample-1');
        assert.match(await result.locator('.wrap code').first().textContent(), /^POST http.*\/v4\/events\/custom$/);
        // The target's answer, its JSON body indented.
        const resText = await result.getByLabel('Response body', { exact: true }).textContent();
        assert.match(resText, /^\{\n {2}"/, resText);
        const res = JSON.parse(resText);
        assert.equal(res.status, 202);
        assert.ok(res.profileId, resText);
        assert.match(await result.getByLabel('Response headers', { exact: true }).textContent(), /Content-Type/i);
      });
      // A URL runs would refuse: the panel shows why, nothing is sent.
      const urlBox = out.getByLabel('URL', { exact: true });
      const url = await urlBox.inputValue();
      await urlBox.fill('http://127.0.0.1:1/hook');
      await testBtn.click();
      await result.locator('.form-error', { hasText: /^refused: the URL resolves to a loopback/ }).waitFor();
      // Said once, above the attempt (whose response part says no response).
      assert.equal(await result.getByText(/refused: the URL resolves to a loopback/).count(), 1);
      await result.getByLabel('Response of send', { exact: true }).getByText('No response.').waitFor();
      await atBoth('workflow-test-refused', async () => {
        await result.getByText('Not answered').waitFor();
      });
      await urlBox.fill(url);
      assert.deepEqual(await stored(), before, 'a test stored no run and no event');
    });

    await step('two tabs share the session; a stale one signs in again', async () => {
      await page.goto(`${base}/ui/#/apikeys`);
      await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
      const tab2 = await ctx.newPage();
      watch(tab2);
      await tab2.goto(`${base}/ui/#/integrations`);
      await tab2.getByRole('heading', { name: 'Incoming integrations' }).waitFor(); // already signed in
      const signInAgain = async (pg) => {
        await pg.getByRole('button', { name: 'Sign out' }).click();
        await pg.getByRole('heading', { name: 'Sign in' }).waitFor();
        await pg.getByLabel('Admin token', { exact: true }).fill(srv.token);
        await pg.getByRole('button', { name: 'Sign in' }).click();
        await pg.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
      };
      // A new sign-in in the second tab: the first goes on working.
      await signInAgain(tab2);
      await page.getByLabel('Name', { exact: true }).fill('Made in the first tab');
      await page.getByRole('button', { name: 'Create API key' }).click();
      await page.getByRole('textbox', { name: 'Secret', exact: true }).waitFor();
      await page.getByRole('row', { name: /Made in the first tab/ }).waitFor();
      await atBoth('two-tabs-first-tab-works', async () => {
        await page.getByRole('row', { name: /Made in the first tab/ }).waitFor();
      });
      await page.getByRole('button', { name: 'I have stored the secret' }).click();
      // Another sign-in there, and this time the session cannot be read
      // again (as when it ends in the meantime): the first tab is sent to
      // sign in, saying why.
      await signInAgain(tab2);
      await page.route('**/api/v1/session', (route) => (route.request().method() === 'GET'
        ? route.fulfill({ status: 401, contentType: 'application/json',
          body: JSON.stringify({ status: 401, error: 'unauthorized', message: 'the session has ended; sign in again' }) })
        : route.continue()));
      await page.getByLabel('Name', { exact: true }).fill('Never made');
      await page.getByRole('button', { name: 'Create API key' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.unroute('**/api/v1/session');
      await atBoth('two-tabs-stale-sign-in', async () => {
        await page.getByText('Your session changed in another tab or has ended. Sign in again.').waitFor();
      });
      const keys = await http('GET', base + '/api/v1/apikeys', undefined, admin);
      assert.ok(!keys.text.includes('Never made'));
      await page.getByLabel('Admin token', { exact: true }).fill(srv.token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
      await tab2.close();
    });

    await step('sign out ends the session', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      const st = await page.evaluate(async () => (await fetch('../api/v1/integrations')).status);
      assert.equal(st, 401);
    });

    assert.deepEqual(problems, [], 'no page errors or console errors');
    log('PASS');
  } finally {
    if (ctx) await ctx.close().catch(() => {});
    rmSync(profileDir, { recursive: true, force: true });
    srv.proc.stdin.end();
    await new Promise((r) => { srv.proc.once('exit', r); setTimeout(r, 15000); });
  }
}

main().then(() => process.exit(0), (e) => {
  console.error('[ui-test] FAIL:', e.message);
  process.exit(1);
});
