/** A CDK context value the app cannot use, with the value and what to set instead. */
export class ContextError extends Error {
  constructor(key: string, value: unknown, expected: string) {
    super(
      `CDK context "${key}" is ${JSON.stringify(value)}; expected ${expected} (set it with -c ${key}=...)`,
    );
    this.name = 'ContextError';
  }
}

/** Context values given with -c arrive as strings; cdk.json ones keep their JSON types. */
export const parseContextValue = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
};

/** A JSON object of numeric overrides, every field one of `known`'s, as `-c consumers=...` or `-c api=...` give it. */
export const numericOverrides = (
  key: string,
  value: unknown,
  known: readonly string[],
  example: string,
): Record<string, number> => {
  const parsed = parseContextValue(value);
  if (parsed === undefined) return {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ContextError(key, value, `a JSON object such as ${example}`);
  }
  for (const [field, setting] of Object.entries(parsed)) {
    if (!known.includes(field) || typeof setting !== 'number' || !Number.isInteger(setting)) {
      throw new ContextError(key, value, `whole-number settings among ${known.join(', ')}`);
    }
  }
  return parsed as Record<string, number>;
};
