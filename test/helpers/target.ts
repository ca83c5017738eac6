/**
 * Where the integration tests run the pipeline: the embedded backend on a free port (so test files
 * can run in parallel), or an external endpoint such as LocalStack when IMAGE_FANOUT_TEST_ENDPOINT
 * names one.
 */
export const externalEndpoint = process.env.IMAGE_FANOUT_TEST_ENDPOINT || undefined;

export const pipelineTarget = (): { endpoint: string } | { port: number } =>
  externalEndpoint === undefined ? { port: 0 } : { endpoint: externalEndpoint };
