import { XMLBuilder, XMLParser } from 'fast-xml-parser';

const s3Namespace = 'http://s3.amazonaws.com/doc/2006-03-01/';

// Keys are data: never trim them or read "123" as a number.
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'Object',
});
const builder = new XMLBuilder({ ignoreAttributes: false });

export const xmlDocument = (root: string, content: Record<string, unknown>): string =>
  `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ [root]: { '@_xmlns': s3Namespace, ...content } })}`;

export const errorDocument = (code: string, message: string, details: Record<string, string> = {}): string =>
  `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ Error: { Code: code, Message: message, ...details } })}`;

const parse = (body: unknown): Record<string, unknown> => {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
  return parser.parse(text) as Record<string, unknown>;
};

/** The Status of a PutBucketVersioning body, if any. */
export const parseVersioningConfiguration = (body: unknown): string | undefined => {
  const configuration = parse(body).VersioningConfiguration as Record<string, unknown> | undefined;
  return typeof configuration?.Status === 'string' ? configuration.Status.trim() : undefined;
};

export interface ObjectToDelete {
  readonly key: string;
  readonly versionId?: string;
}

/** The objects and Quiet flag of a DeleteObjects body. */
export const parseDeleteRequest = (body: unknown): { objects: ObjectToDelete[]; quiet: boolean } => {
  const request = (parse(body).Delete ?? {}) as {
    Object?: { Key?: unknown; VersionId?: unknown }[];
    Quiet?: unknown;
  };
  const objects = (request.Object ?? []).map((entry) => ({
    key: String(entry.Key ?? ''),
    ...(typeof entry.VersionId === 'string' ? { versionId: entry.VersionId.trim() } : {}),
  }));
  return { objects, quiet: String(request.Quiet ?? '').trim() === 'true' };
};
