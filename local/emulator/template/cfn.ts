/** The parts of a CloudFormation template this package reads, and checked access to resolved values. */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly Metadata?: Readonly<Record<string, unknown>>;
  readonly Condition?: string;
}

export interface CfnParameter {
  readonly Type?: string;
  readonly Default?: unknown;
}

export interface CfnOutput {
  readonly Value: unknown;
  readonly Condition?: string;
}

export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly Parameters?: Readonly<Record<string, CfnParameter>>;
  readonly Conditions?: Readonly<Record<string, unknown>>;
  readonly Mappings?: Readonly<Record<string, unknown>>;
  readonly Outputs?: Readonly<Record<string, CfnOutput>>;
}

/** A template that cannot be read as written; the message starts with where the problem is. */
export class TemplateError extends Error {
  constructor(at: string, message: string) {
    super(`${at}: ${message}`);
    this.name = 'TemplateError';
  }
}

/** The path of a resource property in error messages, e.g. "Resources.MyQueue.Properties.RedrivePolicy". */
export const propertyPath = (logicalId: string, ...path: readonly (string | number)[]): string =>
  ['Resources', logicalId, 'Properties', ...path].join('.');

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The intrinsic function an object stands for: one key, "Ref" or "Fn::...". */
export const intrinsicName = (value: Readonly<Record<string, unknown>>): string | undefined => {
  const keys = Object.keys(value);
  const [key] = keys;
  return keys.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))
    ? key
    : undefined;
};

const describe = (value: unknown): string => {
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json.length > 80 ? `${json.slice(0, 77)}...` : json;
};

/** Scalars as CloudFormation passes them to services: numbers and booleans become strings. */
export const asString = (value: unknown, at: string): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(at, `expected a string, got ${describe(value)}`);
};

export const asNumber = (value: unknown, at: string, fallback?: number): number => {
  if (value === undefined && fallback !== undefined) return fallback;
  const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof parsed === 'number' && Number.isFinite(parsed)) return parsed;
  throw new TemplateError(at, `expected a number, got ${describe(value)}`);
};

export const asOptionalNumber = (value: unknown, at: string): number | undefined =>
  value === undefined ? undefined : asNumber(value, at);

export const asBoolean = (value: unknown, at: string, fallback: boolean): boolean => {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new TemplateError(at, `expected a boolean, got ${describe(value)}`);
};

export const asRecord = (value: unknown, at: string): Readonly<Record<string, unknown>> => {
  if (value === undefined) return {};
  if (isRecord(value)) return value;
  throw new TemplateError(at, `expected an object, got ${describe(value)}`);
};

export const asList = (value: unknown, at: string): readonly unknown[] => {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  throw new TemplateError(at, `expected a list, got ${describe(value)}`);
};

export const asStringList = (value: unknown, at: string): string[] =>
  asList(value, at).map((item, index) => asString(item, `${at}.${index}`));

/** JSON-typed properties (policies, filter patterns) may be written as an object or as a JSON string. */
export const asJsonString = (value: unknown, at: string): string =>
  typeof value === 'string' ? value : asString(JSON.stringify(value), at);
