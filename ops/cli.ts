/**
 * `image-fanout`: the operator's tool, for the local backend and a deployed stack alike. See
 * `image-fanout --help` and docs/operations.md.
 */
import process from 'node:process';

// Before the SDK loads: its Node 20 deprecation notice says nothing an operator can act on here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { runCommand, usage, OpsError, UsageError } = await import('./commands');

// First Ctrl-C: a redrive stops after the batch under way (nothing is lost); the second: at once.
const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  console.error('Stopping after the batch under way (Ctrl-C again to stop at once)...');
  controller.abort();
});

try {
  process.exitCode = await runCommand(process.argv.slice(2), {
    signal: controller.signal,
    print: (text) => console.log(text),
  });
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${usage}`);
    process.exitCode = 2;
  } else if (error instanceof OpsError) {
    console.error(error.message);
    process.exitCode = 1;
  } else {
    console.error(error);
    process.exitCode = 1;
  }
}
// The SIGINT handler must not keep the process alive.
process.removeAllListeners('SIGINT');
