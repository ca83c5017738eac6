/**
 * A gate in front of a function's invocations: while it is held, batches an event source has
 * received wait, in flight, as behind a throttled function; letting go releases them all.
 */
export interface Hold {
  set(held: boolean): void;
  /** Resolves at once when not held, else when let go. */
  passed(): Promise<void>;
}

export const createHold = (): Hold => {
  let gate: { promise: Promise<void>; open: () => void } | undefined;
  return {
    set(held) {
      if (held && gate === undefined) {
        let open = () => undefined as unknown;
        const promise = new Promise<void>((resolve) => {
          open = resolve;
        });
        gate = { promise, open: () => open() };
      } else if (!held && gate !== undefined) {
        const { open } = gate;
        gate = undefined;
        open();
      }
    },
    async passed() {
      while (gate) await gate.promise;
    },
  };
};
