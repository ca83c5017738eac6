/** The arithmetic every phase measures with: percentiles, rates, overlaps, CPU and memory. */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

export const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** Three significant figures at most: enough for a ratio measured on a noisy machine. */
export const sig = (value: number, digits = 3): number =>
  Number.isFinite(value) ? Number(value.toPrecision(digits)) : value;

/** One side of a comparison, to three significant figures. */
export const side = (label: string, value: number, unit: string) => ({ label, value: sig(value), unit });

export const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

/** Nearest-rank percentile (the value at or below which p% of the samples fall), as k6 reports it. */
const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
};

/** p50/p95/p99/max of durations in milliseconds, reported in seconds. */
export const distribution = (valuesMs: readonly number[]) => {
  const sorted = [...valuesMs].sort((a, b) => a - b);
  const seconds = (ms: number) => (Number.isNaN(ms) ? Number.NaN : round(ms / 1000, 3));
  return {
    count: sorted.length,
    p50: seconds(percentile(sorted, 50)),
    p95: seconds(percentile(sorted, 95)),
    p99: seconds(percentile(sorted, 99)),
    max: seconds(sorted.at(-1) ?? Number.NaN),
    mean: seconds(sorted.length === 0 ? Number.NaN : sum(sorted) / sorted.length),
  };
};

/**
 * Items per second over a saturated run: every item over the time from the first upload to the last
 * item done. It does not depend on how completions bunch (a batch of ten finishes at once).
 */
export const makespanRate = (completionTimesMs: readonly number[], startMs: number): number => {
  if (completionTimesMs.length === 0) return 0;
  const seconds = (Math.max(...completionTimesMs) - startMs) / 1000;
  return seconds > 0 ? round(completionTimesMs.length / seconds, 3) : 0;
};

/**
 * Items per second in the middle of a run: completions between the 10th and the 90th percentile of
 * completion times over the time between them, leaving out the first batches forming and the last
 * one finishing alone.
 */
export const steadyRate = (completionTimesMs: readonly number[], trim = 0.1): number => {
  const sorted = [...completionTimesMs].sort((a, b) => a - b);
  if (sorted.length < 2) return 0;
  const low = Math.floor(trim * sorted.length);
  const high = Math.max(low + 1, Math.ceil((1 - trim) * sorted.length) - 1);
  const seconds = ((sorted[high] as number) - (sorted[low] as number)) / 1000;
  return seconds > 0 ? round((high - low) / seconds, 3) : 0;
};

/** Per-second counts of events at these times, from `startMs`, `seconds` buckets long. */
export const perSecond = (timesMs: readonly number[], startMs: number, seconds: number): number[] => {
  const buckets = new Array<number>(Math.max(0, seconds)).fill(0);
  for (const time of timesMs) {
    const index = Math.floor((time - startMs) / 1000);
    if (index >= 0 && index < buckets.length) buckets[index] = (buckets[index] ?? 0) + 1;
  }
  return buckets;
};

/**
 * The most intervals open at once: exact concurrency from start/end pairs (an interval that ends
 * when another starts does not overlap it), optionally weighted (messages per batch).
 */
export const maxOverlap = (intervals: readonly { start: number; end: number; weight?: number }[]): number => {
  const edges = intervals.flatMap(({ start, end, weight = 1 }) => [
    { at: start, delta: weight },
    { at: end, delta: -weight },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let most = 0;
  for (const edge of edges) {
    open += edge.delta;
    most = Math.max(most, open);
  }
  return most;
};

/** The 1-minute load average: other work on the machine shows here. */
export const loadAverage = () => loadavg()[0] ?? 0;

/** The load average from `before` to now, for a comparison's notes: "0.8 -> 1.9". */
export const loadSince = (before: number) => `${before.toFixed(1)} -> ${loadAverage().toFixed(1)}`;

/** CPU seconds of this process (all threads) since `from`, and what that means per item and per second. */
export const cpuSince = (from: NodeJS.CpuUsage, items: number, wallMs: number) => {
  const used = process.cpuUsage(from);
  const seconds = (used.user + used.system) / 1e6;
  return {
    seconds: round(seconds, 2),
    perImage: items > 0 ? round(seconds / items, 3) : 0,
    coresUsed: wallMs > 0 ? round(seconds / (wallMs / 1000), 2) : 0,
  };
};

/** User + system CPU of this process in milliseconds, every thread included (libvips runs on libuv's pool). */
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

/**
 * The process's peak RSS so far in MB, VmHWM: what Lambda reports as Max Memory Used. Not getrusage's
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

/** The highest RSS seen while it runs, sampled every `intervalMs`; `peak()` in bytes. */
export const rssWatch = (intervalMs = 200) => {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, intervalMs);
  return {
    peak: () => Math.max(peak, process.memoryUsage.rss()),
    reset: () => {
      peak = process.memoryUsage.rss();
    },
    stop: () => clearInterval(timer),
  };
};
