import type { ExecutionEnvironment } from './execution-environment';
import type { ErrorShape } from './protocol';

export interface Lease {
  readonly environment: ExecutionEnvironment;
  readonly cold: boolean;
}

interface Waiter {
  readonly resolve: (lease: Lease) => void;
  readonly reject: (error: Error) => void;
}

export interface PoolOptions {
  readonly maxEnvironments: number;
  readonly idleTimeoutMs: number;
  /** A new environment; it calls `gone` once it has ended, whoever ended it. */
  readonly spawn: (gone: (environment: ExecutionEnvironment) => void) => ExecutionEnvironment;
}

/**
 * A function's execution environments, as Lambda keeps them: up to `maxEnvironments`, each running
 * one invocation at a time, created on demand, reused warm and reaped when idle; invocations beyond
 * that wait in FIFO order.
 */
export class EnvironmentPool {
  private readonly all = new Set<ExecutionEnvironment>();
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly waiting: Waiter[] = [];
  private readonly closing = new Set<Promise<void>>();

  constructor(private readonly options: PoolOptions) {
    if (!(options.maxEnvironments >= 1)) throw new Error('maxEnvironments must be at least 1');
  }

  get size(): number {
    return this.all.size;
  }

  get queued(): number {
    return this.waiting.length;
  }

  acquire(): Promise<Lease> {
    // Most recently used first, so that environments beyond the current load idle out.
    const warm = this.idle.pop();
    if (warm) return Promise.resolve({ environment: warm, cold: false });
    if (this.all.size < this.options.maxEnvironments) return Promise.resolve(this.spawn());
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  release(environment: ExecutionEnvironment): void {
    if (!environment.isAlive) {
      this.discard(environment);
      return;
    }
    const next = this.waiting.shift();
    if (next) {
      next.resolve({ environment, cold: false });
      return;
    }
    this.idle.push(environment);
    environment.markIdle(this.options.idleTimeoutMs, () => this.discard(environment));
  }

  /** Ends every environment (in-flight invocations end with `reason`) and rejects the waiting ones. */
  async stop(reason: ErrorShape, rejection: Error): Promise<void> {
    for (const waiter of this.waiting.splice(0)) waiter.reject(rejection);
    for (const environment of [...this.all]) {
      void environment.terminate(reason);
      this.discard(environment);
    }
    await Promise.all(this.closing);
  }

  private spawn(): Lease {
    const environment = this.options.spawn((gone) => this.discard(gone));
    this.all.add(environment);
    return { environment, cold: true };
  }

  private discard(environment: ExecutionEnvironment): void {
    if (!this.all.delete(environment)) return;
    const index = this.idle.indexOf(environment);
    if (index >= 0) this.idle.splice(index, 1);
    const closed = environment.terminate();
    this.closing.add(closed);
    void closed.finally(() => this.closing.delete(closed));
    // A slot opened: the first waiter gets a fresh environment.
    this.waiting.shift()?.resolve(this.spawn());
  }
}
