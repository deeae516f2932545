// A tiny dependency-free SVG line chart: a few series over a shared x axis,
// each scaled to one y axis from 0, for result files a reader can open in a
// browser or a markdown viewer.
export interface Series {
  name: string;
  color: string;
  points: ReadonlyArray<readonly [number, number]>;
}

export function lineChartSvg(opts: { title: string; xLabel: string; yLabel: string; series: readonly Series[]; width?: number; height?: number }): string {
  const W = opts.width ?? 720;
  const H = opts.height ?? 360;
  const m = { l: 60, r: 20, t: 40, b: 50 };
  const all = opts.series.flatMap((s) => s.points);
  const xMax = Math.max(1e-9, ...all.map((p) => p[0]));
  const yMaxRaw = Math.max(1e-9, ...all.map((p) => p[1]));
  // A round y maximum: 1, 2 or 5 × 10^k above the data.
  const pow = 10 ** Math.floor(Math.log10(yMaxRaw));
  const yMax = [1, 2, 5, 10].map((f) => f * pow).find((v) => v >= yMaxRaw * 1.05) ?? 10 * pow;
  const x = (v: number): number => m.l + (v / xMax) * (W - m.l - m.r);
  const y = (v: number): number => H - m.b - (v / yMax) * (H - m.t - m.b);
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(opts.title)}</text>`,
  ];
  for (let k = 0; k <= 5; k++) {
    const v = (yMax * k) / 5;
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${m.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Number(v.toPrecision(3))}</text>`);
    const xv = (xMax * k) / 5;
    out.push(`<text x="${x(xv).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle">${Number(xv.toPrecision(3))}</text>`);
  }
  out.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="black"/>`, `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="black"/>`);
  out.push(`<text x="${W / 2}" y="${H - 12}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  out.push(`<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">${esc(opts.yLabel)}</text>`);
  opts.series.forEach((s, i) => {
    const d = s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<rect x="${m.l + 10 + i * 160}" y="${m.t - 4}" width="12" height="3" fill="${s.color}"/><text x="${m.l + 26 + i * 160}" y="${m.t}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
