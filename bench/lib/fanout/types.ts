// The shape of fan-out results (what goes into fanout-*.json).
import type { LatencySummary } from '../histogram.ts';

export interface PhaseResult {
  mode: 'full-speed' | 'fixed-rate';
  /** Publishes per second asked for (fixed-rate only). */
  target_publishes_per_s?: number;
  measured_s: number;
  publishes_per_s: number;
  deliveries_per_s: number;
  latency: LatencySummary;
  /** Server CPU time (user + system, all threads) per delivery. */
  server_cpu_us_per_delivery: number;
  /** Server CPU time per wall second: 1.0 = one core busy. */
  server_cores: number;
  /** The same for the load generator (harness, publisher and client threads). */
  client_cpu_us_per_delivery: number;
  client_cores: number;
  /** Whole-machine busy cores (user, nice, system, irq, softirq). */
  machine_cores: number;
  /** The softirq part (loopback TCP work; partly also counted in the processes it interrupted). */
  softirq_cores: number;
  /** machine − server − clients: other processes on the machine plus softirq outside them; ~0 on a quiet machine. */
  other_cores: number;
  /** Deliveries still missing when the drain deadline passed. */
  missing_deliveries: number;
  publish_rejections: number;
  stalled: boolean;
}

export interface FanoutResult {
  target: string;
  label: string;
  n: number;
  ok: boolean;
  error?: string;
  connect_s?: number;
  source_addresses?: number;
  rss_before_bytes?: number;
  rss_after_bytes?: number;
  rss_bytes_per_connection?: number;
  frame_bytes?: number;
  full?: PhaseResult;
  fixed?: PhaseResult;
}
