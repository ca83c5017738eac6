import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { contentTypes, describeContent, sniffImageFormat } from '../lambdas/shared/image/sniff';
import { OpsError } from './errors';

export interface ApiUploadOptions {
  /** The API's base URL, e.g. http://127.0.0.1:4567/ or the ApiUrl output. */
  readonly apiUrl: string;
  /** A JWT the API's authorizer accepts. */
  readonly token: string;
  readonly file: string;
  /** Poll the status route until every consumer has recorded an outcome. */
  readonly wait?: boolean;
  readonly timeoutMs?: number;
}

export interface ApiUploadResult {
  readonly imageId: string;
  readonly key: string;
  readonly bytes: number;
  readonly contentType: string;
  /** Each consumer's status, with --wait. */
  readonly stages?: Readonly<Record<string, { status: string; reason?: string }>>;
}

const call = async (options: ApiUploadOptions, method: string, path: string, body?: unknown) => {
  const response = await fetch(
    new URL(path, options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`),
    {
      method,
      headers: {
        authorization: `Bearer ${options.token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    },
  );
  const text = await response.text();
  const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  return { status: response.status, json, retryAfter: response.headers.get('retry-after') };
};

/** The file's type from its bytes, as the pipeline will judge it: extensions lie. */
const contentTypeOf = (bytes: Buffer, file: string) => {
  const format = sniffImageFormat(bytes);
  if (format === undefined)
    throw new OpsError(`${file} is not an image the pipeline takes: ${describeContent(bytes)}`);
  return contentTypes[format];
};

/**
 * An upload as an app makes it: ask the API for a presigned POST, post the file to S3 with it, and
 * (with `wait`) follow the status route until all four consumers are through. A 429 is the pipeline
 * asking to slow down: its Retry-After is in the error.
 */
export const uploadThroughApi = async (options: ApiUploadOptions): Promise<ApiUploadResult> => {
  const bytes = await readFile(options.file);
  const contentType = contentTypeOf(bytes, options.file);
  const filename = basename(options.file);
  const granted = await call(options, 'POST', 'uploads', { filename, contentType, size: bytes.length });
  if (granted.status === 429) {
    throw new OpsError(`The pipeline is behind and refused the upload: retry after ${granted.retryAfter} s`);
  }
  if (granted.status !== 201)
    throw new OpsError(`The API answered ${granted.status}: ${JSON.stringify(granted.json)}`);
  const { imageId, key, upload } = granted.json as {
    imageId: string;
    key: string;
    upload: { url: string; fields: Record<string, string> };
  };
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', new Blob([bytes], { type: contentType }), filename);
  const posted = await fetch(upload.url, { method: 'POST', body: form });
  if (!posted.ok) throw new OpsError(`S3 refused the upload (${posted.status}): ${await posted.text()}`);
  const result = { imageId, key, bytes: bytes.length, contentType };
  if (!options.wait) return result;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const image = await call(options, 'GET', `images/${imageId}`);
    if (image.status === 200 && image.json.settled === true) {
      return { ...result, stages: image.json.stages as ApiUploadResult['stages'] };
    }
    if (Date.now() > deadline) throw new OpsError(`${key} was not through all four consumers in time`);
    await sleep(500);
  }
};

export const formatUpload = (result: ApiUploadResult): string =>
  [
    `uploaded ${result.key} (${result.bytes} bytes, ${result.contentType})`,
    `image    ${result.imageId}`,
    ...Object.entries(result.stages ?? {}).map(
      ([consumer, stage]) =>
        `  ${consumer.padEnd(11)} ${stage.status}${stage.reason ? `: ${stage.reason}` : ''}`,
    ),
  ].join('\n');
