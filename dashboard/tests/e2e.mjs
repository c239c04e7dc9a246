// The dashboard in a real browser (Debian's chromium, driven by
// playwright-core) against a real `picloud serve`: sign in, create a script
// in the editor, see an inline compile error, fix it, run it in the test
// runner, add a route, call it over HTTP, watch its log line arrive in the
// live tail, roll back a version.
//
//   PICLOUD_BIN=target/debug/picloud node tests/e2e.mjs
//
// PICLOUD_GUEST_CACHE: a compiled-guest cache to reuse (saves a compile).
// PICLOUD_SCREENSHOTS: a directory to save screenshots of the main screens.

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const TOKEN = 'pic_dashboard_e2e_' + '0'.repeat(46);
const bin = process.env.PICLOUD_BIN;
if (!bin) throw new Error('set PICLOUD_BIN to the picloud binary');
const shots = process.env.PICLOUD_SCREENSHOTS;
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'picloud-dashboard-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  if (process.env.PICLOUD_GUEST_CACHE) symlinkSync(process.env.PICLOUD_GUEST_CACHE, join(data, 'cache'));
  const port = await freePort();
  const env = { ...process.env, PICLOUD_ADMIN_TOKEN: TOKEN };
  delete env.PICLOUD_DATABASE_URL;
  const child = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', data], {
    env,
    stdio: ['ignore', 'ignore', 'inherit']
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { child, base };
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('picloud serve did not start');
}

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

async function shot(page, name) {
  if (shots) await page.screenshot({ path: join(shots, `${name}.png`) });
}

/** Replaces the editor's text by typing, as a user would. */
async function typeSource(page, source) {
  await page.locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(source);
}

const { child, base } = await startServer();
const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync']
});
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.on('pageerror', (error) => console.error('page error:', error.message));
  page.setDefaultTimeout(15_000);

  // Sign in.
  await page.goto(`${base}/admin`);
  await page.waitForURL(/\/admin\/login$/);
  await page.fill('#token', 'pic_wrong');
  await page.click('button[type=submit]');
  await page.getByRole('alert').getByText('not valid').waitFor();
  await page.fill('#token', TOKEN);
  await shot(page, 'sign-in');
  await page.click('button[type=submit]');
  await page.getByRole('heading', { name: 'Scripts' }).waitFor();
  // The token is in an HttpOnly cookie: page scripts cannot read it.
  check((await page.evaluate(() => document.cookie)) === '', 'the session cookie is HttpOnly');
  await page.getByText('Deploy hello world').waitFor();
  await shot(page, 'first-run');

  // Create a script; the editor opens.
  await page.fill('input[aria-label="New script name"]', 'greet');
  await page.click('text=New script');
  await page.locator('.cm-content').waitFor();
  await page.getByTestId('compile-ok').waitFor();

  // A compile error shows inline, at its line and column, as you type.
  await typeSource(page, 'let name = request.query.name ?? "world";\nlet x = ;\n');
  const error = page.getByTestId('compile-error');
  await error.waitFor();
  check((await error.textContent()).includes('line 2, column 9'), 'the error names line 2, column 9');
  await page.locator('.cm-lint-marker-error').waitFor();
  await shot(page, 'editor-error');

  // Fix it and save with Ctrl-S.
  await typeSource(
    page,
    'let name = request.query.name ?? "world";\nlog::info(`greeting ${name}`);\n#{ greeting: `Hello, ${name}!` }\n'
  );
  await page.getByTestId('compile-ok').waitFor();
  await page.keyboard.press('ControlOrMeta+s');
  await page.getByText('Saved as version 2').waitFor();

  // Run the draft in the test runner.
  await page.fill('input[aria-label="Path"]', '/greet');
  await page.fill('textarea[aria-label="Query"]', 'name=Ada');
  await page.click('button:has-text("Run")');
  const body = page.getByTestId('test-body');
  await body.waitFor();
  check((await body.textContent()).includes('"greeting": "Hello, Ada!"'), 'the test run shows pretty JSON');
  await page.getByTestId('test-result').getByText('greeting Ada').waitFor();
  await shot(page, 'editor-test-run');

  // Add a route, with the live conflict check.
  await page.click('role=tab[name="Routes"]');
  await page.fill('input[aria-label="New route"]', 'GET /api/nope');
  await page.getByTestId('route-verdict').getByText('reserved').waitFor();
  await page.fill('input[aria-label="New route"]', 'GET /greet');
  await page.getByTestId('route-verdict').getByText('available').waitFor();
  await page.click('button:has-text("Add route")');
  await page.getByTestId('route-url').getByText(`${base}/greet`).waitFor();
  await shot(page, 'routes');

  // Call the route over HTTP; watch the call arrive in the live tail.
  let reply = await fetch(`${base}/greet?name=Http`);
  check(reply.status === 200, `the route answers 200, not ${reply.status}`);
  check((await reply.json()).greeting === 'Hello, Http!', 'the route runs the saved version');
  await page.click('role=tab[name="Logs"]');
  // The log is written in batches, just after the response: refresh until it shows.
  for (let i = 0; i < 50 && !(await page.getByTestId('log-table').isVisible()); i++) {
    await new Promise((r) => setTimeout(r, 100));
    await page.click('button:has-text("Refresh")');
  }
  await page.getByTestId('log-table').getByText('GET /greet').first().waitFor();
  await page.getByTestId('live-tail').click();
  await page.getByText('Live: on').waitFor();
  await new Promise((r) => setTimeout(r, 300));
  await fetch(`${base}/greet?name=Live`);
  const liveRow = page.getByTestId('log-table').locator('tr', { hasText: 'GET /greet' });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=log-table] tr').length >= 2);
  check((await liveRow.count()) >= 2, 'the live tail added the new call');
  await liveRow.first().click();
  await page.getByText('greeting Live').waitFor();
  await shot(page, 'logs');

  // Roll back to version 1: the route answers with it at once.
  await page.click('role=tab[name="Versions"]');
  await page.click('button:has-text("v1")');
  await page.locator('.diff .removed').first().waitFor();
  await shot(page, 'versions');
  await page.getByTestId('rollback-1').click();
  await page.getByTestId('versions').getByText('active v1 · latest v2').waitFor();
  reply = await fetch(`${base}/greet`);
  const rolledBack = await reply.text();
  check(rolledBack === 'Hello from PiCloud', `the rollback is live: ${reply.status} ${rolledBack}`);

  // The scripts list and settings.
  await page.goto(`${base}/admin/`);
  await page.locator('td', { hasText: 'GET /greet' }).waitFor();
  await shot(page, 'scripts');
  await page.goto(`${base}/admin/settings`);
  await page.getByText('Limit defaults').waitFor();
  await shot(page, 'settings');

  // Sign out: the API no longer accepts the browser.
  await page.goto(`${base}/admin/`);
  await page.click('text=Sign out');
  await page.waitForURL(/\/admin\/login$/);
  console.log('dashboard e2e: ok');
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await browser.close();
  child.kill('SIGTERM');
}
process.exit(failed ? 1 : 0);
