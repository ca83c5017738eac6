/** Environment is read once at load and validated, failing fast with the variable's name. */
export const requireEnv = (name: string, env: NodeJS.ProcessEnv = process.env): string => {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`Environment variable ${name} is required but not set`);
  }
  return value;
};

export const intEnv = (
  name: string,
  fallback: number,
  env: NodeJS.ProcessEnv = process.env,
  { min = 1, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Environment variable ${name} must be an integer in [${min}, ${max}], got "${raw}"`);
  }
  return value;
};

export const listEnv = (name: string, fallback: readonly string[], env: NodeJS.ProcessEnv = process.env) => {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [...fallback];
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
};
