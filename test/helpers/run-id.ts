/**
 * A name of this test run: lower-case letters and digits (one search token, a folder name), so
 * keys, owners and search words are the run's own and a persistent endpoint takes any number of runs.
 */
export const runId = (): string => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
