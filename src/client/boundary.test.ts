// The SDK stands alone (DESIGN.md: the client imports nothing from the
// server): every non-test file under src/client imports only files beside it,
// no package, no node: module; and it type-checks against browser types alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const DIR = fileURLToPath(new URL('./', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every module specifier of a TypeScript file: import/export ... from, import(), import 'x', require(). */
export function specifiers(source: string): string[] {
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g, /\brequire\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]!);
  return out;
}

async function sdkFiles(): Promise<string[]> {
  const all = await readdir(DIR, { recursive: true });
  return all.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('dist')).map((f) => String(f));
}

test('the specifier scanner sees every kind of import', () => {
  const src = `import a from '../x.ts';\nimport { b,\n c } from "./y.ts";\nexport * from './z.ts';\nimport 'side';\nconst d = await import('node:fs');\nrequire("ws");\nimport type { T } from '../../src/types.ts';`;
  assert.deepEqual(specifiers(src).sort(), ['../../src/types.ts', '../x.ts', './y.ts', './z.ts', 'node:fs', 'side', 'ws'].sort());
});

test('no file of the SDK imports anything outside src/client (no server code, no package, no node: module)', async () => {
  const files = await sdkFiles();
  assert.ok(files.includes('index.ts') && files.includes('client.ts'), `SDK files found: ${files.join(', ')}`);
  const bad: string[] = [];
  for (const f of files) {
    const src = await readFile(join(DIR, f), 'utf8');
    for (const s of specifiers(src)) {
      const inside = s.startsWith('./') && !s.slice(2).includes('..');
      if (!inside) bad.push(`${f} imports ${s}`);
    }
  }
  assert.deepEqual(bad, [], 'the client must import only its own files');
});

test('the SDK type-checks against browser types only (no Node types)', { timeout: 60_000 }, async () => {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const out = await new Promise<{ code: number; text: string }>((resolve) =>
    execFile(process.execPath, [tsc, '-p', join(DIR, 'tsconfig.json'), '--noEmit'], { cwd: ROOT }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, text: stdout + stderr })),
  );
  assert.equal(out.code, 0, out.text);
});
