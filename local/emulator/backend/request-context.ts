/**
 * What is being handled right now, for code that fauxqs calls synchronously from inside a request
 * handler (its store spies). Set in a synchronous preHandler hook, which fastify follows at once
 * with the handler, and cleared in the next microtask, before any other request can run.
 */
export class CurrentContext<T> {
  #current: T | undefined;

  enter(value: T): void {
    this.#current = value;
    queueMicrotask(() => {
      if (this.#current === value) this.#current = undefined;
    });
  }

  get(): T | undefined {
    return this.#current;
  }
}
