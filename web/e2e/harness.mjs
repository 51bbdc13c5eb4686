// Shared pieces for browser end-to-end tests: start the real `kefu` binary on a free port with a
// fresh data directory, wait until it is ready, drive headless Chromium, and clean everything up.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

export const WEB_DIST = path.resolve(here, '..', 'dist');
export const ARTIFACTS = path.resolve(here, 'artifacts');
export const KEFU_BIN = process.env.KEFU_BIN || path.join(os.homedir(), '.cache/kefu/target/debug/kefu');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];

/** Why the end-to-end test cannot run here, or null when it can. */
export function missingPrerequisite() {
  if (!existsSync(KEFU_BIN)) return `kefu binary not found at ${KEFU_BIN} (build it or set KEFU_BIN)`;
  if (!existsSync(CHROMIUM)) return `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
  return null;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const MAX_LOG = 200_000;

/** Variables of this harness: not for the server, which reads every KEFU_* variable as a
 * configuration key and refuses to start on an unknown one. */
const HARNESS_VARS = ['KEFU_BIN', 'KEFU_E2E_REQUIRE', 'KEFU_PLUGIN_WASM_DIR'];

function serverEnv() {
  const env = { ...process.env, RUST_LOG: process.env.RUST_LOG || 'info' };
  for (const name of HARNESS_VARS) delete env[name];
  return env;
}

/**
 * Starts `kefu serve` and resolves once `GET /readyz` answers 200. Rejects (with the server's
 * output) when the process exits early or is not ready within `timeoutMs`.
 */
export async function startServer({ timeoutMs = 60_000 } = {}) {
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error(`${WEB_DIST}/index.html is missing: run "npm run build" first`);
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kefu-e2e-data-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const args = ['serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--web-dir', WEB_DIST, '--sip-listen', '127.0.0.1:0'];

  let log = '';
  const append = (chunk) => {
    log += chunk.toString();
    if (log.length > MAX_LOG) log = log.slice(-MAX_LOG);
  };
  const child = spawn(KEFU_BIN, args, {
    // Run where no stray kefu.toml can be picked up, with only the server's own settings.
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: serverEnv(),
  });
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    child.on('error', (err) => {
      append(`\n[spawn error] ${err.message}\n`);
      exited = { code: null, signal: null, error: err };
      resolve(exited);
    });
  });

  // Make sure a crashed or interrupted test run never leaves the server behind.
  const killOnExit = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  const server = {
    baseUrl,
    dataDir,
    port,
    command: [KEFU_BIN, ...args].join(' '),
    get log() {
      return log;
    },
    async stop() {
      process.off('exit', killOnExit);
      if (!exited) {
        child.kill('SIGTERM');
        const timer = new Promise((r) => setTimeout(r, 5_000, 'timeout'));
        if ((await Promise.race([exit, timer])) === 'timeout') {
          child.kill('SIGKILL');
          await exit;
        }
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) {
      await server.stop();
      throw new Error(
        `kefu exited before it was ready (code ${exited.code}, signal ${exited.signal})\n` +
          `command: ${server.command}\n--- server output ---\n${log}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return server;
      lastProblem = `GET /readyz answered ${res.status}`;
    } catch (err) {
      lastProblem = `GET /readyz failed: ${err.cause?.code ?? err.message}`;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await server.stop();
  throw new Error(
    `kefu was not ready within ${timeoutMs / 1000} s (${lastProblem})\n` +
      `command: ${server.command}\n--- server output ---\n${log}`,
  );
}

