/**
 * A browser POST upload's policy, checked as S3 checks it ("Creating a POST Policy", Amazon S3 API
 * reference): not expired; every condition met (exact match, "eq", "starts-with",
 * "content-length-range"); every form field covered by a condition, apart from the signature, the
 * policy, the file and x-ignore-* fields.
 */
import type { S3Refusal } from './s3-presigned';

/** The form fields by lower-case name, and the file. */
export interface PostForm {
  readonly fields: ReadonlyMap<string, string>;
  readonly file?: { readonly bytes: Buffer; readonly name: string };
}

interface Policy {
  readonly expiration?: unknown;
  readonly conditions?: unknown;
}

const denied = (message: string): S3Refusal => ({
  status: 403,
  code: 'AccessDenied',
  message: `Invalid according to Policy: ${message}`,
});
const conditionFailed = (condition: unknown) =>
  denied(`Policy Condition failed: ${JSON.stringify(condition)}`);
const exemptFields = new Set(['x-amz-signature', 'file', 'policy']);

/** The value a condition names: the bucket comes from the URL, every other field from the form. */
const fieldValue = (name: string, form: PostForm, bucket: string) =>
  name === 'bucket' ? bucket : form.fields.get(name);

type Checked = { readonly covers?: string; readonly refusal?: S3Refusal };

const checkCondition = (condition: unknown, form: PostForm, bucket: string): Checked => {
  if (Array.isArray(condition)) {
    const [operator, first, second] = condition as [unknown, unknown, unknown];
    if (operator === 'content-length-range') {
      const size = form.file?.bytes.length ?? 0;
      if (size > Number(second)) {
        return {
          refusal: {
            status: 400,
            code: 'EntityTooLarge',
            message: 'Your proposed upload exceeds the maximum allowed size',
          },
        };
      }
      if (size < Number(first)) {
        return {
          refusal: {
            status: 400,
            code: 'EntityTooSmall',
            message: 'Your proposed upload is smaller than the minimum allowed size',
          },
        };
      }
      return {};
    }
    const name = String(first).replace(/^\$/, '').toLowerCase();
    const actual = fieldValue(name, form, bucket) ?? '';
    const ok =
      operator === 'eq' ? actual === second : operator === 'starts-with' && actual.startsWith(String(second));
    return ok ? { covers: name } : { refusal: conditionFailed(condition) };
  }
  if (typeof condition === 'object' && condition !== null) {
    const [[field, expected] = ['', undefined]] = Object.entries(condition);
    const name = field.toLowerCase();
    return fieldValue(name, form, bucket) === expected
      ? { covers: name }
      : { refusal: conditionFailed(['eq', `$${field}`, expected]) };
  }
  return { refusal: denied(`Invalid Policy: Invalid Simple-Condition: ${JSON.stringify(condition)}`) };
};

const decodePolicy = (encoded: string): Policy | undefined => {
  try {
    const parsed = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Policy) : undefined;
  } catch {
    return undefined;
  }
};

export const checkPostPolicy = (
  encoded: string,
  form: PostForm,
  bucket: string,
  now: number,
): S3Refusal | undefined => {
  const policy = decodePolicy(encoded);
  if (policy === undefined || typeof policy.expiration !== 'string' || !Array.isArray(policy.conditions)) {
    return denied('Invalid Policy: Invalid JSON.');
  }
  const expiresAt = Date.parse(policy.expiration);
  if (!(expiresAt > now)) return denied('Policy expired.');
  if (form.file === undefined) {
    return {
      status: 400,
      code: 'InvalidArgument',
      message: 'POST requires exactly one file upload per request.',
    };
  }
  const covered = new Set<string>();
  for (const condition of policy.conditions) {
    const checked = checkCondition(condition, form, bucket);
    if (checked.refusal) return checked.refusal;
    if (checked.covers) covered.add(checked.covers);
  }
  const extra = [...form.fields.keys()].filter(
    (name) => !exemptFields.has(name) && !name.startsWith('x-ignore-') && !covered.has(name),
  );
  return extra.length > 0 ? denied(`Extra input fields: ${extra.join(', ')}`) : undefined;
};
