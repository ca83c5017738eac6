/** Where a run's figures go: `<dir>/<timestamp>.json`, `<dir>/latest.json` and `<dir>/latest.svg`. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResult } from '../types';
import { renderChart } from './chart';

export interface WrittenResults {
  readonly json: string;
  readonly latest: string;
  readonly chart: string;
}

/** Written beside, then renamed: a reader never sees half a file (`*.tmp` is git-ignored). */
const writeAtomically = (path: string, text: string) => {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
};

export const writeResults = (result: BenchResult, dir: string): WrittenResults => {
  mkdirSync(dir, { recursive: true });
  const stamp = result.startedAt.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const paths = {
    json: join(dir, `${stamp}.json`),
    latest: join(dir, 'latest.json'),
    chart: join(dir, 'latest.svg'),
  };
  writeAtomically(paths.json, json);
  writeAtomically(paths.latest, json);
  const m = result.machine;
  writeAtomically(
    paths.chart,
    renderChart(
      result.runs,
      `image-fanout ${result.mode} benchmark, ${result.startedAt.slice(0, 16).replace('T', ' ')} UTC: ${m.cpus} cores, Node ${m.node}`,
    ),
  );
  return paths;
};
