/** Gives back a held lock; calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  readonly exclusive: boolean;
  readonly grant: (release: Release) => void;
}

/**
 * Many shared holders or one exclusive holder at a time, granted in arrival order: a shared request
 * that arrives after a waiting exclusive one waits behind it, so a stream of reads cannot starve a
 * transaction.
 */
export class ReadWriteLock {
  #sharedHolders = 0;
  #exclusiveHeld = false;
  readonly #waiting: Waiter[] = [];

  /** Requests not granted yet. */
  get waiting(): number {
    return this.#waiting.length;
  }

  acquireShared(): Promise<Release> {
    return this.#enqueue(false);
  }

  acquireExclusive(): Promise<Release> {
    return this.#enqueue(true);
  }

  /** Runs `work` while holding the lock exclusively. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquireExclusive();
    try {
      return await work();
    } finally {
      release();
    }
  }

  #enqueue(exclusive: boolean): Promise<Release> {
    return new Promise((resolve) => {
      this.#waiting.push({ exclusive, grant: resolve });
      this.#grantWaiting();
    });
  }

  #grantWaiting(): void {
    for (let next = this.#waiting[0]; next !== undefined; next = this.#waiting[0]) {
      const free = next.exclusive ? this.#sharedHolders === 0 && !this.#exclusiveHeld : !this.#exclusiveHeld;
      if (!free) return;
      this.#waiting.shift();
      if (next.exclusive) this.#exclusiveHeld = true;
      else this.#sharedHolders++;
      next.grant(this.#releaser(next.exclusive));
    }
  }

  #releaser(exclusive: boolean): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (exclusive) this.#exclusiveHeld = false;
      else this.#sharedHolders--;
      this.#grantWaiting();
    };
  }
}
