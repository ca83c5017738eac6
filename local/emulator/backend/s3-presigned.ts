/**
 * Presigned requests checked as S3 checks them, for the embedded S3 (fauxqs accepts any request):
 * a query-string SigV4 signature is recomputed and compared, and refused once expired
 * ("Authenticating Requests: Using Query Parameters (AWS Signature Version 4)"); a browser POST
 * upload has its policy's signature, expiry and every condition checked (exact fields, starts-with,
 * content-length-range, no extra fields), then is stored as the PutObject it stands for
 * ("Browser-Based Uploads Using POST (AWS Signature Version 4)", "Creating a POST Policy").
 * Requests signed in the Authorization header, and unsigned ones, are left as they were.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createScope, getCanonicalQuery, getSigningKey } from '@smithy/signature-v4';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { emulatorCredentials } from '../clients';
import { checkPostPolicy, type PostForm } from './s3-post-policy';

/** Secret access keys by access key id: whom the embedded S3 believes signed a request. */
export type SecretLookup = (accessKeyId: string) => string | undefined;

/** The emulator's credentials and this process's own: the keys local clients and functions sign with. */
export const localSecrets = (env: NodeJS.ProcessEnv = process.env): SecretLookup => {
  const secrets = new Map([[emulatorCredentials.accessKeyId, emulatorCredentials.secretAccessKey]]);
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
    secrets.set(env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY);
  return (accessKeyId) => secrets.get(accessKeyId);
};

/** An S3 error answer: status, code and message as S3 words them. */
export interface S3Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

const toBytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** The hash interface @smithy/signature-v4 derives signing keys with, over node:crypto. */
class Sha256 {
  private readonly hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

const refuse = (status: number, code: string, message: string): S3Refusal => ({ status, code, message });
const signatureMismatch = refuse(
  403,
  'SignatureDoesNotMatch',
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
);

/** "20261202T010203Z" as a time. */
const parseAmzDate = (text: string | undefined): number | undefined => {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
};

const sameHex = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a.toLowerCase()), Buffer.from(b.toLowerCase()));

/** Signs `text` with the SigV4 key of a credential scope "<key id>/<date>/<region>/<service>/aws4_request". */
const signWithScope = async (credential: string, text: string, secretFor: SecretLookup) => {
  const [accessKeyId = '', shortDate = '', region = '', service = ''] = credential.split('/');
  const secretAccessKey = secretFor(accessKeyId);
  if (secretAccessKey === undefined) return undefined;
  const key = await getSigningKey(Sha256, { accessKeyId, secretAccessKey }, shortDate, region, service);
  return createHmac('sha256', key).update(text).digest('hex');
};

const unknownKey = refuse(
  403,
  'InvalidAccessKeyId',
  'The AWS Access Key Id you provided does not exist in our records.',
);

