// Reads gauges from a node's Prometheus endpoint (GET /metrics): the JS heap
// of another process is not in /proc, but haat exports prom-client's default
// metrics (haat_process_nodejs_heap_size_used_bytes, ...).
export async function scrapeGauges(host: string, port: number, names: readonly string[], timeoutMs = 5000): Promise<Record<string, number | undefined>> {
  const res = await fetch(`http://${host}:${port}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  const text = await res.text();
  const out: Record<string, number | undefined> = {};
  for (const name of names) {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
    out[name] = m ? Number(m[1]) : undefined;
  }
  return out;
}

export const HEAP_USED = 'haat_process_nodejs_heap_size_used_bytes';
export const HEAP_TOTAL = 'haat_process_nodejs_heap_size_total_bytes';
export const CONNECTIONS = 'haat_connections';
