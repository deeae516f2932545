// Reads another process's CPU time and memory from /proc (Linux), so that a
// server can be measured without any hook inside it.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let clockTicks: number | undefined;

/** Kernel clock ticks per second (USER_HZ) that /proc/PID/stat counts in. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    const raw = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`getconf CLK_TCK printed ${JSON.stringify(raw)}`);
    clockTicks = n;
  }
  return clockTicks;
}

/** utime + stime of all threads of `pid`, in microseconds (resolution 1/CLK_TCK s). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot parse /proc/${pid}/stat`);
  return ((utime + stime) * 1e6) / ticksPerSecond();
}

/** Resident set size of `pid` in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** The limits on open files of this process or of `pid` (`ulimit -n` / `ulimit -Hn`; children inherit them). */
export function openFileLimits(pid: number | 'self' = 'self'): { soft: number; hard: number } {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  if (!m) throw new Error(`no "Max open files" in /proc/${pid}/limits`);
  const value = (s: string): number => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s));
  return { soft: value(m[1]!), hard: value(m[2]!) };
}

export interface MachineCpu {
  /** Busy time summed over all cores: user, nice, system, irq, softirq (not idle, iowait or steal). */
  busyMicros: number;
  /** The softirq share of it: on loopback, much of TCP's work runs there and is charged to no process. */
  softirqMicros: number;
}

/** Machine-wide CPU time from the first line of /proc/stat. */
export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number);
  if (![user, nice, system, irq, softirq].every((v) => v !== undefined && Number.isFinite(v))) throw new Error(`cannot parse /proc/stat: ${line}`);
  const us = (ticks: number): number => (ticks * 1e6) / ticksPerSecond();
  return { busyMicros: us(user! + nice! + system! + irq! + softirq!), softirqMicros: us(softirq!) };
}
