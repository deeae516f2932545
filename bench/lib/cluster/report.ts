// The cluster bench's markdown report: fan-out (with the fixed-rate latency),
// failover, and many connections, each with its targets and whether they
// were met.
import type { FanoutResult } from '../fanout/types.ts';
import { fixed, int, ratio, table } from '../markdown.ts';
import type { ConnectionsResult } from './connections.ts';
import type { FailoverResult } from './failover.ts';

export interface ClusterReport {
  command: string;
  when: string;
  machine: string;
  fanout: FanoutResult[];
  failover?: FailoverResult;
  connections?: ConnectionsResult;
}

const ok = (b: boolean): string => (b ? 'yes' : '**NO**');

function fanoutSection(rs: FanoutResult[]): string[] {
  const lines = ['### Fan-out: N subscribers on one channel, publisher on the first node', ''];
  lines.push(
    table(
      ['deployment', 'N', 'deliveries/s (full speed)', 'publishes/s', 'server CPU µs / delivery (all nodes + Redis)', 'server cores', 'client cores', 'fixed rate publishes/s', 'fixed-rate p50 / p99 / p999 ms', 'fixed-rate server µs / delivery', 'RSS KB / conn (all processes)', 'missing', 'other load cores full / fixed'],
      rs.map((r) =>
        r.ok && r.full && r.fixed
          ? [r.label, int(r.n), int(r.full.deliveries_per_s), fixed(r.full.publishes_per_s, 1), fixed(r.full.server_cpu_us_per_delivery, 2), fixed(r.full.server_cores, 2), fixed(r.full.client_cores, 2), fixed(r.fixed.publishes_per_s, 1), `${r.fixed.latency.p50_ms} / ${r.fixed.latency.p99_ms} / ${r.fixed.latency.p999_ms}`, fixed(r.fixed.server_cpu_us_per_delivery, 2), fixed((r.rss_bytes_per_connection ?? NaN) / 1024, 1), int(r.full.missing_deliveries + r.fixed.missing_deliveries), `${fixed(r.full.other_cores, 2)} / ${fixed(r.fixed.other_cores, 2)}`]
          : [r.label, int(r.n), `FAILED: ${r.error ?? '?'}`, '', '', '', '', '', '', '', '', '', ''],
      ),
    ),
    '',
  );
  const ns = [...new Set(rs.map((r) => r.n))];
  const rows: string[][] = [];
  for (const n of ns) {
    const at = (name: string): FanoutResult | undefined => rs.find((r) => r.n === n && r.target === name && r.ok);
    const c1 = at('cluster-1');
    const c3 = at('cluster-3');
    const uws = at('uws');
    const cpu3to1 = ratio(c3?.full?.server_cpu_us_per_delivery, c1?.full?.server_cpu_us_per_delivery);
    const cpu3to1Fixed = ratio(c3?.fixed?.server_cpu_us_per_delivery, c1?.fixed?.server_cpu_us_per_delivery);
    rows.push([
      int(n),
      fixed(cpu3to1, 2),
      fixed(cpu3to1Fixed, 2),
      fixed(ratio(c3?.full?.deliveries_per_s, c1?.full?.deliveries_per_s), 2),
      fixed(ratio(c1?.full?.server_cpu_us_per_delivery, uws?.full?.server_cpu_us_per_delivery), 2),
      fixed(ratio(c3?.full?.server_cpu_us_per_delivery, uws?.full?.server_cpu_us_per_delivery), 2),
      fixed(ratio(c3?.full?.deliveries_per_s, uws?.full?.deliveries_per_s), 2),
      cpu3to1 === undefined ? '–' : ok(cpu3to1 <= 1.3),
      c3?.fixed ? `${ok(c3.fixed.latency.p99_ms < 100)} (${c3.fixed.latency.p99_ms} ms)` : '–',
    ]);
  }
  lines.push(
    table(['N', '3 nodes ÷ 1 node CPU µs / delivery (full speed)', 'same, fixed rate', '3 ÷ 1 node deliveries/s', '1 node ÷ raw uWS CPU / delivery', '3 nodes ÷ raw uWS CPU / delivery', '3 nodes ÷ raw uWS deliveries/s', '3 ÷ 1 CPU ≤ 1.3', '3 nodes p99 < 100 ms at half peak'], rows),
    '',
  );
  return lines;
}

