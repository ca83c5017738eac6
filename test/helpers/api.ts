/**
 * A client of the image API as an app would be one: real HTTP to the local HTTP API with a bearer
 * token, and the browser-style upload (a multipart form POST of the presigned fields and the file).
 */
import type { UploadGrant } from '../../lambdas/api/uploads';

export type { UploadGrant };

export interface ApiAnswer<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface UploadRequest {
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
}

export const createApiClient = (baseUrl: string) => {
  const call = async <T>(method: string, path: string, token: string | undefined, body?: unknown) => {
    const response = await fetch(new URL(path, baseUrl), {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T };
  };
  return {
    call,
    requestUpload: (token: string, request: UploadRequest | Record<string, unknown>) =>
      call<UploadGrant & { message?: string; field?: string }>('POST', 'uploads', token, request),
    image: (token: string, imageId: string) =>
      call<Record<string, unknown>>('GET', `images/${imageId}`, token),
    deleteImage: (token: string, imageId: string) => call('DELETE', `images/${imageId}`, token),
    list: (token: string, query = '') =>
      call<{ images: { imageId: string }[]; cursor?: string }>('GET', `images${query}`, token),
    search: (token: string, q: string) =>
      call<{ images: { imageId: string }[] }>('GET', `search?q=${encodeURIComponent(q)}`, token),
    similar: (token: string, imageId: string) =>
      call<{ images: { imageId: string; distance: number }[] }>('GET', `images/${imageId}/similar`, token),
  };
};

/** What the form carries apart from the presigned fields: the file, and what a tampering client changes. */
export interface FormUpload {
  readonly body: Buffer;
  readonly filename?: string;
  /** Fields to override or add after the presigned ones (a retyped upload, another key). */
  readonly override?: Readonly<Record<string, string>>;
  readonly origin?: string;
}

/** The upload a browser makes with the grant: fields first, the file last, as S3 requires. */
export const postForm = async (grant: UploadGrant, upload: FormUpload) => {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...grant.upload.fields, ...upload.override }))
    form.append(name, value);
  form.append('file', new Blob([upload.body]), upload.filename ?? 'file');
  const response = await fetch(grant.upload.url, {
    method: 'POST',
    body: form,
    headers: upload.origin === undefined ? {} : { origin: upload.origin },
  });
  return { status: response.status, text: await response.text() };
};
