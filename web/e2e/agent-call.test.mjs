// Browser end-to-end test of the agent desktop: the real `kefu serve`, headless Chromium whose
// fake microphone plays a 1100 Hz tone, and SIPp calling the demo number with this test's own RTP
// socket as the caller's audio (a 700 Hz tone). The agent goes ready, answers in the page, each
// side hears the other's tone, the agent hangs up, and the call record says answered, by the
// agent. Then a second browser of the same agent takes the desk over.
//
//   npm run build && KEFU_BIN=/path/to/kefu npm run e2e
//
// Needs `sipp` (Debian's sip-tester) on the PATH.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { after } from 'node:test';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiToken, browserStory, readDemoCredentials, saveFailureArtifacts, signIn, sipUdpAddress } from './harness.mjs';
import { levelAt, rtpPhone, toneWav } from './tones.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCENARIO = path.resolve(here, '../../tests/sipp/agent_call.xml');
const NUMBER = '+15555550100';
const CALLER = '+8613800138000';
const PHONE_TONE = 700;
const BROWSER_TONE = 1_100;

// Chromium's fake microphone plays this file in a loop (2 s: a whole number of cycles).
const work = mkdtempSync(path.join(os.tmpdir(), 'kefu-e2e-call-'));
const wav = path.join(work, 'agent-1100hz.wav');
writeFileSync(wav, toneWav(BROWSER_TONE, 2));

const wait = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs SIPp's caller; resolves with its exit code and output. */
function placeCall(sipAddress, rtpPort) {
  const scenario = readFileSync(SCENARIO, 'utf8').replaceAll('@RTP_PORT@', String(rtpPort));
  writeFileSync(path.join(work, 'agent_call.xml'), scenario);
  const args = [sipAddress, '-sf', 'agent_call.xml', '-s', NUMBER, '-i', '127.0.0.1', '-bind_local', '-p', '0'];
  args.push('-m', '1', '-timeout', '90s', '-timeout_error', '-nostdin');
  const child = spawn('sipp', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const done = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, output }));
    child.on('error', (err) => resolve({ code: null, signal: null, output: `${output}\n${err.message}` }));
  });
  return { child, done };
}

/** The page's idea of the loudest frequency it receives: the median of a few readings. */
async function pagePeakHz(page) {
  const readings = [];
  for (let i = 0; i < 5; i++) {
    readings.push(await page.evaluate(() => window.__kefuAudio?.peakHz() ?? null));
    await wait(100);
  }
  const heard = readings.filter((r) => r !== null).sort((a, b) => a - b);
  return { median: heard.length ? heard[Math.floor(heard.length / 2)] : null, readings };
}

const state = (page) => page.getByTestId('agent-state');

