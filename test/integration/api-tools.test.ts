/**
 * The tools around the API on the local runtime: what `npm start` prints, and `image-fanout upload`
 * through the API. Runs the short-timeout test stack (local/tools/soak.ts), on its own free ports.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { consumerNames } from '../../lambdas/shared/constants';
import type { LocalPipeline } from '../../local/emulator';
import { apiLines, developmentUser } from '../../local/tools';
import { runCommand } from '../../ops/commands';
import { photoJpeg } from '../../samples/images';
import { createApiClient } from '../helpers/api';
import { useLocalPipeline } from '../helpers/pipeline';

let pipeline: LocalPipeline;
let alice: string;

useLocalPipeline(
  () => ({ cloudAssemblyDir: inject('soakAssembly'), port: 0 }),
  async (started) => {
    pipeline = started;
    alice = await pipeline.issueToken({ sub: 'alice' });
  },
);

const claimsOf = (token: string) => decodeJwt(token);

describe('npm start', () => {
  it('prints the API URL and a development token the API accepts', async () => {
    const printed = await apiLines(pipeline);
    const url = /api {10}(\S+)/.exec(printed)?.[1];
    const token = /token {8}(\S+)/.exec(printed)?.[1];
    expect(url).toBe(pipeline.httpApis[0]?.url);
    expect(claimsOf(token ?? '').sub).toBe(developmentUser);
    expect((await createApiClient(url ?? '').list(token ?? '')).status).toBe(200);
  });
});

describe('the operator tool', () => {
  it('image-fanout upload <file> goes through the API and follows the image through all four stages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-upload-'));
    const file = join(dir, 'lighthouse.jpg');
    writeFileSync(file, await photoJpeg({ width: 320, height: 240, seed: 21 }));
    const printed: string[] = [];
    try {
      const code = await runCommand(
        ['upload', file, '--api', pipeline.httpApis[0]?.url ?? '', '--wait', '--json'],
        {
          print: (text) => printed.push(text),
          env: { IMAGE_FANOUT_TOKEN: alice },
        },
      );
      expect(code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true });
    }
    const result = JSON.parse(printed.join('\n'));
    expect(result.key).toMatch(/^uploads\/alice\/[0-9a-f]{16}\/lighthouse\.jpg$/);
    expect(Object.values(result.stages).map((stage) => (stage as { status: string }).status)).toEqual(
      consumerNames.map(() => 'processed'),
    );
    const refused = runCommand(['upload', file, '--api', pipeline.httpApis[0]?.url ?? ''], {
      print: () => undefined,
      env: {},
    });
    await expect(refused).rejects.toThrow(/--token or IMAGE_FANOUT_TOKEN/);
  });
});
