// Markdown tables and the number formats the bench reports use.

export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  // Text in the first column, numbers right-aligned in the rest.
  const rule = headers.map((_, i) => (i === 0 ? '---' : '---:'));
  return [line(headers), line(rule), ...rows.map(line)].join('\n');
}

/** 1234567 -> "1,234,567"; undefined -> "–". */
export function int(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US');
}

export function fixed(n: number | undefined, digits: number): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  // No "-0.00" for tiny negative noise.
  return (Math.abs(n) < 0.5 * 10 ** -digits ? 0 : n).toFixed(digits);
}

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}
