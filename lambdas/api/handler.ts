import { createAwsClients } from '../shared/clients';
import { createApiContext, createApiHandler, createApiLogger } from './app';
import { apiConfigFromEnv } from './config';

const logger = createApiLogger();
const context = createApiContext(apiConfigFromEnv(), createAwsClients(), logger);

export const handler = createApiHandler(context, logger);
