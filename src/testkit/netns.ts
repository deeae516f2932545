// A network namespace joined to the host by a veth pair, its link shaped by a
// `tbf` qdisc in both directions: a slow mobile link for tests. Needs root
// (CAP_NET_ADMIN); when that is missing it throws saying so, and the test fails.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';

export interface ShapedNamespace {
  name: string;
  /** The host's address on the link (what the namespace connects to). */
  hostIp: string;
  /** Spawns `cmd args` inside the namespace. */
  spawn(cmd: string, args: string[]): ChildProcess;
  remove(): void;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function tc(args: string[]): void {
  execFileSync('tc', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

// Namespaces made by this process: each one's name and subnet must differ
// from the others still alive (a random id collided about once in 250 runs
// of a file that makes two: `ip netns add` refused with "File exists").
let made = 0;

export function createShapedNamespace(opts: { rateKbit: number }): ShapedNamespace {
  made++;
  const id = ((process.pid + made) % 249) + 1;
  const tag = `${process.pid % 10_000}${made}`;
  const name = `haat2g${tag}`;
  const hostIf = `h2g${tag}`;
  const nsIf = `n2g${tag}`;
  const net = `10.${randomInt(200, 250)}.${id}`;
  const hostIp = `${net}.1`;
  const nsIp = `${net}.2`;
  const steps: string[][] = [];
  const remove = (): void => {
    for (const cmd of [
      ['link', 'del', hostIf],
      ['netns', 'del', name],
    ]) {
      try {
        ip(cmd);
      } catch (err) {
        // Already gone (or never made): nothing to clean.
        steps.push([`cleanup ${cmd.join(' ')}: ${(err as Error).message.split('\n')[0]}`]);
      }
    }
  };
  try {
    ip(['netns', 'add', name]);
    ip(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    ip(['link', 'set', nsIf, 'netns', name]);
    ip(['addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
    ip(['link', 'set', hostIf, 'up']);
    ip(['-n', name, 'addr', 'add', `${nsIp}/30`, 'dev', nsIf]);
    ip(['-n', name, 'link', 'set', nsIf, 'up']);
    ip(['-n', name, 'link', 'set', 'lo', 'up']);
    // Both directions at the link's rate; a queue of at most 500 ms, as a mobile base station would hold.
    const shape = ['root', 'tbf', 'rate', `${opts.rateKbit}kbit`, 'burst', '1600', 'latency', '500ms'];
    tc(['qdisc', 'add', 'dev', hostIf, ...shape]);
    tc(['-n', name, 'qdisc', 'add', 'dev', nsIf, ...shape]);
  } catch (err) {
    remove();
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(
      `cannot build a shaped network namespace (ip netns, veth, tc tbf): ${stderr || (err as Error).message}. ` +
        'This test needs root (CAP_NET_ADMIN) and the iproute2 tools; run it as root, as CI does.',
    );
  }
  return {
    name,
    hostIp,
    spawn: (cmd, args) => spawn('ip', ['netns', 'exec', name, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }),
    remove,
  };
}