function failoverSection(f: FailoverResult): string[] {
  const lines = ['### Failover: kill -9 of one of 3 nodes mid-stream', ''];
  if (!f.ok) return [...lines, `FAILED: ${f.error ?? '?'}`, ''];
  lines.push(
    table(
      ['channels (killed node owned)', 'subscribers (on survivors)', 'acked publishes (after the kill)', 'attempts / timeouts / late errors', 'errors after the kill: its channels / others (last, ms after the kill)', 'kill → acked again, first / median / max ms', 'unrecovered channels', 'kill → last failed attempt on its channels ms', 'longest ack gap on other channels ms', 'lost', 'duplicates', 'out of order', 'unacked events', 'republished', 'ack mismatches', 'epoch changes'],
      [[`${f.channels} (${f.victim_channels})`, int(f.subscribers), `${int(f.publishes_acked)} (${int(f.publishes_acked_after_kill)})`, `${int(f.attempts)} / ${int(f.timeouts)} / ${int(f.late_errors)}`, `${JSON.stringify(f.errors_after_kill.victim)} / ${JSON.stringify(f.errors_after_kill.others)} (${int(f.errors_after_kill.last_ms)})`, `${int(f.recovery_ms.first)} / ${int(f.recovery_ms.median)} / ${int(f.recovery_ms.max)}`, int(f.recovery_ms.unrecovered), int(f.last_failure_ms), int(f.other_channels_max_ack_gap_ms), int(f.lost), int(f.duplicates), int(f.out_of_order), int(f.unacked_events), int(f.republished), int(f.ack_mismatches), int(f.epoch_changes)]],
    ),
    '',
    table(
      ['check', 'target', 'measured', 'met'],
      [
        ['kill → publishes to its channels acknowledged again (slowest channel)', '< 5 s', `${fixed(f.recovery_ms.max / 1000, 2)} s`, ok(f.recovery_ms.max < 5000 && f.recovery_ms.unrecovered === 0)],
        ['kill → its channel actors answer again (a join of each of its channels, slowest channel; failed attempts before)', '< 5 s', `${fixed(f.actor_recovery_ms.max / 1000, 2)} s (first ${fixed(f.actor_recovery_ms.first / 1000, 2)} s; ${int(f.actor_recovery_ms.failed_attempts)} failed)`, ok(f.actor_recovery_ms.max < 5000 && f.actor_recovery_ms.unrecovered === 0)],
        ['kill → every publish to its channels acknowledged at the first attempt (no error or timeout after this)', '–', `${fixed(f.last_failure_ms / 1000, 2)} s`, '–'],
        ['acknowledged publishes lost (every acked offset at every subscriber, once, in order)', '0', `${int(f.lost)} lost, ${int(f.duplicates)} duplicated, ${int(f.out_of_order)} out of order`, ok(f.lost === 0 && f.duplicates === 0 && f.out_of_order === 0)],
      ],
    ),
    '',
  );
  return lines;
}

function connectionsSection(c: ConnectionsResult): string[] {
  const lines = [`### ${int(c.requested)} connections over ${c.nodes} nodes, all on one channel`, ''];
  if (!c.ok) lines.push(`FAILED: ${c.error ?? '?'}`, '');
  if (Number.isNaN(c.connect_s)) return lines;
  lines.push(
    table(
      ['N', 'nodes', 'client processes', 'source addresses', 'connect s (from the first connection)', 'connects/s', 'failed', 'one publish → all clients p50 / p99 / last ms (reached; repeats, duplicates, gaps, epoch changes)', 'hold s', 'ready after hold', 'closed by server', 'drops (N − ready)', 'ping p99 ms'],
      [[int(c.requested), int(c.nodes), int(c.client_processes), int(c.source_addresses), `${fixed(c.connect_s, 1)} (${fixed(c.ramp_s, 1)})`, int(c.connects_per_s), int(c.failed), c.one_publish ? `${c.one_publish.p50_ms} / ${c.one_publish.p99_ms} / ${c.one_publish.max_ms} (${int(c.one_publish.reached)}; ${c.one_publish.repeats ?? '–'}, ${c.one_publish.duplicates ?? '–'}, ${c.one_publish.gaps ?? '–'}, ${c.one_publish.epoch_changes ?? '–'})` : '–', fixed(c.hold_s, 0), int(c.ready_after_hold), `${int(c.server_closed)}${Object.keys(c.close_codes).length ? ` ${JSON.stringify(c.close_codes)}` : ''}`, int(c.drops), c.ping ? String(c.ping.p99_ms) : '–']],
    ),
    '',
  );
  if (c.memory.length > 0) {
    lines.push(
      table(
        ['node', 'connections after ramp / hold', 'RSS empty MB', 'RSS after ramp MB', 'RSS after hold MB', 'KB / conn after ramp', 'KB / conn after hold', 'JS heap used empty / ramp / hold MB'],
        c.memory.map((m) => [m.node === c.channel_owner ? `${m.node} (owns the channel actor)` : m.node, `${int(m.connections_ramp)} / ${int(m.connections_hold)}`, fixed(m.rss_empty_bytes / 2 ** 20, 1), fixed(m.rss_ramp_bytes / 2 ** 20, 1), fixed(m.rss_hold_bytes / 2 ** 20, 1), fixed(m.per_conn_ramp_bytes / 1024, 2), fixed(m.per_conn_hold_bytes / 1024, 2), [m.heap_empty_bytes, m.heap_ramp_bytes, m.heap_hold_bytes].map((b) => fixed((b ?? NaN) / 2 ** 20, 1)).join(' / ')]),
      ),
      '',
    );
    const maxRamp = Math.max(...c.memory.map((m) => m.per_conn_ramp_bytes));
    const maxHold = Math.max(...c.memory.map((m) => m.per_conn_hold_bytes));
    lines.push(
      table(
        ['check', 'target', 'measured (worst node)', 'met'],
        [
          ['all connect and stay connected', `${int(c.requested)}`, `${int(c.ready_after_ramp)} after the ramp, ${int(c.ready_after_hold)} after the hold`, ok(c.failed === 0 && c.drops === 0)],
          ['RSS per connection right after the ramp', '≤ 3 KB', `${fixed(maxRamp / 1024, 2)} KB`, ok(maxRamp <= 3072)],
          [`RSS per connection after the ${fixed(c.hold_s, 0)} s hold`, '≤ 2 KB', `${fixed(maxHold / 1024, 2)} KB`, ok(maxHold <= 2048)],
        ],
      ),
      '',
    );
  }
  return lines;
}

export function clusterMarkdown(r: ClusterReport): string {
  const lines = ['## Cluster', '', `\`${r.command}\` — ${r.when}, ${r.machine}`, ''];
  if (r.fanout.length > 0) lines.push(...fanoutSection(r.fanout));
  if (r.failover) lines.push(...failoverSection(r.failover));
  if (r.connections) lines.push(...connectionsSection(r.connections));
  return `${lines.join('\n')}\n`;
}