/** Reads `<data_dir>/demo-credentials.json`, waiting briefly in case it is written after ready. */
export async function readDemoCredentials(dataDir, timeoutMs = 10_000) {
  const file = path.join(dataDir, 'demo-credentials.json');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`could not read ${file}: ${err.message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The server's SIP UDP address, from its `SIP trunks: udp 127.0.0.1:NNNN and tcp …` line. */
export async function sipUdpAddress(server, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = /SIP trunks: udp (\S+) and tcp/.exec(server.log);
    if (found) return found[1];
    if (Date.now() > deadline) throw new Error(`the server did not print its SIP address\n--- server output ---\n${server.log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Signs in through the login form and waits for the shell of `shell`. */
export async function signIn(page, baseUrl, { email, password, tenant }, shell) {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const tenantField = page.getByLabel('Company ID (slug)');
  await page.getByTestId(`shell-${shell}`).or(tenantField).first().waitFor();
  if (await tenantField.isVisible()) {
    await tenantField.fill(tenant);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }
  await page.getByTestId(`shell-${shell}`).waitFor();
}

/** An access token for REST calls from the test itself. */
export async function apiToken(baseUrl, { email, password, tenant }) {
  const res = await fetch(`${baseUrl}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password, tenant }),
  });
  if (!res.ok) throw new Error(`signing in ${email} over the API: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()).access_token;
}

export async function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

/** Saves a screenshot (and the server output, if given) to web/e2e/artifacts/. */
export async function saveFailureArtifacts(page, name, serverLog) {
  await mkdir(ARTIFACTS, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = path.join(ARTIFACTS, `${name}-${stamp}`);
  const saved = [];
  if (page && !page.isClosed()) {
    try {
      await page.screenshot({ path: `${base}.png`, fullPage: true });
      saved.push(`${base}.png`);
    } catch {
      // The page may be gone; the log below still helps.
    }
  }
  if (serverLog) {
    await writeFile(`${base}.server.log`, serverLog);
    saved.push(`${base}.server.log`);
  }
  return saved;
}

/**
 * A browser story: one server, one browser page, and steps that run in order. Once a step fails,
 * the later ones are skipped, the failing page is photographed and the server's output is kept
 * in e2e/artifacts/. The suite is skipped when there is no server binary, unless
 * KEFU_E2E_REQUIRE=1 (then a missing binary is an error).
 *
 * `body({ step, ctx })` declares the steps; `ctx.server` and `ctx.page` are set before they run.
 * `browserArgs` are added to Chromium's command line (e.g. a fake microphone's audio file).
 */
export function browserStory(title, artifactName, body, { browserArgs = [] } = {}) {
  const missing = missingPrerequisite();
  if (missing && process.env.KEFU_E2E_REQUIRE === '1') throw new Error(`browser e2e cannot run: ${missing}`);
  if (missing) console.log(`# skipping browser e2e: ${missing}`);

  describe(title, { skip: missing ?? false }, () => {
    const ctx = { server: null, browser: null, page: null, pageErrors: [], failed: false };

    before(async () => {
      ctx.server = await startServer({ timeoutMs: 60_000 });
      ctx.browser = await launchBrowser(browserArgs);
      const context = await ctx.browser.newContext({ viewport: { width: 1360, height: 860 } });
      ctx.page = await context.newPage();
      ctx.page.setDefaultTimeout(15_000);
      ctx.page.on('pageerror', (err) => ctx.pageErrors.push(err.message));
    });

    after(async () => {
      try {
        if (ctx.failed) {
          // The failing step already took its screenshot; keep the server's side of the story.
          const saved = await saveFailureArtifacts(null, artifactName, ctx.server?.log);
          if (saved.length) console.log(`# failure artifacts:\n${saved.map((s) => `#   ${s}`).join('\n')}`);
        }
      } finally {
        await ctx.browser?.close().catch(() => undefined);
        await ctx.server?.stop();
      }
    });

    function step(name, fn) {
      test(name, async (t) => {
        if (ctx.failed) {
          t.skip('an earlier step failed');
          return;
        }
        try {
          await fn();
        } catch (err) {
          ctx.failed = true;
          // Screenshot now, while the page still shows what went wrong.
          const saved = await saveFailureArtifacts(ctx.page, `${artifactName}-${name.replace(/\W+/g, '-')}`, null);
          if (saved.length) err.message += `\n(screenshot: ${saved.join(', ')})`;
          if (ctx.pageErrors.length) err.message += `\n(page errors: ${ctx.pageErrors.join(' | ')})`;
          throw err;
        }
      });
    }

    body({ step, ctx });

    step('no uncaught errors in the page', async () => {
      assert.deepEqual(ctx.pageErrors, []);
    });
  });
}

/** Fills the sign-up form and waits for the admin shell. */
export async function signUp(page, baseUrl, { company, name, email, password }) {
  await page.goto(`${baseUrl}/signup`);
  await page.getByLabel('Company name', { exact: true }).fill(company);
  await page.getByLabel('Your name', { exact: true }).fill(name);
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('shell-admin').waitFor();
}

export async function signOut(page) {
  await page.getByTestId('sign-out').click();
  await page.waitForURL('**/login');
  await page.getByRole('form', { name: 'Sign in' }).waitFor();
  // Signing out finishes by forgetting the stored refresh token.
  await page.waitForFunction(() => window.localStorage.getItem('kefu.refresh_token') === null);
}
