/**
 * A progress bar on stderr, redrawn in place on a terminal (plain ANSI); on anything else (a CI log,
 * a file) one line when the phase changes and every ten seconds, so logs stay readable.
 */

/** Progress of a long phase, for the progress bar. */
export interface PhaseProgress {
  readonly phase: string;
  readonly done: number;
  readonly total?: number;
  readonly detail?: string;
}

const barWidth = 28;

const bar = (done: number, total: number | undefined) => {
  if (total === undefined || total <= 0) return '';
  const share = Math.max(0, Math.min(1, done / total));
  const filled = Math.round(share * barWidth);
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${done}/${total} `;
};

const clock = (ms: number) => {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
};

export const progressBar = (stream: NodeJS.WriteStream = process.stderr) => {
  const started = Date.now();
  const tty = stream.isTTY === true;
  let lastPhase = '';
  let lastLineAt = 0;
  let drawn = false;
  const text = (progress: PhaseProgress) =>
    `${clock(Date.now() - started)} ${progress.phase} ${bar(progress.done, progress.total)}${progress.detail ?? ''}`;
  const clear = () => {
    if (tty && drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    update(progress: PhaseProgress) {
      const line = text(progress);
      if (tty) {
        const width = stream.columns ?? 120;
        stream.write(`\r\x1b[2K${line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line}`);
        drawn = true;
      } else if (progress.phase !== lastPhase || Date.now() - lastLineAt >= 10_000) {
        stream.write(`${line}\n`);
        lastLineAt = Date.now();
      }
      lastPhase = progress.phase;
    },
    /** A line of its own above the bar. */
    log(line: string) {
      clear();
      stream.write(`${line}\n`);
    },
    done() {
      clear();
    },
  };
};
