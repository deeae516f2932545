// npm run build:client: the browser bundle of the client SDK, one minified
// ESM file (src/client/dist/haat-client.js, committed). The freshness test
// (src/client/bundle.test.ts) builds with the same options and compares.
import { build, type BuildOptions } from 'esbuild';
import { writeFile, mkdir } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const ENTRY = fileURLToPath(new URL('../src/client/index.ts', import.meta.url));
export const OUTFILE = fileURLToPath(new URL('../src/client/dist/haat-client.js', import.meta.url));

export const OPTIONS: BuildOptions = {
  entryPoints: [ENTRY],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2020'],
  legalComments: 'none',
  charset: 'utf8',
  write: false,
};

/** The bundle's text, as `npm run build:client` writes it. */
export async function bundleText(): Promise<string> {
  const r = await build(OPTIONS);
  const out = r.outputFiles?.[0];
  if (!out) throw new Error('esbuild produced no output');
  return out.text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = await bundleText();
  await mkdir(new URL('../src/client/dist/', import.meta.url), { recursive: true });
  await writeFile(OUTFILE, text);
  const raw = Buffer.byteLength(text);
  const gz = gzipSync(text, { level: 9 }).length;
  console.log(JSON.stringify({ file: 'src/client/dist/haat-client.js', bytes: raw, gzip_bytes: gz }));
}
