/**
 * A receive loop that runs in the background until stopped: stopping ends the loop (its signal
 * aborts the receives under way) and waits for it and for the work it started.
 */
export class BackgroundLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly controller = new AbortController();

  /** Between start and stop: the loop's own condition to go on. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Aborts once stopped. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  start(run: () => Promise<void>): void {
    if (this.running) return;
    this.running = true;
    this.loop = run();
  }

  /** `wake` lets a loop that waits for room see that it is stopped; `work` is what is under way. */
  async stop(work: () => Iterable<Promise<unknown>>, wake?: () => void): Promise<void> {
    this.running = false;
    this.controller.abort();
    wake?.();
    await this.loop;
    await Promise.allSettled([...work()]);
  }
}
