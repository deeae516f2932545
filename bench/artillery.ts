// Artillery against haat (issue 19, "Real clients"): a load tool nobody here
// wrote, with its own WebSocket engine, runs bench/artillery/storefront.yml
// (connect with a token, join a product, an auction and a sale channel, three
// bids, one reserve, a ping) against one haat node for a fixed duration.
// Afterwards the auction's bid_count and the sale's reserved + sold are read
// back over REST and must equal what Artillery counted as accepted (no lost
// or invented bid, no oversell), and every request must have had its answer.
//   npm run bench:artillery -- --duration=30 --rate=10 --stock=150
import { join } from 'node:path';
import { benchFlags, intFlag, runBench } from './lib/args.ts';
import { ARTILLERY_VERSION, artilleryCommand, checkState, KINDS, runArtillery, seedCommerce, tally } from './lib/artillery.ts';
import { fixed, int, table } from './lib/markdown.ts';
import { cpuMicros } from './lib/proc-stats.ts';
import { progress } from './lib/progress.ts';
import { RESULTS_DIR, writeResults } from './lib/results.ts';
import { commandLine, deadline, machine, startHaat } from './lib/sessions.ts';

const FLAGS = ['duration', 'rate', 'stock', 'deadline-s', 'help'];
const USAGE = `usage: npm run bench:artillery -- [flags]
  --duration=30      seconds of arrivals (Artillery phase duration)
  --rate=10          new virtual users per second (each: join, 3 bids, 1 reserve, 1 ping)
  --stock=150        units of the sale's one SKU (per_user_limit 1: fewer than users, so it sells out)
  --deadline-s=600   backstop for the whole run (the first run also downloads artillery@${ARTILLERY_VERSION} with npx)`;

runBench('bench:artillery', USAGE, async () => {
  const flags = benchFlags(FLAGS, USAGE);
  if (!flags) return;
  const o = { duration: intFlag(flags, 'duration', 30), rate: intFlag(flags, 'rate', 10), stock: intFlag(flags, 'stock', 150) };
  deadline('artillery', intFlag(flags, 'deadline-s', 600));
  const tag = 'artillery';
  const via = artilleryCommand().via;
  progress(tag, `artillery via ${via}`);
  const server = await startHaat();
  try {
    progress(tag, `haat on port ${server.port}; seeding an auction and a sale (${o.stock} units)`);
    const seed = await seedCommerce(server.port, { stock: o.stock });
    const cpu0 = cpuMicros(server.pid);
    progress(tag, `running storefront.yml for ${o.duration} s at ${o.rate} users/s`);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const reportPath = join(RESULTS_DIR, `artillery-report-${stamp}.json`);
    const run = await runArtillery({ port: server.port, scenario: 'storefront.yml', seed, outputJson: reportPath, duration: o.duration, arrivalRate: o.rate, onOutput: (s) => process.stderr.write(s) });
    const serverCpuS = (cpuMicros(server.pid) - cpu0) / 1e6;
    const t = tally(run.report);
    const state = await checkState(server.port, seed, t);
    if (Object.keys(t.artilleryErrors).length > 0) state.failures.push(`artillery errors: ${JSON.stringify(t.artilleryErrors)}`);
    if (Object.keys(t.otherRefusals).length > 0) state.failures.push(`refusals other than the domain's: ${JSON.stringify(t.otherRefusals)}`);
    if (t.vusersFailed > 0) state.failures.push(`${t.vusersFailed} virtual users failed`);
    const meta = { command: commandLine('bench:artillery'), when: new Date().toISOString(), machine: machine(), artillery: via, version: ARTILLERY_VERSION };
    const result = { meta, options: o, seed, tally: t, state, artilleryExitCode: run.exitCode, artillerySeconds: run.seconds, serverCpuSeconds: serverCpuS, report: reportPath };
    const md = markdown(result, run.report.aggregate.summaries);
    const paths = writeResults('artillery', result, md);
    process.stdout.write(md);
    progress(tag, `wrote ${paths.latestMd}, ${paths.json} and Artillery's own report ${reportPath}`);
    if (state.failures.length > 0 || run.exitCode !== 0) process.exitCode = 1;
  } finally {
    await server.stop();
  }
});

function markdown(r: any, summaries: Record<string, { p50: number; p95: number; p99: number; max: number; count: number }>): string {
  const t = r.tally as ReturnType<typeof tally>;
  const lines = [
    `## Artillery ${ARTILLERY_VERSION} (engine ws) against one haat node: ${r.options.duration} s at ${r.options.rate} users/s`,
    '',
    `\`${r.meta.command}\` — ${r.meta.when}, ${r.meta.machine}; artillery via \`${r.meta.artillery}\`, exit code ${r.artilleryExitCode}, ${fixed(r.artillerySeconds, 1)} s; haat CPU ${fixed(r.serverCpuSeconds, 2)} s`,
    '',
    `Virtual users: ${int(t.vusersCreated)} created, ${int(t.vusersCompleted)} completed, ${int(t.vusersFailed)} failed; frames sent ${int(t.sent)}; Artillery errors ${Object.keys(t.artilleryErrors).length === 0 ? 'none' : JSON.stringify(t.artilleryErrors)}.`,
    '',
  ];
  const rows = KINDS.map((k) => {
    const s = summaries[`haat.answer_ms.${k}`];
    const refused = Object.entries(t.refused[k] ?? {}).map(([code, n]) => `${code} ${int(n)}`).join(', ') || '–';
    return [k, int(t.ok[k] ?? 0), refused, int(t.unanswered[k] ?? 0), s ? `${fixed(s.p50, 1)} / ${fixed(s.p95, 1)} / ${fixed(s.p99, 1)} / ${fixed(s.max, 1)}` : '–'];
  });
  lines.push(table(['frame', 'answered ok', 'refused (code n)', 'unanswered', 'answer ms p50 / p95 / p99 / max'], rows), '');
  lines.push(`Events received: ${Object.entries(t.events).map(([k, n]) => `${k} ${int(n)}`).join(', ') || 'none'}.`, '');
  const st = r.state;
  lines.push(
    table(
      ['check over REST', 'server', 'artillery', 'holds'],
      [
        ['auction bid_count', int(st.auction.bid_count), `${int(st.bidsAccepted)} bids accepted`, st.auction.bid_count === st.bidsAccepted ? 'yes' : 'NO'],
        ['sale reserved + sold', `${int(st.sale.reserved)} + ${int(st.sale.sold)}`, `${int(st.reservesAccepted)} reservations accepted`, st.sale.reserved + st.sale.sold === st.reservesAccepted ? 'yes' : 'NO'],
        ['no oversell', `${int(st.sale.reserved + st.sale.sold)} of ${int(st.sale.stock)} (available ${int(st.sale.available)})`, '', st.sale.reserved + st.sale.sold <= st.sale.stock ? 'yes' : 'NO'],
      ],
    ),
    '',
    st.failures.length === 0 ? 'All checks hold.' : `FAILED: ${st.failures.join('; ')}`,
    '',
  );
  return `${lines.join('\n')}\n`;
}