/** Checks a request signed in its query string; undefined when it may proceed. */
export const verifyQuerySignature = async (
  request: { method: string; url: string; headers: Readonly<Record<string, string | string[] | undefined>> },
  secretFor: SecretLookup,
  now: number = Date.now(),
): Promise<S3Refusal | undefined> => {
  const url = new URL(request.url, 'http://local');
  const param = (name: string) => url.searchParams.get(name) ?? undefined;
  const signature = param('X-Amz-Signature');
  if (signature === undefined) return undefined;
  const credential = param('X-Amz-Credential') ?? '';
  const signedAt = parseAmzDate(param('X-Amz-Date'));
  const expires = Number(param('X-Amz-Expires'));
  const signedHeaders = (param('X-Amz-SignedHeaders') ?? '').split(';').filter((name) => name !== '');
  if (
    param('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' ||
    signedAt === undefined ||
    !signedHeaders.includes('host')
  ) {
    return refuse(
      400,
      'AuthorizationQueryParametersError',
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  if (!Number.isInteger(expires) || expires < 1 || expires > 604_800) {
    return refuse(
      400,
      'AuthorizationQueryParametersError',
      'X-Amz-Expires must be between 1 and 604800 seconds',
    );
  }
  if (now > signedAt + expires * 1000) return refuse(403, 'AccessDenied', 'Request has expired');
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const existing = query[name];
    query[name] = existing === undefined ? value : [existing, value].flat();
  }
  const header = (name: string) => {
    const value = request.headers[name];
    return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ');
  };
  const canonicalRequest = [
    request.method,
    url.pathname,
    getCanonicalQuery({ query } as Parameters<typeof getCanonicalQuery>[0]),
    ...signedHeaders.map((name) => `${name}:${header(name)}`),
    '',
    signedHeaders.join(';'),
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const scope = credential.split('/').slice(1).join('/');
  const [, shortDate = '', region = '', service = ''] = credential.split('/');
  if (scope !== createScope(shortDate, region, service)) return signatureMismatch;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    param('X-Amz-Date'),
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const expected = await signWithScope(credential, stringToSign, secretFor);
  if (expected === undefined) return unknownKey;
  return sameHex(expected, signature) ? undefined : signatureMismatch;
};

/** Checks a browser POST upload's signature over its policy, then the policy itself. */
export const verifyPostUpload = async (
  form: PostForm,
  bucket: string,
  secretFor: SecretLookup,
  now: number = Date.now(),
): Promise<S3Refusal | undefined> => {
  const field = (name: string) => form.fields.get(name.toLowerCase());
  const policy = field('policy');
  const signature = field('x-amz-signature');
  const credential = field('x-amz-credential');
  if (policy === undefined || signature === undefined || credential === undefined) {
    return refuse(
      403,
      'AccessDenied',
      'Anonymous uploads are not allowed: the form carries no policy signature',
    );
  }
  if (field('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') {
    return refuse(400, 'InvalidArgument', 'Only AWS4-HMAC-SHA256 POST policies are supported');
  }
  const expected = await signWithScope(credential, policy, secretFor);
  if (expected === undefined) return unknownKey;
  if (!sameHex(expected, signature)) return signatureMismatch;
  return checkPostPolicy(policy, form, bucket, now);
};

const errorXml = (refusal: S3Refusal, resource: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${refusal.code}</Code><Message>${refusal.message
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')}</Message><Resource>${resource.replaceAll('&', '&amp;')}</Resource></Error>`;

const sendRefusal = (reply: FastifyReply, refusal: S3Refusal, resource: string) =>
  reply.code(refusal.status).header('content-type', 'application/xml').send(errorXml(refusal, resource));

const isFormUpload = (request: FastifyRequest) =>
  request.method === 'POST' &&
  String(request.headers['content-type'] ?? '').startsWith('multipart/form-data') &&
  /^\/[^/?]+\/?(\?.*)?$/.test(request.url);

/** Reads a multipart form with the platform's own parser (undici), fields in order, the file last. */
const readForm = async (request: FastifyRequest): Promise<PostForm | undefined> => {
  const body = request.body;
  if (!Buffer.isBuffer(body)) return undefined;
  const parsed = await new Response(body, {
    headers: { 'content-type': String(request.headers['content-type']) },
  }).formData();
  const fields = new Map<string, string>();
  let file: { bytes: Buffer; name: string } | undefined;
  for (const [name, value] of parsed) {
    if (typeof value === 'string') fields.set(name.toLowerCase(), value);
    else if (name.toLowerCase() === 'file')
      file = { bytes: Buffer.from(await value.arrayBuffer()), name: value.name };
  }
  return { fields, file };
};

const filenameVariable = ['$', '{filename}'].join('');

/** Stores a verified POST upload through the app itself, as a PutObject: events and all follow as for a PUT. */
const storePostUpload = async (app: FastifyInstance, bucket: string, form: PostForm, reply: FastifyReply) => {
  // S3 puts the file's own name where a key says ${filename}.
  const key = (form.fields.get('key') ?? '').replaceAll(filenameVariable, form.file?.name ?? '');
  const metadata = Object.fromEntries([...form.fields].filter(([name]) => name.startsWith('x-amz-meta-')));
  const stored = await app.inject({
    method: 'PUT',
    url: `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
    headers: { 'content-type': form.fields.get('content-type') ?? 'binary/octet-stream', ...metadata },
    payload: form.file?.bytes ?? Buffer.alloc(0),
  });
  if (stored.statusCode >= 300)
    return reply.code(stored.statusCode).headers(stored.headers).send(stored.rawPayload);
  const status = Number(form.fields.get('success_action_status') ?? 204);
  return reply
    .code([200, 201, 204].includes(status) ? status : 204)
    .header('etag', stored.headers.etag)
    .header('location', `/${bucket}/${encodeURIComponent(key)}`)
    .send();
};

/** Adds the checks to the embedded backend's Fastify app: one call from embedded.ts. */
export const registerPresignedRequests = (app: FastifyInstance, secretFor: SecretLookup): void => {
  app.addHook('onRequest', async (request, reply) => {
    const refusal = await verifyQuerySignature(request, secretFor);
    if (refusal) return sendRefusal(reply, refusal, request.url.split('?')[0] ?? '/');
  });
  app.addHook('preHandler', async (request, reply) => {
    if (!isFormUpload(request)) return;
    const bucket = request.url.split('/')[1]?.split('?')[0] ?? '';
    const form = await readForm(request).catch(() => undefined);
    if (form === undefined)
      return sendRefusal(
        reply,
        refuse(
          400,
          'MalformedPOSTRequest',
          'The body of your POST request is not well-formed multipart/form-data.',
        ),
        `/${bucket}`,
      );
    const refusal = await verifyPostUpload(form, bucket, secretFor);
    if (refusal) return sendRefusal(reply, refusal, `/${bucket}`);
    return storePostUpload(app, bucket, form, reply);
  });
};
