// Takes a screenshot of every page a person sees first (sign-in pages and each role's shell),
// against the real server, into e2e/artifacts/screens/. For looking at the app, not a test.
//
//   npm run build && npm run screenshots

import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ARTIFACTS, launchBrowser, missingPrerequisite, readDemoCredentials, startServer } from './harness.mjs';

const missing = missingPrerequisite();
if (missing) {
  console.error(`cannot take screenshots: ${missing}`);
  process.exit(1);
}

const out = path.join(ARTIFACTS, 'screens');
await mkdir(out, { recursive: true });

const server = await startServer();
const browser = await launchBrowser();
try {
  const creds = await readDemoCredentials(server.dataDir);
  const byRole = (role) => creds.users.find((u) => u.role === role);

  async function api(method, p, body, token) {
    const res = await fetch(server.baseUrl + p, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${p} → ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  }

  // There is no developer in the demo tenant: make agent2 one, through the API as the admin.
  const admin = byRole('admin');
  const adminSession = await api('POST', '/api/v1/sessions', { email: admin.email, password: admin.password });
  const { items } = await api('GET', '/api/v1/users', null, adminSession.access_token);
  const agent2 = creds.users.find((u) => u.email === 'agent2@demo.kefu.test');
  const agent2User = items.find((u) => u.email === agent2.email);
  await api('PATCH', `/api/v1/users/${agent2User.id}`, { role: 'developer' }, adminSession.access_token);

  // Routing configuration to look at: skills, an agent's levels, two queues, codes, a calendar.
  const token = adminSession.access_token;
  const skill = {};
  for (const [name, description] of [
    ['Mandarin', 'Callers who prefer Mandarin'],
    ['English', ''],
    ['Billing', 'Invoices, refunds and payment plans'],
  ]) {
    skill[name] = (await api('POST', '/api/v1/skills', { name, description }, token)).id;
  }
  const agents = (await api('GET', '/api/v1/agents', null, token)).items;
  const agent1 = agents.find((a) => a.email === 'agent1@demo.kefu.test');
  await api('PUT', `/api/v1/agents/${agent1.user_id}/skills`, {
    skills: [{ skill: skill.Mandarin, level: 8 }, { skill: skill.Billing, level: 4 }],
  }, token);
  const timing = { service_level: { percent: 80, within: 20000 }, ring_timeout: 15000, after_call_work: 30000, expected_handle_time: 180000 };
  const sales = await api('POST', '/api/v1/queues', { name: 'Sales', required_skills: [{ skill: skill.English, min_level: 3 }], ...timing }, token);
  const support = await api('POST', '/api/v1/queues', {
    name: 'Support',
    strategy: 'most_skilled',
    required_skills: [{ skill: skill.Mandarin, min_level: 5 }, { skill: skill.Billing, min_level: 2 }],
    priority_rules: [{ attribute: 'vip', equals: 'true', priority: 9 }],
    aging: { every: 60000, up_to: 8 },
    overflow: [
      { after: 30000, action: 'relax_skills', levels: 2 },
      { after: 60000, action: 'add_queue', queue: sales.id },
      { after: 300000, action: 'leave_queue', destination: 'voicemail' },
    ],
    ...timing,
  }, token);
  for (const [code, label] of [['lunch', 'Lunch break'], ['training', 'Training'], ['coaching', 'Coaching session']]) {
    await api('POST', '/api/v1/reason-codes', { code, label }, token);
  }
  const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'].flatMap((day) => [
    { day, open: '09:00', close: '12:00' },
    { day, open: '13:00', close: '18:00' },
  ]);
  const hours = await api('POST', '/api/v1/calendars', {
    name: 'Support hours',
    timezone: 'Asia/Shanghai',
    weekly: [...weekdays, { day: 'sat', open: '10:00', close: '14:00' }],
    holidays: [
      { date: '2026-10-01', name: 'National Day' },
      { date: '2026-12-24', name: 'Christmas Eve', open: '09:00', close: '12:00' },
    ],
  }, token);
  const always = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, open: '00:00', close: '24:00' }));
  await api('POST', '/api/v1/calendars', { name: 'Hotline', timezone: 'UTC', weekly: always }, token);

  // A published, installed and tried ivr-menu for the plugin pages, when the component is built.
  const wasmDir = process.env.KEFU_PLUGIN_WASM_DIR || path.join(os.homedir(), '.cache/kefu/target-wasm/plugins');
  const ivrWasm = path.join(wasmDir, 'ivr_menu.wasm');
  let installed = null;
  if (existsSync(ivrWasm)) {
    await api('POST', '/api/v1/plugin-versions', {
      manifest: {
        name: 'ivr-menu', version: '1.0.0', world: 'ivr', capabilities: { config: true, log: true, http: { allowed_hosts: ['pins.example.com'] } }, secrets: ['crm_token'],
        config_schema: { type: 'object', required: ['menu'], properties: { menu: { type: 'object', title: 'Menu' }, language: { enum: ['mandarin', 'english'], title: 'Language' } } },
      },
      component: (await readFile(ivrWasm)).toString('base64'),
    }, token);
    const menu = { greeting: [{ say: 'Welcome to Demo' }], start: 'main', menus: { main: { prompt: [{ say: 'For support press 1' }], options: { 1: { queue: { queue: 'Support' } } } } } };
    installed = await api('POST', '/api/v1/plugin-installations', { publisher: adminSession.tenant.id, name: 'ivr-menu', version: '1.0.0', config: { menu } }, token);
  } else {
    console.log(`# no plugin screenshots: ${ivrWasm} is missing (plugins/build.sh)`);
  }

  async function shot(page, name) {
    const file = path.join(out, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(file);
  }

  async function signedIn(user, shell, pages, more) {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel('E-mail', { exact: true }).fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId(`shell-${shell}`).waitFor();
    for (const [name, p, ready] of pages) {
      if (p) await page.goto(server.baseUrl + p);
      if (ready) await page.getByTestId(ready).waitFor();
      await page.waitForLoadState('networkidle');
      await shot(page, name);
    }
    if (more) await more(page);
    await context.close();
  }

  const anon = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  const page = await anon.newPage();
  await page.goto(`${server.baseUrl}/signup`);
  await page.getByLabel('Password', { exact: true }).fill('short pass');
  await shot(page, '01-signup');
  await page.goto(`${server.baseUrl}/login`);
  await page.getByTestId('toggle-tenant').click();
  await shot(page, '02-login');
  await anon.close();

  await signedIn(admin, 'admin', [
    ['10-admin-users', null, 'users-table'],
    ['11-admin-audit', '/admin/audit', 'page-audit'],
    ['12-admin-numbers', '/admin/numbers', 'page-numbers'],
    ['13-admin-queues', '/admin/queues', 'queues-table'],
    ['14-admin-queue-edit', `/admin/queues/${support.id}`, 'queue-form'],
    ['15-admin-queue-new', '/admin/queues/new', 'queue-form'],
    ['16-admin-skills', '/admin/skills', 'skills-table'],
    ['17-admin-agents', '/admin/agents', 'agents-table'],
    ['18-admin-reason-codes', '/admin/reason-codes', 'reason-codes-table'],
    ['19-admin-hours', '/admin/hours', 'calendars-table'],
    ['19a-admin-hours-edit', `/admin/hours/${hours.id}`, 'calendar-form'],
  ], async (page) => {
    // The queue editor refusing a level of 11, with the server's message next to the input.
    await page.goto(`${server.baseUrl}/admin/queues/${support.id}`);
    await page.getByTestId('input-required_skills[0].min_level').fill('11');
    await page.getByTestId('queue-save').click();
    await page.getByTestId('error-required_skills[0].min_level').waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, '14a-admin-queue-invalid-level');
    // Backup agents: the supervisor has no saved skills, so the server does not know them yet.
    await page.goto(`${server.baseUrl}/admin/queues/new`);
    await page.getByTestId('input-name').fill('Escalations');
    await page.getByTestId('toggle-backup').check();
    await page.getByTestId('backup-agent-supervisor@demo.kefu.test').check();
    await page.getByTestId('queue-save').click();
    await page.getByTestId('error-backup.agents').waitFor();
    await page.getByTestId('queue-section-agents').screenshot({ path: path.join(out, '15a-admin-queue-backup-agents.png') });
    // An agent's skills being edited.
    await page.goto(`${server.baseUrl}/admin/agents`);
    await page.getByTestId('agent-edit-agent1@demo.kefu.test').click();
    await shot(page, '17a-admin-agent-skills-editor');
    // Deleting a skill a queue still needs: the conflict banner.
    await page.goto(`${server.baseUrl}/admin/skills`);
    await page.getByTestId('skill-delete-Mandarin').click();
    await page.getByTestId('skill-delete-Mandarin-yes').click();
    await page.getByTestId('skills-error').waitFor();
    await shot(page, '16a-admin-skill-in-use');
    if (installed) {
      await page.goto(`${server.baseUrl}/admin/plugins`);
      await page.getByTestId('installations-table').waitFor();
      await shot(page, '50-admin-plugins');
      await page.getByTestId('installation-configure-ivr-menu').click();
      await page.getByTestId('config-dialog').waitFor();
      await shot(page, '51-admin-plugin-configure');
      await page.goto(`${server.baseUrl}/admin/plugins/installations/${installed.id}/try`);
      await page.getByTestId('try-send').click();
      await page.getByTestId('try-result').waitFor();
      await shot(page, '52-admin-plugin-try');
      await page.goto(`${server.baseUrl}/admin/plugin-log`);
      await page.getByTestId('plugin-log-table').waitFor();
      await shot(page, '53-admin-plugin-log');
      await page.getByRole('link', { name: /^Details/ }).first().click();
      await page.getByTestId('replay').click();
      await page.getByTestId('replay-result').waitFor();
      await shot(page, '54-admin-plugin-invocation');
      await page.goto(`${server.baseUrl}/admin/plugin-limits`);
      await page.getByTestId('limits-form').waitFor();
      await shot(page, '55-admin-plugin-limits');
    }
  });
  await signedIn(byRole('supervisor'), 'supervisor', [
    ['20-supervisor-wallboard', null, 'page-wallboard'],
    ['21-supervisor-team', '/supervisor/users', 'users-table'],
  ]);
  await signedIn(creds.users.find((u) => u.email === 'agent1@demo.kefu.test'), 'agent', [
    ['30-agent', null, 'panel-softphone'],
  ]);
  await signedIn(agent2, 'developer', [
    ['40-developer', null, 'page-developer-plugins'],
    ['41-developer-publish', '/developer/publish', 'publish-form'],
  ]);
} finally {
  await browser.close();
  await server.stop();
}
