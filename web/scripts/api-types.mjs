// Generates src/api/schema.d.ts from openapi.json (the server's OpenAPI document), or with
// `--check` fails if the committed file differs from what the document generates. Offline: it
// only reads openapi.json and runs the pinned openapi-typescript from node_modules.
//
//   npm run gen:api     regenerate
//   npm run check:api   fail when stale

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const doc = join(web, 'openapi.json');
const committed = join(web, 'src/api/schema.d.ts');
const cli = join(dirname(createRequire(import.meta.url).resolve('openapi-typescript/package.json')), 'bin/cli.js');

function generate(out) {
  execFileSync(process.execPath, [cli, doc, '--empty-objects-unknown', '--output', out], { cwd: web, stdio: ['ignore', 'ignore', 'inherit'] });
}

if (process.argv.includes('--check')) {
  const dir = mkdtempSync(join(tmpdir(), 'kefu-api-'));
  try {
    const fresh = join(dir, 'schema.d.ts');
    generate(fresh);
    let current = null;
    try {
      current = readFileSync(committed, 'utf8');
    } catch {
      // Missing counts as stale.
    }
    if (current !== readFileSync(fresh, 'utf8')) {
      console.error('web/src/api/schema.d.ts is stale: run npm run gen:api');
      process.exitCode = 1;
    } else {
      console.log('web/src/api/schema.d.ts is up to date with web/openapi.json');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  generate(committed);
  console.log('wrote web/src/api/schema.d.ts');
}
