/**
 * `npm run bench -- --via api`: the open-model load through the front door, as an app uploads (ask
 * the API for a presigned POST, post the file to S3), so the API's back-pressure decides what gets
 * in. A 429 is recorded as refused, not retried: the run measures what share the API turned away.
 */
import { apiEnv } from '../../lambdas/api/constants';
import type { LocalPipeline } from '../../local/emulator';
import type { FunctionSpec } from '../../local/emulator/template';
import type { BackPressureSummary, Goal, RunResult, Sample, UploadRecord } from '../types';
import type { BenchImage } from './images';

/** How one upload is sent: returns the key it was stored under. */
export type SendUpload = (index: number, image: BenchImage, key: string) => Promise<{ key: string }>;

/** The API said 429: the pipeline is behind. */
export class UploadRefused extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`refused (429), retry after ${retryAfterSeconds} s`);
    this.name = 'UploadRefused';
  }
}

/** The API's back-pressure settings for a local bench, over the template's (sized for AWS). */
export interface BenchBackPressure {
  readonly maxBacklog: number;
  readonly drainSeconds: number;
  readonly backlogReadSeconds: number;
}

/**
 * Locally the consumers drain a few images a second, so the deployed defaults (5,000 messages, 120 s)
 * would never be reached in a run of a minute: a queue may hold what drains in 20 s here, 400 at most.
 */
export const localBackPressure: BenchBackPressure = {
  maxBacklog: 400,
  drainSeconds: 20,
  backlogReadSeconds: 2,
};

/** Variables for the API's function only (the one whose environment names MAX_BACKLOG). */
export const apiEnvironment =
  (settings: BenchBackPressure) =>
  (fn: FunctionSpec): Readonly<Record<string, string>> | undefined =>
    fn.environment[apiEnv.maxBacklog] === undefined
      ? undefined
      : {
          [apiEnv.maxBacklog]: String(settings.maxBacklog),
          [apiEnv.drainSeconds]: String(settings.drainSeconds),
          [apiEnv.backlogReadSeconds]: String(settings.backlogReadSeconds),
        };

/** Uploads through the pipeline's HTTP API with a token the runtime issues for a bench user. */
export const apiSender = async (pipeline: LocalPipeline): Promise<SendUpload> => {
  const apiUrl = pipeline.httpApis[0]?.url;
  if (apiUrl === undefined) throw new Error('--via api: the stack has no HTTP API');
  const token = await pipeline.issueToken({ sub: 'bench' });
  return async (index, image) => {
    const granted = await fetch(new URL('uploads', apiUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        filename: `${String(index).padStart(6, '0')}-${image.name}`,
        contentType: image.contentType,
        size: image.body.length,
      }),
    });
    if (granted.status === 429) throw new UploadRefused(Number(granted.headers.get('retry-after')));
    if (granted.status !== 201) throw new Error(`API answered ${granted.status}: ${await granted.text()}`);
    const { key, upload } = (await granted.json()) as {
      key: string;
      upload: { url: string; fields: Record<string, string> };
    };
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', new Blob([image.body]), image.name);
    const posted = await fetch(upload.url, { method: 'POST', body: form });
    if (!posted.ok) throw new Error(`S3 refused the upload (${posted.status}): ${await posted.text()}`);
    return { key };
  };
};

export const summarizeBackPressure = (
  uploads: readonly UploadRecord[],
  samples: readonly Sample[],
  settings: BenchBackPressure,
) => {
  const refused = uploads.filter((upload) => upload.refused === true).length;
  const depths = samples.flatMap((sample) =>
    Object.values(sample.consumers).map((consumer) => consumer.backlog + consumer.notVisible),
  );
  return {
    attempted: uploads.length,
    accepted: uploads.filter((upload) => upload.error === undefined).length,
    refused,
    refusedShare: uploads.length === 0 ? 0 : Math.round((refused / uploads.length) * 1000) / 1000,
    /** The deepest any one consumer queue got (waiting + in flight), against the most it may hold. */
    peakQueueDepth: Math.max(0, ...depths),
    maxBacklog: settings.maxBacklog,
    drainSeconds: settings.drainSeconds,
  };
};

/**
 * Through the API, back-pressure holds when the API turned part of a twice-capacity load away, no
 * queue went past what it may hold, and every accepted upload was processed exactly once.
 */
export const apiBackPressureGoal = (run: RunResult, summary: BackPressureSummary): Goal => ({
  name: 'back-pressure through the API at twice the maximum',
  goal: 'some uploads refused, no queue past its limit, every accepted upload accounted for',
  value: `${summary.refused} of ${summary.attempted} refused, deepest queue ${summary.peakQueueDepth} of at most ${summary.maxBacklog}, unaccounted ${run.unaccounted}`,
  met: summary.refused > 0 && summary.peakQueueDepth <= summary.maxBacklog && run.unaccounted === 0,
});
