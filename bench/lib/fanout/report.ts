// The fan-out results as markdown: one row per target and N, then haat's
// ratios against the baselines and the targets of DESIGN.md §4.
import { fixed, int, ratio, table } from '../markdown.ts';
import type { FanoutResult } from './types.ts';

/** "Other load" (machine busy − server − clients) above this means something else competed for the cores. */
const OTHER_LOAD_WARNING = 0.3;

export interface Skipped {
  n: number;
  reason: string;
}

export function fanoutMarkdown(results: readonly FanoutResult[], skipped: readonly Skipped[], meta: { command: string; when: string; machine: string }): string {
  const out: string[] = [`Fan-out, ${meta.when}, ${meta.machine}`, '', `\`${meta.command}\``, ''];
  const rows = results.map((r) => {
    if (!r.ok || !r.full || !r.fixed) return [r.label, int(r.n), `failed: ${(r.error ?? 'unknown').split('\n')[0]}`, ...Array<string>(11).fill('')];
    const { full, fixed: rate } = r;
    return [
      r.label,
      int(r.n),
      int(full.deliveries_per_s),
      fixed(full.publishes_per_s, 1),
      `${fixed(full.latency.p50_ms, 1)} / ${fixed(full.latency.p99_ms, 1)}`,
      fixed(full.server_cpu_us_per_delivery, 2),
      `${fixed(full.server_cores, 2)} / ${fixed(full.client_cores, 2)}`,
      fixed(rate.publishes_per_s, 1),
      `${fixed(rate.latency.p50_ms, 1)} / ${fixed(rate.latency.p99_ms, 1)} / ${fixed(rate.latency.p999_ms, 1)}`,
      `${fixed(rate.server_cores, 2)} / ${fixed(rate.client_cores, 2)}`,
      fixed((r.rss_bytes_per_connection ?? NaN) / 1024, 1),
      int(r.frame_bytes),
      int(full.missing_deliveries + rate.missing_deliveries),
      `${fixed(full.other_cores, 2)} / ${fixed(rate.other_cores, 2)}`,
    ];
  });
  out.push(
    table(
      [
        'target',
        'N',
        'deliveries/s (full speed)',
        'publishes/s',
        'full-speed p50 / p99 ms',
        'server CPU µs / delivery',
        'cores server / clients',
        'fixed rate publishes/s',
        'fixed-rate p50 / p99 / p999 ms',
        'fixed-rate cores server / clients',
        'server RSS KB / conn',
        'frame bytes',
        'missing',
        'other load cores full / fixed',
      ],
      rows,
    ),
  );
  const busy = results.filter((r) => Math.max(r.full?.other_cores ?? 0, r.fixed?.other_cores ?? 0) > OTHER_LOAD_WARNING);
  if (busy.length > 0) {
    out.push('', `Other load above ${OTHER_LOAD_WARNING} cores during: ${busy.map((r) => `${r.label} N=${r.n}`).join(', ')}; those rows are unreliable (rerun on a quiet machine).`);
  }

  for (const r of results) {
    for (const phase of [r.full, r.fixed]) {
      if (!phase) continue;
      if (phase.stalled) out.push('', `${r.label} N=${r.n} ${phase.mode}: deliveries stopped progressing; the phase ended early.`);
      if (phase.publish_rejections > 0) out.push('', `${r.label} N=${r.n} ${phase.mode}: ${phase.publish_rejections} publishes rejected (rate limit? try more --publishers).`);
    }
  }

  const ns = [...new Set(results.map((r) => r.n))];
  const find = (target: string, n: number): FanoutResult | undefined => results.find((r) => r.target === target && r.n === n && r.ok);
  const ratioRows = ns.flatMap((n) => {
    const haat = find('haat', n);
    if (!haat) return [];
    const uws = find('uws', n);
    const sio = find('socketio', n);
    const vsUws = ratio(haat.full?.deliveries_per_s, uws?.full?.deliveries_per_s);
    const vsSio = ratio(haat.full?.deliveries_per_s, sio?.full?.deliveries_per_s);
    const p99 = haat.fixed?.latency.p99_ms;
    const verdict = (ok: boolean | undefined): string => (ok === undefined ? '–' : ok ? 'yes' : 'NO');
    return [
      [
        int(n),
        fixed(vsUws, 2),
        fixed(vsSio, 2),
        fixed(ratio(haat.full?.server_cpu_us_per_delivery, uws?.full?.server_cpu_us_per_delivery), 2),
        fixed(ratio(haat.full?.server_cpu_us_per_delivery, sio?.full?.server_cpu_us_per_delivery), 2),
        verdict(vsUws === undefined ? undefined : vsUws >= 0.7),
        verdict(vsSio === undefined ? undefined : vsSio >= 5),
        verdict(p99 === undefined ? undefined : p99 < 100),
      ],
    ];
  });
  if (ratioRows.length > 0) {
    out.push(
      '',
      table(['N', 'haat / uWS deliveries/s', 'haat / Socket.IO deliveries/s', 'haat / uWS server µs per delivery', 'haat / Socket.IO server µs per delivery', '≥ 0.70 of uWS', '≥ 5x Socket.IO', 'p99 < 100 ms at half peak'], ratioRows),
    );
  }
  for (const s of skipped) out.push('', `Skipped N=${s.n}: ${s.reason}`);
  return `${out.join('\n')}\n`;
}
