import { Agent, request } from 'node:http';
import { DynamoErrorType, DynamoServiceError } from './dynamo-errors';

/** A DynamoDB attribute value in the wire format ({"S": "..."}, {"N": "1"}, ...). */
export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

/** Calls dynalite through its HTTP interface, the only one it documents. */
export interface DynaliteClient {
  call<T = Record<string, unknown>>(operation: string, input: object): Promise<T>;
  close(): void;
}

// dynalite checks that a request is signed but not the signature.
const signatureHeaders = {
  authorization:
    'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
  'x-amz-date': '20200101T000000Z',
};

export const createDynaliteClient = (port: number): DynaliteClient => {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const call = <T>(operation: string, input: object) =>
    new Promise<T>((resolve, reject) => {
      const body = JSON.stringify(input);
      const outgoing = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          agent,
          headers: {
            ...signatureHeaders,
            'content-type': 'application/x-amz-json-1.0',
            'content-length': Buffer.byteLength(body),
            'x-amz-target': `DynamoDB_20120810.${operation}`,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const parsed = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
            if (response.statusCode === 200) return resolve(parsed as T);
            const type = typeof parsed.__type === 'string' ? parsed.__type : DynamoErrorType.internal;
            const message = String(parsed.message ?? parsed.Message ?? '');
            reject(new DynamoServiceError(type, message, response.statusCode ?? 500));
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  return { call, close: () => agent.destroy() };
};
