// Shared pieces for browser end-to-end tests: start the real `kefu` binary on a free port with a
// fresh data directory, wait until it is ready, drive headless Chromium, and clean everything up.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
const HARNESS_VARS = ['KEFU_BIN', 'KEFU_E2E_REQUIRE'];

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
  const args = ['serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--web-dir', WEB_DIST];

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

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
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
