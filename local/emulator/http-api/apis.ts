import type { FunctionHost, InvokeOutcome } from '../lambda';
import type { FunctionSpec, Topology } from '../template';
import { createLocalIdentityProvider } from './jwt';
import { type AccessLine, type LocalHttpApi, startHttpApi } from './server';

export type { AccessLine, LocalHttpApi } from './server';

export interface HttpApisOptions {
  readonly topology: Topology;
  /** The host that runs a function (created on first use by the runtime). */
  readonly hostOf: (fn: FunctionSpec) => FunctionHost;
  /** Port of the first API; 0 picks a free one. Further APIs always get free ports. */
  readonly port?: number;
  readonly host?: string;
  readonly onAccess?: (line: AccessLine, api: string) => void;
  readonly onWarning?: (message: string) => void;
}

export interface DevTokenRequest {
  readonly sub: string;
  /** The API whose authorizer the token is for; default the first API with a JWT authorizer. */
  readonly api?: string;
  readonly scopes?: readonly string[];
  readonly expiresInSeconds?: number;
  readonly claims?: Readonly<Record<string, unknown>>;
}

export interface LocalHttpApis {
  readonly apis: readonly LocalHttpApi[];
  /** A token the API's JWT authorizer accepts, signed by the runtime as the local identity provider. */
  issueToken(request: DevTokenRequest): Promise<string>;
  stop(): Promise<void>;
}

/** Brings up every HTTP API of the topology, each on its own port, with the runtime as identity provider. */
export const startHttpApis = async (options: HttpApisOptions): Promise<LocalHttpApis> => {
  const { topology } = options;
  const identity = await createLocalIdentityProvider();
  const functions = new Map(topology.functions.map((fn) => [fn.name, fn]));
  const invoke = (functionName: string, event: unknown): Promise<InvokeOutcome> => {
    const fn = functions.get(functionName);
    if (fn === undefined) return Promise.reject(new Error(`Function ${functionName} is not in the stack`));
    return options.hostOf(fn).invoke(event);
  };
  const apis: LocalHttpApi[] = [];
  try {
    for (const [index, api] of topology.httpApis.entries()) {
      if (api.stages.length === 0) {
        options.onWarning?.(
          `HTTP API ${api.logicalId} has no stage: it is not deployed, so it does not run locally`,
        );
        continue;
      }
      for (const integration of api.integrations) {
        if (integration.functionName === undefined || integration.payloadFormatVersion !== '2.0') {
          options.onWarning?.(
            `HTTP API ${api.logicalId}: integration ${integration.logicalId} (${integration.type}, payload ${integration.payloadFormatVersion}) answers 500 locally; only Lambda proxy integrations with payload 2.0 run`,
          );
        }
      }
      apis.push(
        await startHttpApi(api, {
          port: index === 0 ? options.port : 0,
          host: options.host,
          accountId: topology.naming.accountId,
          identity,
          invoke,
          onAccess: (line) => options.onAccess?.(line, api.logicalId),
        }),
      );
    }
  } catch (error) {
    await Promise.all(apis.map((api) => api.stop()));
    throw error;
  }
  return {
    apis,
    async issueToken(request) {
      const api = topology.httpApis.find(
        (candidate) =>
          (request.api === undefined || candidate.logicalId === request.api) &&
          candidate.authorizers.some((authorizer) => authorizer.type === 'JWT'),
      );
      const authorizer = api?.authorizers.find((candidate) => candidate.type === 'JWT');
      if (authorizer?.issuer === undefined || authorizer.audience[0] === undefined) {
        throw new Error(
          `No HTTP API${request.api ? ` ${request.api}` : ''} with a JWT authorizer to issue a token for`,
        );
      }
      return identity.issue({ ...request, issuer: authorizer.issuer, audience: authorizer.audience[0] });
    },
    async stop() {
      await Promise.all(apis.map((api) => api.stop()));
    },
  };
};
