import { setTimeout as sleep } from 'node:timers/promises';
import type { FinalizeRequestMiddleware, HttpRequest, MiddlewareStack } from '@smithy/types';

/** A request as it leaves a real SDK client: the operation, and what goes on the wire. */
export interface Interception {
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  /** The body as text (DynamoDB's JSON); empty for streams (S3 uploads). */
  readonly body: string;
}

export type Match = (request: Interception) => boolean;

type Rule =
  | {
      readonly match: Match;
      readonly kind: 'hold';
      readonly until: Promise<void>;
      readonly arrived: () => void;
    }
  | { readonly match: Match; readonly kind: 'delay'; readonly ms: number }
  | {
      readonly match: Match;
      readonly kind: 'fail' | 'lose-response';
      left: number;
      readonly error: () => Error;
    };

interface RequestHandlerLike {
  handle(request: HttpRequest, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** The part of an SDK client the faults attach to. */
export interface InterposableClient {
  // biome-ignore lint/suspicious/noExplicitAny: any client's stack; the middleware only reads the request.
  readonly middlewareStack: MiddlewareStack<any, any>;
  readonly config: { requestHandler: unknown };
}

/** Promise.withResolvers, which Node 20 lacks. */
const deferred = () => {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
};

/** An error the SDK does not retry: what the caller sees is exactly what was injected. */
export const injectedFault = (message = 'Injected fault') => {
  const error = new Error(message);
  error.name = 'InjectedFault';
  return error;
};

/** The body as text when it is one (DynamoDB's JSON arrives as bytes); streams and uploads stay unread. */
const bodyText = (body: unknown): string => {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array && body.length <= 4 * 1024 * 1024) {
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  }
  return '';
};

const abortError = () => Object.assign(new Error('Request aborted'), { name: 'AbortError' });

/** Waits for `promise`, or rejects as an aborted request would when `signal` aborts first. */
const unlessAborted = (promise: Promise<unknown>, signal: AbortSignal | undefined): Promise<unknown> => {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
};

/**
 * Faults in front of a real client, where its requests go on the wire (so an aborted request stops
 * waiting, as a real one would): hold a request until released, delay it, fail it before it is sent
 * (nothing happens), or send it and lose the response (it happened, the caller cannot know).
 * Requests that no rule matches go through untouched.
 */
export const interpose = (client: InterposableClient) => {
  const rules = new Set<Rule>();
  const seen: Interception[] = [];
  const operations = new WeakMap<object, string>();
  const tag: FinalizeRequestMiddleware<object, object> = (next, context) => (args) => {
    operations.set(args.request as object, String(context.commandName ?? ''));
    return next(args);
  };
  client.middlewareStack.add(tag, { step: 'finalizeRequest', priority: 'low', name: 'testInterposeTag' });
  const inner = client.config.requestHandler as RequestHandlerLike;
  const handle = async (request: HttpRequest, options: { abortSignal?: AbortSignal } = {}) => {
    const seenAs: Interception = {
      operation: operations.get(request) ?? '',
      method: request.method,
      path: request.path,
      body: bodyText(request.body),
    };
    seen.push(seenAs);
    const matching = [...rules].filter((rule) => rule.match(seenAs));
    for (const rule of matching) {
      if (rule.kind === 'hold') {
        rule.arrived();
        await unlessAborted(rule.until, options.abortSignal);
      }
      if (rule.kind === 'delay') await unlessAborted(sleep(rule.ms), options.abortSignal);
      if (rule.kind === 'fail' && rule.left-- > 0) throw rule.error();
    }
    const response = await inner.handle(request, options);
    for (const rule of matching) if (rule.kind === 'lose-response' && rule.left-- > 0) throw rule.error();
    return response;
  };
  // Everything else (its config, destroy) still reaches the real handler through the prototype.
  client.config.requestHandler = Object.assign(Object.create(inner), { handle });
  return {
    /** Every request seen so far, in order. */
    seen,
    /** Holds matching requests until `release` is called; `reached` resolves when the first one arrives. */
    hold(match: Match): { release: () => void; reached: Promise<void> } {
      const until = deferred();
      const reached = deferred();
      rules.add({ match, kind: 'hold', until: until.promise, arrived: () => reached.resolve() });
      return { release: () => until.resolve(), reached: reached.promise };
    },
    delay(match: Match, ms: number) {
      rules.add({ match, kind: 'delay', ms });
    },
    fail(match: Match, { times = Number.POSITIVE_INFINITY, error = injectedFault } = {}) {
      rules.add({ match, kind: 'fail', left: times, error: () => error() });
    },
    loseResponse(match: Match, { times = Number.POSITIVE_INFINITY, error = injectedFault } = {}) {
      rules.add({ match, kind: 'lose-response', left: times, error: () => error() });
    },
    clear() {
      rules.clear();
    },
  };
};

export type Interposer = ReturnType<typeof interpose>;

/** Matches DynamoDB write requests whose body mentions `text`. */
export const dynamoWrite =
  (text: string): Match =>
  ({ operation, body }) =>
    /^(PutItem|DeleteItem|UpdateItem|BatchWriteItem|TransactWriteItems)Command$/.test(operation) &&
    body.includes(text);

/** Matches S3 requests of an operation whose path mentions `text` (a key, an image id). */
export const s3Request =
  (operation: string, text = ''): Match =>
  (request) =>
    request.operation === `${operation}Command` && decodeURIComponent(request.path).includes(text);