browserStory(
  'an agent answers a call in the browser',
  'agent-call',
  ({ step, ctx }) => {
    let creds;
    let phone;
    let sipp;

    step('agent1 signs in and finds the desk offline', async () => {
      const { page, server } = ctx;
      creds = await readDemoCredentials(server.dataDir);
      const agent = creds.users.find((u) => u.email === 'agent1@demo.kefu.test');
      assert.ok(agent, 'agent1 is a demo user');
      await signIn(page, server.baseUrl, { ...agent, tenant: creds.tenant }, 'agent');
      await page.waitForURL('**/agent');
      await page.locator('[data-testid="agent-state"][data-state="logged_out"]').waitFor();
    });

    step('going ready connects the audio', async () => {
      const { page } = ctx;
      await page.getByTestId('go-ready').click();
      await page.locator('[data-testid="agent-state"][data-state="available"]').waitFor();
      await page.locator('[data-testid="audio-status"][data-audio="connected"]').waitFor();
      assert.equal(await page.getByTestId('desk-audio-failed').count(), 0);
    });

    step('a caller rings the Support queue and the call is offered in the page', async () => {
      const { page, server } = ctx;
      phone = await rtpPhone(PHONE_TONE);
      sipp = placeCall(await sipUdpAddress(server), phone.port);
      const toast = page.getByTestId('incoming-call');
      await toast.waitFor({ timeout: 20_000 });
      assert.equal(await page.getByTestId('incoming-caller').textContent(), CALLER);
      assert.equal(await page.getByTestId('incoming-queue').textContent(), 'Support');
      assert.match(await page.getByTestId('ring-countdown').textContent(), /\d+ s left/);
      assert.equal(await state(page).getAttribute('data-state'), 'reserved');
    });

    step('the agent answers; each side hears the other', async () => {
      const { page } = ctx;
      await page.getByTestId('answer').click();
      await page.locator('[data-testid="agent-state"][data-state="on_call"]').waitFor();
      assert.equal(await page.getByTestId('call-caller').textContent(), CALLER);
      // Forget what came before the answer (hold music), then listen for 1.5 s.
      await wait(500);
      phone.heard.length = 0;
      await wait(1_500);
      const { median, readings } = await pagePeakHz(page);
      assert.ok(
        median !== null && Math.abs(median - PHONE_TONE) <= 60,
        `the agent's page hears ${median} Hz (readings ${readings.join(', ')}), not the caller's ${PHONE_TONE} Hz`,
      );
      const heard = phone.heard.slice();
      assert.ok(heard.length >= 8_000, `the caller got ${heard.length} samples in 1.5 s`);
      const agent = levelAt(heard, BROWSER_TONE);
      const own = levelAt(heard, PHONE_TONE);
      console.log(
        `# the page hears ${median} Hz (${readings.join(', ')}); the caller got ${heard.length} samples, ` +
          `${agent.toFixed(1)} at ${BROWSER_TONE} Hz, ${own.toFixed(1)} at ${PHONE_TONE} Hz`,
      );
      assert.ok(agent > 10 * own, `the caller hears ${agent.toFixed(1)} of the agent's tone and ${own.toFixed(1)} of its own`);
      assert.match(await page.getByTestId('call-timer').textContent(), /^00:0\d$/);
    });

    step('hold: the caller hears music, not the agent, and the agent hears nothing; resume', async () => {
      const { page } = ctx;
      await page.getByTestId('hold').click();
      await page.getByTestId('held-notice').waitFor();
      await wait(500);
      phone.heard.length = 0;
      await wait(1_500);
      const held = phone.heard.slice();
      assert.ok(held.length >= 8_000, `the held caller got ${held.length} samples in 1.5 s`);
      const agent = levelAt(held, BROWSER_TONE);
      const rms = Math.sqrt(held.reduce((sum, x) => sum + x * x, 0) / held.length);
      assert.ok(agent < 100, `the held caller still hears the agent's tone (${agent.toFixed(1)})`);
      assert.ok(rms > 300, `the held caller hears no music (rms ${rms.toFixed(0)})`);
      const { median } = await pagePeakHz(page);
      assert.ok(median === null || Math.abs(median - PHONE_TONE) > 60, `the agent still hears the held caller (${median} Hz)`);
      await page.getByTestId('hold').click();
      await page.getByTestId('held-notice').waitFor({ state: 'detached' });
      await wait(500);
      phone.heard.length = 0;
      await wait(1_500);
      const back = levelAt(phone.heard.slice(), BROWSER_TONE);
      assert.ok(back > 10 * levelAt(phone.heard.slice(), PHONE_TONE), `the caller hears the agent again after resume (${back.toFixed(1)})`);
      const resumed = await pagePeakHz(page);
      assert.ok(
        resumed.median !== null && Math.abs(resumed.median - PHONE_TONE) <= 60,
        `the agent hears the caller again (${resumed.median} Hz)`,
      );
    });

    step('the agent hangs up: the caller gets a BYE and the agent wraps up', async () => {
      const { page } = ctx;
      await page.getByTestId('hang-up').click();
      await page.getByTestId('wrap-up').waitFor();
      assert.equal(await state(page).getAttribute('data-state'), 'after_call_work');
      const result = await Promise.race([sipp.done, wait(30_000).then(() => null)]);
      assert.ok(result, 'SIPp finished within 30 s of the hang-up');
      assert.equal(result.code, 0, `sipp exited ${result.code}:\n${result.output}`);
    });

    step('the call record says answered, hung up by the agent', async () => {
      const { server } = ctx;
      const admin = creds.users.find((u) => u.email === 'admin@demo.kefu.test');
      const token = await apiToken(server.baseUrl, { ...admin, tenant: creds.tenant });
      let record = null;
      for (let i = 0; i < 50 && !record; i++) {
        const res = await fetch(`${server.baseUrl}/api/v1/calls`, { headers: { Authorization: `Bearer ${token}` } });
        assert.equal(res.status, 200);
        record = (await res.json()).items?.[0] ?? null;
        if (!record) await wait(200);
      }
      assert.ok(record, 'GET /api/v1/calls lists the call');
      assert.equal(record.disposition, 'answered', JSON.stringify(record));
      assert.equal(record.hangup_by, 'agent', JSON.stringify(record));
      assert.equal(record.holds, 1, JSON.stringify(record));
      assert.ok(record.hold_ms >= 1_500 && record.talk_ms >= 3_000, JSON.stringify(record));
      assert.equal(record.agents.length, 1, JSON.stringify(record));
    });

    step('Done ends wrap-up: the agent is ready again', async () => {
      const { page } = ctx;
      await page.getByTestId('wrap-up-done').click();
      await page.locator('[data-testid="agent-state"][data-state="available"]').waitFor();
      assert.equal(await page.getByTestId('call-caller').textContent(), '—');
    });

    step('a second browser of the same agent takes the desk over', async () => {
      const { page, server, browser } = ctx;
      const agent = creds.users.find((u) => u.email === 'agent1@demo.kefu.test');
      const other = await browser.newContext({ viewport: { width: 1360, height: 860 } });
      const second = await other.newPage();
      try {
        await signIn(second, server.baseUrl, { ...agent, tenant: creds.tenant }, 'agent');
        await page.getByTestId('desk-link-replaced').waitFor();
        assert.match(await page.getByTestId('desk-link-replaced').textContent(), /taken over/);
        // The new desk starts from where the agent stands.
        await second.locator('[data-testid="agent-state"][data-state="available"]').waitFor();
        // The first page does not reconnect (which would take the desk back): after longer than
        // its first reconnect delay (1 s), the second still holds it.
        await wait(2_500);
        assert.equal(await second.getByTestId('desk-link-replaced').count(), 0);
        assert.equal(await page.getByTestId('go-ready').isDisabled(), true);
      } catch (err) {
        await saveFailureArtifacts(second, 'agent-call-second-desk', null);
        throw err;
      } finally {
        await other.close();
      }
    });

    // Runs even when a step failed, so no socket or SIPp outlives the test.
    after(() => {
      phone?.close();
      if (sipp && sipp.child.exitCode === null) sipp.child.kill('SIGKILL');
      rmSync(work, { recursive: true, force: true });
    });
  },
  {
    browserArgs: [
      `--use-file-for-fake-audio-capture=${wav}`,
      // The remote audio plays and is analysed without waiting for a click on the page itself.
      '--autoplay-policy=no-user-gesture-required',
    ],
  },
);
