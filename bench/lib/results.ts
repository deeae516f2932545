// Writes a bench's results as bench/results/<name>-<timestamp>.json plus
// <name>-latest.json and <name>-latest.md, so runs can be compared later.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

export function writeResults(name: string, data: unknown, markdown: string, dir = RESULTS_DIR): { json: string; latestJson: string; latestMd: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = `${JSON.stringify(data, null, 2)}\n`;
  const paths = { json: join(dir, `${name}-${stamp}.json`), latestJson: join(dir, `${name}-latest.json`), latestMd: join(dir, `${name}-latest.md`) };
  writeFileSync(paths.json, json);
  writeFileSync(paths.latestJson, json);
  writeFileSync(paths.latestMd, markdown);
  return paths;
}
