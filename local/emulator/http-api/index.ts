/** API Gateway HTTP APIs: routes, JWT authorizers, CORS, throttling, Lambda proxy payload 2.0. */
export { type DevTokenRequest, type HttpApisOptions, type LocalHttpApis, startHttpApis } from './apis';
export { type AccessLine, type LocalHttpApi, startHttpApi } from './server';
