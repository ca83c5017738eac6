/**
 * Fault injection is compiled out of deployed bundles. The consumers' esbuild `define`
 * (lib/image-consumer.ts) makes the injector, its busy-loop "hang" included, dead code that the
 * bundler drops, in every stage but the local one the runtime and the tests run. The test greps
 * each consumer's bundle for the injector's own strings.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { consumerNames, consumerOutputs } from '../../lambdas/shared/constants';
import { faultsVariable } from '../../lambdas/shared/faults';
import { readTopology } from '../../local/emulator';
import { synthesizeBundled } from '../helpers/synth';

const injectorStrings = ['Injected fault', faultsVariable];

/** Each consumer's bundled handler, found through its FunctionName output. */
const consumerBundles = (cloudAssemblyDir: string) => {
  const naming = { region: 'us-east-1', accountId: '000000000000', partition: 'aws', endpoint: 'http://x' };
  const topology = readTopology({ cloudAssemblyDir, naming });
  return consumerNames.map((consumer) => {
    const name = topology.outputs[consumerOutputs(consumer).functionName];
    const fn = topology.functions.find((candidate) => candidate.name === name);
    if (fn?.assetDir === undefined) throw new Error(`No bundle for the ${consumer} function (${name})`);
    return { consumer, code: readFileSync(join(fn.assetDir, 'index.js'), 'utf8') };
  });
};

const productionDir = mkdtempSync(join(tmpdir(), 'production-synth-'));
afterAll(() => rmSync(productionDir, { recursive: true, force: true }));

describe('the fault injector in the consumer bundles', () => {
  it('is in every bundle of the local synth (npm start, the soak and crash tests)', () => {
    for (const { consumer, code } of consumerBundles(inject('pipelineAssembly'))) {
      for (const text of injectorStrings) expect(code, `${consumer} bundle`).toContain(text);
    }
  });

  it('is in no bundle of a production synth', () => {
    // The stage alone decides; x86_64 keeps the synth offline (arm64 sharp is not in the npm cache).
    synthesizeBundled({ stage: 'prod', architecture: 'x86_64' }, productionDir);
    const bundles = consumerBundles(productionDir);
    expect(bundles).toHaveLength(consumerNames.length);
    for (const { consumer, code } of bundles) {
      for (const text of injectorStrings) expect(code, `${consumer} bundle`).not.toContain(text);
    }
  }, 120_000);
});
