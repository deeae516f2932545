// Admin and stats across the cluster (PROTOCOL.md §10): this node answers for
// itself and asks every other live node (control requests through their
// mailboxes), waiting at most timeoutMs for each. A node that does not answer
// in time is named in the answer (`unanswered`) rather than failing the call:
// an operator disconnecting an abuser wants the connections that could be
// closed closed now.
import type { Logger } from 'pino';
import { HaatError } from '../errors.ts';
import type { ConnectionPage, ControlRequest, LocalNode, NodeStats } from './node-control.ts';
import { mergeSnapshots, type AnalyticsSnapshot } from '../metrics/analytics.ts';

export interface ClusterAdminDeps {
  nodeId: string;
  local: LocalNode;
  /** Other live (alive or suspect) nodes, by id. */
  peers: () => string[];
  ask: (node: string, request: ControlRequest, timeoutMs: number) => Promise<unknown>;
  timeoutMs: number;
  logger: Logger;
}

export interface ClusterStats {
  /** Sums over the nodes that answered (this one included). */
  connections: number;
  /** Channels with subscribers, counted once per node they have subscribers on. */
  channels: number;
  messages_in_per_s: number;
  messages_out_per_s: number;
  /** The busiest answering node's CPU (0..1). */
  cpu_max: number;
  /** The answering nodes' analytics summed (derived figures such as p99 and drop rate computed from the sums). */
  analytics: AnalyticsSnapshot | null;
  nodes: NodeStats[];
  unanswered: string[];
}

interface Cursor {
  /** Node id of the page's first connection. */
  n: string;
  /** Offset on that node. */
  o: number;
}

export class ClusterAdmin {
  constructor(private readonly d: ClusterAdminDeps) {}

  /** Closes the target's connections on every node (4003); the count is cluster-wide. */
  async disconnect(target: { user_id?: string | undefined; session_id?: string | undefined }, reason: string, by?: string): Promise<{ disconnected: number; unanswered: string[] }> {
    let disconnected = this.d.local.disconnect(target, reason, by);
    const req: ControlRequest = { op: 'disconnect', reason, ...defined({ user_id: target.user_id, session_id: target.session_id, by }) };
    const unanswered: string[] = [];
    await Promise.all(
      this.d.peers().map(async (node) => {
        const v = await this.askPeer(node, req);
        const n = (v as { disconnected?: unknown } | undefined)?.disconnected;
        if (typeof n === 'number') disconnected += n;
        else unanswered.push(node);
      }),
    );
    return { disconnected, unanswered: unanswered.sort() };
  }

  /** Signed-in users connected anywhere in the cluster, sorted and distinct, after `after`, at most `limit` (nodes that do not answer are left out). */
  async usersAfter(after: string | null, limit: number): Promise<string[]> {
    const lists = [this.d.local.usersAfter(after, limit)];
    await Promise.all(
      this.d.peers().map(async (node) => {
        const v = (await this.askPeer(node, { op: 'users', after, limit })) as { users?: unknown } | undefined;
        if (Array.isArray(v?.users)) lists.push(v.users.filter((u): u is string => typeof u === 'string'));
      }),
    );
    return [...new Set(lists.flat())].sort().slice(0, limit);
  }

  async stats(): Promise<ClusterStats> {
    const nodes = [this.d.local.stats()];
    const unanswered: string[] = [];
    await Promise.all(
      this.d.peers().map(async (node) => {
        const v = (await this.askPeer(node, { op: 'stats' })) as NodeStats | undefined;
        if (v && typeof v.connections === 'number') nodes.push(v);
        else unanswered.push(node);
      }),
    );
    nodes.sort((a, b) => a.node.localeCompare(b.node));
    const sum = (f: (s: NodeStats) => number): number => nodes.reduce((acc, s) => acc + f(s), 0);
    return {
      connections: sum((s) => s.connections),
      channels: sum((s) => s.channels),
      messages_in_per_s: sum((s) => s.messages_in_per_s),
      messages_out_per_s: sum((s) => s.messages_out_per_s),
      cpu_max: nodes.reduce((m, s) => Math.max(m, typeof s.cpu === 'number' ? s.cpu : 0), 0),
      analytics: mergeSnapshots(nodes.flatMap((s) => (s.analytics && typeof s.analytics === 'object' ? [s.analytics] : []))),
      // Per node without its analytics (the sum above has them); the admin page asks a node for its own.
      nodes: nodes.map(({ analytics: _analytics, ...rest }) => rest),
      unanswered: unanswered.sort(),
    };
  }

  /**
   * One page of every node's connections: node by node in id order, each in
   * the order its connections opened. The cursor names a node and an offset
   * on it, so a page never repeats one shown before while nodes keep theirs.
   */
  async connections(cursor: string | undefined, limit: number): Promise<{ connections: object[]; next_cursor: string | null; unanswered: string[] }> {
    const nodes = [this.d.nodeId, ...this.d.peers()].sort();
    const at = cursor === undefined || cursor === '' ? { n: nodes[0]!, o: 0 } : decodeCursor(cursor);
    // A node of the cursor that has gone since: go on with the next one by id.
    let i = nodes.findIndex((n) => n >= at.n);
    let from = nodes[i] === at.n ? at.o : 0;
    const out: object[] = [];
    const unanswered: string[] = [];
    while (i >= 0 && i < nodes.length) {
      const node = nodes[i]!;
      const page = await this.pageOf(node, from, limit - out.length);
      if (page === undefined) unanswered.push(node);
      else {
        for (const item of page.items) out.push({ node, ...item });
        if (page.next !== null) return { connections: out, next_cursor: encodeCursor({ n: node, o: page.next }), unanswered };
      }
      i++;
      from = 0;
      if (out.length >= limit) break;
    }
    const next = i >= 0 && i < nodes.length ? encodeCursor({ n: nodes[i]!, o: 0 }) : null;
    return { connections: out, next_cursor: next, unanswered };
  }

  private async pageOf(node: string, from: number, limit: number): Promise<ConnectionPage | undefined> {
    if (node === this.d.nodeId) return this.d.local.listConnections(from, limit);
    const v = (await this.askPeer(node, { op: 'connections', from, limit })) as ConnectionPage | undefined;
    return v && Array.isArray(v.items) ? v : undefined;
  }

  /** The peer's answer, or undefined (logged) when it did not answer in time or failed. */
  private async askPeer(node: string, req: ControlRequest): Promise<unknown> {
    try {
      return await this.d.ask(node, req, this.d.timeoutMs);
    } catch (err) {
      this.d.logger.warn({ node, op: req.op, err: (err as Error).message }, 'a node did not answer a control request');
      return undefined;
    }
  }
}

function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new HaatError('bad_request', 'bad `cursor`');
  }
  const c = v as Partial<Cursor> | null;
  if (typeof c !== 'object' || c === null || typeof c.n !== 'string' || !Number.isInteger(c.o) || (c.o as number) < 0) throw new HaatError('bad_request', 'bad `cursor`');
  return { n: c.n, o: c.o as number };
}
