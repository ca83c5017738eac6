/**
 * The micro comparisons on their own: `npx tsx bench/compare/cli.ts [--quick] [--only=batching,memory]`.
 * Progress goes to stderr; the tables to stdout.
 */
import {
  type ComparisonName,
  comparisonNames,
  formatComparisons,
  formatMemory,
  runMicroSuite,
} from './index';

const quick = process.argv.includes('--quick');
const onlyArgument = process.argv.find((argument) => argument.startsWith('--only='));
const only = onlyArgument?.slice('--only='.length).split(',');
const unknown = (only ?? []).filter((name) => !(comparisonNames as readonly string[]).includes(name));
if (unknown.length > 0) {
  process.stderr.write(`Unknown comparison ${unknown.join(', ')}; known: ${comparisonNames.join(', ')}\n`);
  process.exit(2);
}
const started = performance.now();
const result = await runMicroSuite({
  quick,
  only: only as ComparisonName[] | undefined,
  log: (line) => process.stderr.write(`[compare] ${line}\n`),
});
const total = (performance.now() - started) / 1000;
process.stdout.write(`${formatComparisons(result.comparisons)}\n\n${formatMemory(result.memory)}\n\n`);
process.stdout.write(
  `${quick ? 'quick' : 'full'} run: ${total.toFixed(1)} s (comparisons ${result.seconds.toFixed(1)} s)\n`,
);
