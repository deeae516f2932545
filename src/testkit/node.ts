// Starts a real node in-process on port 0 for black-box tests.
import { SignJWT } from 'jose';
import { loadConfig } from '../config/load.ts';
import { pino } from 'pino';
import { silentLogger } from '../log/logger.ts';
import { startNode, type NodeOptions, type RunningNode } from '../node.ts';
import { TestClient } from './ws-client.ts';

export const TEST_SECRET = 'test-secret-of-haat';

export interface TestNode extends RunningNode {
  url: (query?: Record<string, string>) => string;
  http: (path: string) => string;
  connect: (query?: Record<string, string>) => Promise<TestClient>;
}

export async function startTestNode(overrides: Record<string, unknown> = {}, opts: NodeOptions = {}): Promise<TestNode> {
  const config = loadConfig({
    env: { PORT: '0', HAAT_JWT_SECRET: TEST_SECRET, HAAT_NODE_ID: 'n-test' },
    overrides: { server: { host: '127.0.0.1' }, actors: { workers: 1 }, ...overrides },
  });
  // HAAT_TEST_LOG=FILE: the test nodes' logs (warn and up, or HAAT_TEST_LOG_LEVEL) go to FILE, for chasing a flaky test.
  const logFile = process.env.HAAT_TEST_LOG;
  const logger = logFile ? pino({ level: process.env.HAAT_TEST_LOG_LEVEL ?? 'warn' }, pino.destination({ dest: logFile, append: true, sync: true })) : silentLogger();
  const node = await startNode(config, logger, { defaultMetrics: false, ...opts });
  const url = (query: Record<string, string> = {}): string => {
    const q = new URLSearchParams(query).toString();
    return `ws://127.0.0.1:${node.port}/ws${q ? `?${q}` : ''}`;
  };
  return {
    ...node,
    url,
    http: (path) => `http://127.0.0.1:${node.port}${path}`,
    connect: (query) => TestClient.connect(url(query)),
  };
}

export function token(claims: { sub?: string; roles?: string[]; channels?: string[]; lang?: string; channel?: string }, opts: { secret?: string; expiresIn?: string | number } = {}): Promise<string> {
  const { sub, ...rest } = claims;
  const jwt = new SignJWT(rest).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(opts.expiresIn ?? '1h');
  if (sub !== undefined) jwt.setSubject(sub);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? TEST_SECRET));
}

/** A connection of user `sub` (with `roles`, customer by default) to a test node. */
export async function connectAs(node: TestNode, sub: string, roles: string[] = ['customer']): Promise<TestClient> {
  return node.connect({ token: await token({ sub, roles }) });
}

/** The value of one series of the node's GET /metrics (`name` or `name{labels}` as printed), 0 when absent. */
export async function metricValue(node: TestNode, series: string): Promise<number> {
  const text = await (await fetch(node.http('/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}
