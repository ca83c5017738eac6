/** API Gateway HTTP APIs (AWS::ApiGatewayV2::*): routes, integrations, JWT authorizers, stages, CORS. */
import { asBoolean, asNumber, asOptionalNumber, asRecord, asString, asStringList, propertyPath } from './cfn';
import type { ReadContext, TemplateResource } from './context';
import { functionNameOf } from './lambda';
import type {
  HttpApiSpec,
  HttpAuthorizerSpec,
  HttpCorsSpec,
  HttpIntegrationSpec,
  HttpRouteSpec,
  HttpStageSpec,
  HttpThrottle,
} from './types';

/** API Gateway's limit for HTTP API integrations, and its default. */
const maxIntegrationTimeoutMs = 30_000;

type Reader = (property: string) => unknown;

const readerOf = (context: ReadContext, logicalId: string) => ({
  read: ((property) => context.resolver.property(logicalId, property)) as Reader,
  at: (property: string) => propertyPath(logicalId, property),
});

/** Logical id of the resource whose Ref is `ref`, among `entries`. */
const byRef = (context: ReadContext, entries: readonly TemplateResource[], ref: string | undefined) =>
  ref === undefined
    ? undefined
    : entries.find(({ logicalId }) => context.resolver.local(logicalId).ref === ref)?.logicalId;

const throttleOf = (value: unknown, at: string): HttpThrottle => {
  const settings = asRecord(value, at);
  const rateLimit = asOptionalNumber(settings.ThrottlingRateLimit, `${at}.ThrottlingRateLimit`);
  const burstLimit = asOptionalNumber(settings.ThrottlingBurstLimit, `${at}.ThrottlingBurstLimit`);
  return {
    ...(rateLimit === undefined ? {} : { rateLimit }),
    ...(burstLimit === undefined ? {} : { burstLimit }),
  };
};

const corsOf = (value: unknown, at: string): HttpCorsSpec | undefined => {
  if (value === undefined) return undefined;
  const cors = asRecord(value, at);
  const maxAgeSeconds = asOptionalNumber(cors.MaxAge, `${at}.MaxAge`);
  return {
    allowOrigins: asStringList(cors.AllowOrigins, `${at}.AllowOrigins`),
    allowMethods: asStringList(cors.AllowMethods, `${at}.AllowMethods`),
    allowHeaders: asStringList(cors.AllowHeaders, `${at}.AllowHeaders`),
    exposeHeaders: asStringList(cors.ExposeHeaders, `${at}.ExposeHeaders`),
    ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds }),
    allowCredentials: asBoolean(cors.AllowCredentials, `${at}.AllowCredentials`, false),
  };
};

const readIntegration = (context: ReadContext, { logicalId }: TemplateResource): HttpIntegrationSpec => {
  const { read, at } = readerOf(context, logicalId);
  const type = asString(read('IntegrationType'), at('IntegrationType'));
  const uri =
    read('IntegrationUri') === undefined ? '' : asString(read('IntegrationUri'), at('IntegrationUri'));
  const isFunction = type === 'AWS_PROXY' && /:lambda:|^[A-Za-z0-9_-]+$/.test(uri);
  return {
    logicalId,
    type,
    ...(isFunction ? { functionName: functionNameOf(uri) } : {}),
    uri,
    payloadFormatVersion: asString(read('PayloadFormatVersion') ?? '1.0', at('PayloadFormatVersion')),
    timeoutMs: asNumber(read('TimeoutInMillis'), at('TimeoutInMillis'), maxIntegrationTimeoutMs),
  };
};

const readAuthorizer = (context: ReadContext, { logicalId }: TemplateResource): HttpAuthorizerSpec => {
  const { read, at } = readerOf(context, logicalId);
  const jwt = asRecord(read('JwtConfiguration'), at('JwtConfiguration'));
  const issuer =
    jwt.Issuer === undefined ? undefined : asString(jwt.Issuer, `${at('JwtConfiguration')}.Issuer`);
  return {
    logicalId,
    name: asString(read('Name') ?? logicalId, at('Name')),
    type: asString(read('AuthorizerType'), at('AuthorizerType')),
    identitySource: asStringList(read('IdentitySource'), at('IdentitySource')),
    ...(issuer === undefined ? {} : { issuer }),
    audience: asStringList(jwt.Audience, `${at('JwtConfiguration')}.Audience`),
  };
};

