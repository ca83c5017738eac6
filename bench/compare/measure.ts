import { readFileSync } from 'node:fs';

const megabyte = 1024 * 1024;

/**
 * The process's peak RSS so far, VmHWM: what Lambda reports as Max Memory Used. Not getrusage's
 * ru_maxrss, which Linux carries over from the parent across fork and exec: a child spawned by a
 * 700 MB parent reported 700 MB whatever it did.
 */
export const peakRssMb = (): number => {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match?.[1] !== undefined) return Number(match[1]) / 1024;
  } catch {
    // Not Linux: fall back to ru_maxrss.
  }
  return process.resourceUsage().maxRSS / 1024;
};

export const rssMb = (): number => process.memoryUsage.rss() / megabyte;

/** Samples RSS every `intervalMs`: a cross-check of the kernel's peak, and a view of when it happens. */
export const startRssSampler = (intervalMs = 20) => {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, intervalMs);
  return {
    stop(): number {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss()) / megabyte;
    },
  };
};

/** User + system CPU of this process, every thread included (libvips runs on libuv's pool). */
export const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * CPU used so far by the parent process, which hosts the embedded backend while a job runs in a
 * child: the server's share of each message. Linux only (utime + stime in /proc, 100 ticks a second).
 */
export const parentCpuMs = (): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
};

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

export const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

/** Three significant figures at most: enough for a ratio measured on a noisy machine. */
export const round = (value: number, digits = 3): number =>
  Number.isFinite(value) ? Number(value.toPrecision(digits)) : value;
