// Latency histograms in microseconds. hdr-histogram-js costs ~150 ns per
// recordValue here, a real share of a client's ~2 µs per message, so the hot
// path counts exact microseconds in a flat array and folds them into the HDR
// histogram only when asked for it.
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** Values below this (1.05 s) are counted exactly in the flat array. */
const FLAT_RANGE_US = 1 << 20;

export function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

export class LatencyRecorder {
  private flat = new Uint32Array(FLAT_RANGE_US);
  private flatCount = 0;
  private hist = newHistogram();

  record(us: number): void {
    const v = us < 0 ? 0 : Math.round(us);
    if (v < FLAT_RANGE_US) {
      this.flat[v]!++;
      this.flatCount++;
    } else {
      this.hist.recordValue(v);
    }
  }

  reset(): void {
    this.flat.fill(0);
    this.flatCount = 0;
    this.hist.reset();
  }

  /** The recorded values as an HDR histogram (the flat counts are moved into it). */
  histogram(): Histogram {
    if (this.flatCount > 0) {
      for (let v = 0; v < FLAT_RANGE_US; v++) {
        const n = this.flat[v]!;
        if (n !== 0) this.hist.recordValueWithCount(v, n);
      }
      this.flat.fill(0);
      this.flatCount = 0;
    }
    return this.hist;
  }
}

/** Histograms cross thread boundaries as compressed base64 strings. */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function mergeEncoded(encoded: readonly string[]): Histogram {
  const out = newHistogram();
  for (const e of encoded) out.add(hdr.decodeFromCompressedBase64(e));
  return out;
}

export interface LatencySummary {
  count: number;
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
}

export function summarize(h: Histogram): LatencySummary {
  const ms = (us: number): number => Math.round(us) / 1000;
  return {
    count: h.totalCount,
    p50_ms: ms(h.getValueAtPercentile(50)),
    p99_ms: ms(h.getValueAtPercentile(99)),
    p999_ms: ms(h.getValueAtPercentile(99.9)),
    max_ms: ms(h.maxValue),
  };
}