const readStage = (context: ReadContext, { logicalId }: TemplateResource): HttpStageSpec => {
  const { read, at } = readerOf(context, logicalId);
  const routeSettings = asRecord(read('RouteSettings'), at('RouteSettings'));
  const variables = asRecord(read('StageVariables'), at('StageVariables'));
  return {
    logicalId,
    name: asString(read('StageName'), at('StageName')),
    throttle: throttleOf(read('DefaultRouteSettings'), at('DefaultRouteSettings')),
    routeThrottles: Object.fromEntries(
      Object.entries(routeSettings).map(([routeKey, value]) => [
        routeKey,
        throttleOf(value, `${at('RouteSettings')}.${routeKey}`),
      ]),
    ),
    stageVariables: Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [
        name,
        asString(value, `${at('StageVariables')}.${name}`),
      ]),
    ),
  };
};

export interface HttpApiEntries {
  readonly apis: readonly TemplateResource[];
  readonly routes: readonly TemplateResource[];
  readonly integrations: readonly TemplateResource[];
  readonly authorizers: readonly TemplateResource[];
  readonly stages: readonly TemplateResource[];
}

/** The HTTP APIs of the template; WebSocket APIs are left out with a warning. */
export const readHttpApis = (context: ReadContext, entries: HttpApiEntries): HttpApiSpec[] => {
  const apiIdOf = (logicalId: string) => {
    const value = context.resolver.property(logicalId, 'ApiId');
    return value === undefined ? undefined : asString(value, propertyPath(logicalId, 'ApiId'));
  };
  const belongsTo = (apiId: string) => (entry: TemplateResource) => apiIdOf(entry.logicalId) === apiId;
  return entries.apis.flatMap((api): HttpApiSpec[] => {
    const { read, at } = readerOf(context, api.logicalId);
    const protocol = asString(read('ProtocolType') ?? 'HTTP', at('ProtocolType'));
    if (protocol !== 'HTTP') {
      context.warnings.push(
        `AWS::ApiGatewayV2::Api (${api.logicalId}) is a ${protocol} API; only HTTP APIs run locally`,
      );
      return [];
    }
    const apiId = context.resolver.local(api.logicalId).ref;
    const mine = belongsTo(apiId);
    const routes = entries.routes.filter(mine).map(({ logicalId }): HttpRouteSpec => {
      const route = readerOf(context, logicalId);
      const target = route.read('Target');
      const targetRef =
        target === undefined
          ? undefined
          : asString(target, route.at('Target')).replace(/^integrations\//, '');
      const authorizer = byRef(
        context,
        entries.authorizers,
        route.read('AuthorizerId') as string | undefined,
      );
      const integration = byRef(context, entries.integrations, targetRef);
      return {
        logicalId,
        routeKey: asString(route.read('RouteKey'), route.at('RouteKey')),
        ...(integration === undefined ? {} : { integration }),
        authorization: {
          type: asString(route.read('AuthorizationType') ?? 'NONE', route.at('AuthorizationType')),
          ...(authorizer === undefined ? {} : { authorizer }),
          scopes: asStringList(route.read('AuthorizationScopes'), route.at('AuthorizationScopes')),
        },
      };
    });
    return [
      {
        logicalId: api.logicalId,
        apiId,
        name: asString(read('Name') ?? api.logicalId, at('Name')),
        ...(read('CorsConfiguration') === undefined
          ? {}
          : { cors: corsOf(read('CorsConfiguration'), at('CorsConfiguration')) as HttpCorsSpec }),
        routes,
        integrations: entries.integrations.filter(mine).map((entry) => readIntegration(context, entry)),
        authorizers: entries.authorizers.filter(mine).map((entry) => readAuthorizer(context, entry)),
        stages: entries.stages.filter(mine).map((entry) => readStage(context, entry)),
      },
    ];
  });
};
