import { ContextError, numericOverrides, parseContextValue } from './context';

/** The front door's settings: one typed row, every field with its reason, each overridable by context. */
export interface ApiSettings {
  /** How long a presigned upload stays usable (seconds). */
  readonly uploadUrlSeconds: number;
  /** How long a thumbnail URL from the status route stays usable (seconds). */
  readonly downloadUrlSeconds: number;
  /** The most messages one consumer queue may hold before uploads are refused; the limit until a drain rate is measured. */
  readonly maxBacklog: number;
  /** A queue may hold what its consumer drains in this many seconds at the measured rate; past it, uploads are refused. */
  readonly drainSeconds: number;
  /** How often one API container reads the queues' depth (seconds): never per request. */
  readonly backlogReadSeconds: number;
  /** Stage throttling: steady requests per second across the API... */
  readonly throttleRateLimit: number;
  /** ...and the burst above it API Gateway lets through. */
  readonly throttleBurstLimit: number;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
}

export const apiDefaults: ApiSettings = {
  // Enough to start an upload on a slow phone connection; a leaked URL is soon useless.
  uploadUrlSeconds: 300,
  // A page that shows the thumbnails loads them within minutes; the next status call signs new ones.
  downloadUrlSeconds: 300,
  // About what the thumbnail consumer clears in drainSeconds at its 20 invocations of ~2.5 images/s.
  maxBacklog: 5000,
  // An accepted upload should be through all four consumers within about two minutes.
  drainSeconds: 120,
  // SQS GetQueueAttributes per queue: four calls every 5 s per container, whatever the request rate.
  backlogReadSeconds: 5,
  // Each upload costs four messages, four invocations' share and an image decode per consumer.
  throttleRateLimit: 50,
  throttleBurstLimit: 100,
  // Presigning and a Query need little memory; 512 MB buys the CPU for a fast answer.
  memorySize: 512,
  // Well under API Gateway's 30 s integration limit: every route is a few calls.
  timeoutSeconds: 10,
};

/** Who may call the API: a JWT issuer and audience from context, or a Cognito user pool the stack creates. */
export interface ApiAuthSettings {
  readonly jwtIssuer?: string;
  readonly jwtAudience: readonly string[];
  /** Origins allowed to call the API and post uploads from a browser (CORS); none: no CORS. */
  readonly corsOrigins: readonly string[];
}

const list = (key: string, value: unknown): string[] => {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : String(value).split(',');
  const trimmed = items.map((item) => String(item).trim()).filter((item) => item !== '');
  if (trimmed.length === 0) throw new ContextError(key, value, 'a comma-separated list');
  return trimmed;
};

/** Checks at synth what API Gateway, S3 and SigV4 would refuse, with a message that says what to change. */
export const validateApiSettings = (s: ApiSettings): void => {
  const fail = (message: string) => {
    throw new Error(`API settings: ${message} (set with -c api='{"...":...}')`);
  };
  // SigV4 presigned URLs live at most 7 days; a role's session ends sooner anyway.
  if (s.uploadUrlSeconds < 1 || s.uploadUrlSeconds > 3600)
    fail(`uploadUrlSeconds ${s.uploadUrlSeconds} must be 1-3600`);
  if (s.downloadUrlSeconds < 1 || s.downloadUrlSeconds > 3600)
    fail(`downloadUrlSeconds ${s.downloadUrlSeconds} must be 1-3600`);
  if (s.maxBacklog < 1) fail(`maxBacklog ${s.maxBacklog} must be >= 1`);
  if (s.drainSeconds < 1) fail(`drainSeconds ${s.drainSeconds} must be >= 1`);
  if (s.backlogReadSeconds < 1 || s.backlogReadSeconds > s.drainSeconds) {
    fail(`backlogReadSeconds ${s.backlogReadSeconds} must be 1-${s.drainSeconds} (drainSeconds)`);
  }
  if (s.throttleRateLimit < 1 || s.throttleBurstLimit < 1)
    fail('throttleRateLimit and throttleBurstLimit must be >= 1');
  if (s.memorySize < 128 || s.memorySize > 10_240) fail(`memorySize ${s.memorySize} must be 128-10240 MB`);
  if (s.timeoutSeconds < 1 || s.timeoutSeconds > 29)
    fail(`timeoutSeconds ${s.timeoutSeconds} must be 1-29 (API Gateway waits 30 s)`);
};

export const apiSettingsFromContext = (value: unknown): ApiSettings => {
  const overrides = numericOverrides('api', value, Object.keys(apiDefaults), '{"maxBacklog":2000}');
  const settings = { ...apiDefaults, ...overrides };
  validateApiSettings(settings);
  return settings;
};

export const apiAuthFromContext = (get: (key: string) => unknown): ApiAuthSettings => {
  const issuer = get('jwtIssuer');
  const audience = list('jwtAudience', parseContextValue(get('jwtAudience')));
  if (issuer !== undefined && (typeof issuer !== 'string' || !/^https:\/\/\S+$/.test(issuer))) {
    throw new ContextError('jwtIssuer', issuer, 'an https:// URL (the iss claim of your tokens)');
  }
  if ((issuer === undefined) !== (audience.length === 0)) {
    throw new ContextError(
      issuer === undefined ? 'jwtAudience' : 'jwtIssuer',
      issuer ?? audience,
      'jwtIssuer and jwtAudience together, or neither (the stack then creates a Cognito user pool)',
    );
  }
  const corsOrigins = list('corsOrigins', get('corsOrigins'));
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ContextError(
        'corsOrigins',
        origin,
        'origins such as https://app.example.com, comma-separated',
      );
    }
  }
  return { ...(issuer === undefined ? {} : { jwtIssuer: issuer }), jwtAudience: audience, corsOrigins };
};
