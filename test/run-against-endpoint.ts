/**
 * `npm run test:endpoint -- <url> [test files]`: the pipeline's integration tests against a running
 * AWS-compatible endpoint (moto_server, LocalStack) instead of the embedded backend. The stack's
 * resources are created there (again: creating is idempotent) and the consumers run here. The tests
 * use keys of their own per run, so the same endpoint can take any number of runs.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { endpointAccountId } from '../local/emulator';

const usage = 'Usage: npm run test:endpoint -- <endpoint url> [test files]   e.g. http://127.0.0.1:5000';
const defaultFiles = ['test/integration/pipeline.test.ts'];

const [endpoint, ...files] = process.argv.slice(2);
if (endpoint === undefined || !/^https?:\/\//.test(endpoint)) {
  console.error(usage);
  process.exit(2);
}

const account = await endpointAccountId(endpoint, process.env.AWS_REGION ?? 'us-east-1');
if (account.source === 'default' && /ECONNREFUSED|fetch failed|connect/i.test(account.why)) {
  console.error(`Nothing answers at ${endpoint} (${account.why}). Start it first, e.g. moto_server -p 5000`);
  process.exit(1);
}
console.log(
  `Running ${(files.length > 0 ? files : defaultFiles).join(', ')} against ${endpoint} (account ${account.accountId})`,
);

const projectDir = fileURLToPath(new URL('..', import.meta.url));
const vitest = spawn(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', ...(files.length > 0 ? files : defaultFiles)],
  { cwd: projectDir, stdio: 'inherit', env: { ...process.env, IMAGE_FANOUT_TEST_ENDPOINT: endpoint } },
);
vitest.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
