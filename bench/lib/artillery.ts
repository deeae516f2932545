// Artillery (https://www.artillery.io) as an outside client of haat: finding
// it, running a scenario of bench/artillery/ against a node, seeding the
// auction and the sale the scenario uses, and checking the node's state
// against what Artillery counted.
//
// Artillery is not a dependency of haat: 2.0.21, the newest release whose
// `engines` allows Node 20 (2.0.22+ need Node >= 22.13, 2.0.34 >= 22.18),
// installs 969 packages and ~590 MB (AWS SDKs, Playwright and a browser
// download in a postinstall), far more than the rest of the tree. It is run
// with `npx --yes artillery@2.0.21` instead (downloaded once into npm's npx
// cache, ~45 s here), with PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 so that the
// browser download of its Playwright engine (unused: engine ws only) does not
// fail the install offline. ARTILLERY_BIN points at another install;
// ARTILLERY_VIA_NPX=1 goes through npx even when one is found.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isoIn, rest } from './commerce.ts';
import { BENCH_JWT_SECRET } from './targets.ts';

export const ARTILLERY_VERSION = '2.0.21';
export const SCENARIOS_DIR = fileURLToPath(new URL('../artillery/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The environment every Artillery run gets: no telemetry, no browser download. */
const ARTILLERY_ENV = { ARTILLERY_DISABLE_TELEMETRY: 'true', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };

/** An artillery already on this machine (ARTILLERY_BIN, or npx's cache holding ARTILLERY_VERSION), else undefined. */
export function localArtillery(): string | undefined {
  const fromEnv = process.env.ARTILLERY_BIN;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  const npxCache = join(process.env.npm_config_cache ?? join(homedir(), '.npm'), '_npx');
  let dirs: string[] = [];
  try {
    dirs = readdirSync(npxCache);
  } catch {
    return undefined;
  }
  for (const d of dirs) {
    const pkg = join(npxCache, d, 'node_modules', 'artillery', 'package.json');
    try {
      if ((JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version !== ARTILLERY_VERSION) continue;
    } catch {
      continue;
    }
    const bin = join(npxCache, d, 'node_modules', '.bin', 'artillery');
    if (existsSync(bin)) return bin;
  }
  return undefined;
}

/** The command that runs artillery: a local one, or npx (which downloads it on first use). */
export function artilleryCommand(): { cmd: string; args: string[]; via: string } {
  if (process.env.ARTILLERY_BIN && !existsSync(process.env.ARTILLERY_BIN)) throw new Error(`ARTILLERY_BIN=${process.env.ARTILLERY_BIN} does not exist`);
  const local = process.env.ARTILLERY_VIA_NPX === '1' ? undefined : localArtillery();
  if (local) return { cmd: local, args: [], via: local };
  return { cmd: 'npx', args: ['--yes', `artillery@${ARTILLERY_VERSION}`], via: `npx --yes artillery@${ARTILLERY_VERSION}` };
}

export interface Seed {
  auctionId: string;
  productId: string;
  saleId: string;
  sku: string;
  stock: number;
  startingPrice: number;
  minIncrement: number;
}

/** Creates an open auction and an open sale over REST (PROTOCOL.md §7, §8), as the back office would. */
export async function seedCommerce(port: number, o: { stock: number; tag?: string }): Promise<Seed> {
  const tag = o.tag ?? `art-${Date.now().toString(36)}`;
  const seed: Seed = { auctionId: `${tag}-a`, productId: `${tag}-p`, saleId: `${tag}-s`, sku: `${tag}-sku`, stock: o.stock, startingPrice: 100, minIncrement: 10 };
  const a = await rest(port, 'POST', '/auctions', {
    id: seed.auctionId,
    product_id: seed.productId,
    title: 'Artillery auction',
    starting_price: seed.startingPrice,
    min_increment: seed.minIncrement,
    starts_at: isoIn(-1000),
    ends_at: isoIn(3_600_000),
  });
  if (a.status !== 201) throw new Error(`POST auctions: ${a.status} ${JSON.stringify(a.body)}`);
  const s = await rest(port, 'POST', '/sales', {
    id: seed.saleId,
    title: 'Artillery flash sale',
    starts_at: isoIn(-1000),
    ends_at: isoIn(3_600_000),
    per_user_limit: 1,
    hold_s: 3600,
    skus: [{ sku: seed.sku, stock: o.stock, price: 499 }],
  });
  if (s.status !== 201) throw new Error(`POST sales: ${s.status} ${JSON.stringify(s.body)}`);
  return seed;
}

export interface ArtilleryRun {
  exitCode: number | null;
  /** Artillery's JSON report (`run --output`). */
  report: ArtilleryReport;
  output: string;
  seconds: number;
}

export interface ArtilleryReport {
  aggregate: {
    counters: Record<string, number>;
    summaries: Record<string, { min: number; max: number; count: number; mean: number; p50: number; median: number; p95: number; p99: number }>;
    rates?: Record<string, number>;
  };
  [k: string]: unknown;
}

/**
 * Runs `artillery run` on a scenario of bench/artillery/ against ws://127.0.0.1:PORT,
 * optionally overriding its phase (`duration` s at `arrivalRate` new users/s).
 */
export async function runArtillery(o: {
  port: number;
  scenario: string;
  seed: Seed;
  outputJson: string;
  duration?: number;
  arrivalRate?: number;
  timeoutMs?: number;
  onOutput?: (chunk: string) => void;
}): Promise<ArtilleryRun> {
  const { cmd, args } = artilleryCommand();
  const overrides = o.duration !== undefined || o.arrivalRate !== undefined ? ['--overrides', JSON.stringify({ config: { phases: [{ name: 'shoppers', duration: o.duration ?? 20, arrivalRate: o.arrivalRate ?? 10 }] } })] : [];
  const started = performance.now();
  const child = spawn(cmd, [...args, 'run', '--quiet', '--target', `ws://127.0.0.1:${o.port}`, '--output', o.outputJson, ...overrides, join(SCENARIOS_DIR, o.scenario)], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...ARTILLERY_ENV,
      HAAT_ARTILLERY_JWT_SECRET: BENCH_JWT_SECRET,
      HAAT_ARTILLERY_AUCTION_ID: o.seed.auctionId,
      HAAT_ARTILLERY_PRODUCT_ID: o.seed.productId,
      HAAT_ARTILLERY_SALE_ID: o.seed.saleId,
      HAAT_ARTILLERY_SKU: o.seed.sku,
      HAAT_ARTILLERY_STARTING_PRICE: String(o.seed.startingPrice),
      HAAT_ARTILLERY_MIN_INCREMENT: String(o.seed.minIncrement),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer): void => {
    const s = d.toString('utf8');
    output = (output + s).slice(-64 * 1024);
    o.onOutput?.(s);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 600_000);
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  if (!existsSync(o.outputJson)) throw new Error(`artillery exited (${exitCode}) without writing ${o.outputJson}; output: ${output.slice(-2000)}`);
  const report = JSON.parse(readFileSync(o.outputJson, 'utf8')) as ArtilleryReport;
  return { exitCode, report, output, seconds };
}

/** Frame kinds the scenario sends, and the refusals that are the domain's answer rather than a fault (PROTOCOL.md §7, §8). */
export const KINDS = ['join', 'bid', 'reserve', 'ping'] as const;
export const DOMAIN_REFUSALS: Readonly<Record<string, readonly string[]>> = { bid: ['bid_too_low'], reserve: ['sold_out', 'limit_exceeded'] };

export interface Tally {
  vusersCreated: number;
  vusersCompleted: number;
  vusersFailed: number;
  /** errors.* counters of Artillery (connection errors, timeouts, failed matches). */
  artilleryErrors: Record<string, number>;
  sent: number;
  ok: Record<string, number>;
  refused: Record<string, Record<string, number>>;
  unanswered: Record<string, number>;
  /** Refusals that are not domain refusals, e.g. rate_limited, bad_request, internal. */
  otherRefusals: Record<string, number>;
  unexpected: number;
  authenticated: number;
  events: Record<string, number>;
}

export function tally(report: ArtilleryReport): Tally {
  const c = report.aggregate.counters;
  const t: Tally = {
    vusersCreated: c['vusers.created'] ?? 0,
    vusersCompleted: c['vusers.completed'] ?? 0,
    vusersFailed: c['vusers.failed'] ?? 0,
    artilleryErrors: {},
    sent: c['websocket.messages_sent'] ?? 0,
    ok: {},
    refused: {},
    unanswered: {},
    otherRefusals: {},
    unexpected: c['haat.unexpected'] ?? 0,
    authenticated: c['haat.authenticated'] ?? 0,
    events: {},
  };
  for (const [name, n] of Object.entries(c)) {
    if (name.startsWith('errors.')) t.artilleryErrors[name.slice(7)] = n;
    let m = /^haat\.(\w+)\.ok$/.exec(name);
    if (m) t.ok[m[1]!] = n;
    m = /^haat\.(\w+)\.refused\.(\w+)$/.exec(name);
    if (m) {
      (t.refused[m[1]!] ??= {})[m[2]!] = n;
      if (!(DOMAIN_REFUSALS[m[1]!] ?? []).includes(m[2]!)) t.otherRefusals[`${m[1]}.${m[2]}`] = n;
    }
    m = /^haat\.unanswered\.(\w+)$/.exec(name);
    if (m) t.unanswered[m[1]!] = n;
    m = /^haat\.events\.(\w+)$/.exec(name);
    if (m) t.events[m[1]!] = n;
  }
  return t;
}

export interface StateCheck {
  auction: { bid_count: number; current_price: number; leader_id: string | null };
  sale: { stock: number; available: number; reserved: number; sold: number };
  bidsAccepted: number;
  reservesAccepted: number;
  /** Every check that failed, in words; empty when all hold. */
  failures: string[];
}

/** Reads the auction and the sale back over REST and compares them with Artillery's counts. */
export async function checkState(port: number, seed: Seed, t: Tally): Promise<StateCheck> {
  const a = await rest(port, 'GET', `/auctions/${seed.auctionId}`);
  const s = await rest(port, 'GET', `/sales/${seed.saleId}`);
  if (a.status !== 200) throw new Error(`GET auctions: ${a.status} ${JSON.stringify(a.body)}`);
  if (s.status !== 200) throw new Error(`GET sales: ${s.status} ${JSON.stringify(s.body)}`);
  const sku = (s.body.skus as Array<{ sku: string; stock: number; available: number; reserved: number; sold: number }>).find((k) => k.sku === seed.sku)!;
  const bidsAccepted = t.ok.bid ?? 0;
  const reservesAccepted = t.ok.reserve ?? 0;
  const failures: string[] = [];
  const unanswered = Object.values(t.unanswered).reduce((x, y) => x + y, 0);
  if (unanswered > 0) failures.push(`${unanswered} requests without an answer (${JSON.stringify(t.unanswered)}): the state cannot match the counts exactly`);
  if (a.body.bid_count !== bidsAccepted) failures.push(`auction bid_count ${a.body.bid_count} != bids accepted by artillery ${bidsAccepted}`);
  if (sku.reserved + sku.sold !== reservesAccepted) failures.push(`sale reserved+sold ${sku.reserved + sku.sold} != reservations accepted by artillery ${reservesAccepted}`);
  if (sku.reserved + sku.sold > sku.stock) failures.push(`oversold: reserved+sold ${sku.reserved + sku.sold} > stock ${sku.stock}`);
  if (sku.available + sku.reserved + sku.sold !== sku.stock) failures.push(`available+reserved+sold ${sku.available + sku.reserved + sku.sold} != stock ${sku.stock}`);
  return {
    auction: { bid_count: a.body.bid_count, current_price: a.body.current_price, leader_id: a.body.leader_id },
    sale: { stock: sku.stock, available: sku.available, reserved: sku.reserved, sold: sku.sold },
    bidsAccepted,
    reservesAccepted,
    failures,
  };
}
