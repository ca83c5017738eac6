/**
 * The README and docs as a newcomer reads them: every npm script they run exists, every option they
 * pass to one of the project's command lines is one its --help names, every file they link or name
 * is there. A rename that leaves the docs behind fails here instead of in a newcomer's terminal.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const documents = ['README.md', ...readdirSync(join(root, 'docs')).map((name) => `docs/${name}`)].filter(
  (path) => path.endsWith('.md'),
);
const textOf = (path: string) => readFileSync(join(root, path), 'utf8');
const scripts: Record<string, string> = JSON.parse(textOf('package.json')).scripts;

/** The project's command lines, by the npm script that runs them, and the file behind each. */
const commandLines: Record<string, string> = {
  start: 'local/tools/cli.ts',
  demo: 'local/tools/cli.ts',
  ops: 'ops/cli.ts',
  bench: 'bench/cli.ts',
  soak: 'local/tools/soak-cli.ts',
};

const helpTexts = new Map<string, string>();
const helpOf = (file: string) => {
  let text = helpTexts.get(file);
  if (text === undefined) {
    text = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), [file, '--help'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    helpTexts.set(file, text);
  }
  return text;
};

/** Every shell command in the documents' code blocks and inline code, with where it was found. */
const commandsIn = (path: string) => {
  const text = textOf(path);
  const blocks = [...text.matchAll(/```(?:bash|sh)\n([\s\S]*?)```/g)].flatMap((match) =>
    (match[1] ?? '').split('\n'),
  );
  const inline = [...text.matchAll(/`((?:npm|npx) [^`]+)`/g)].map((match) =>
    (match[1] ?? '').replace(/\s+/g, ' '),
  );
  return [...blocks, ...inline]
    .map((line) => line.replace(/\s#.*$/, '').trim())
    .filter((line) => /\bnpm (run|start|test)\b/.test(line))
    .map((line) => ({ path, line }));
};
const commands = documents.flatMap(commandsIn);

/** The script an `npm` command runs, and the options it passes after `--`. */
const parse = (line: string) => {
  const match = /\bnpm (?:run (\S+)|(start|test))(.*)$/.exec(line);
  const script = match?.[1] ?? match?.[2] ?? '';
  const rest = match?.[3] ?? '';
  const passed = rest.includes(' -- ') || rest.startsWith(' --') ? rest.slice(rest.indexOf('--') + 2) : '';
  const options = [...passed.matchAll(/(?:^|\s)(--[a-z][a-z-]*)/g)].map((m) => m[1] ?? '');
  return { script, options };
};

describe('the commands in the README and docs', () => {
  it('finds the commands to check', () => {
    expect(commands.length).toBeGreaterThan(20);
    expect(commands.some(({ path }) => path === 'README.md')).toBe(true);
  });

  it.each(commands)('$path: npm script of "$line" exists', ({ line }) => {
    const { script } = parse(line);
    expect(Object.keys(scripts), line).toContain(script);
  });

  const withOptions = commands
    .map((command) => ({ ...command, ...parse(command.line) }))
    .filter(({ script, options }) => commandLines[script] !== undefined && options.length > 0);

  it.each(withOptions)('$path: every option of "$line" is in its --help', ({ line, script, options }) => {
    const help = helpOf(commandLines[script] as string);
    for (const option of options) expect(help, `${option} in: ${line}`).toMatch(new RegExp(`${option}\\b`));
  });
});

describe('the files the README and docs name', () => {
  const named = documents.flatMap((path) => {
    const text = textOf(path);
    const base = path.startsWith('docs/') ? 'docs' : '.';
    const links = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((match) => match[1] ?? '')
      .filter((target) => !/^[a-z]+:/.test(target))
      .map((target) => ({ path, target, file: join(base, target) }));
    const code = [
      ...text.matchAll(
        /`((?:lib|lambdas|local|ops|bench|test|samples|docs)\/[\w./-]+\.(?:ts|md|json|mjs))`/g,
      ),
    ]
      .map((match) => match[1] ?? '')
      .map((target) => ({ path, target, file: target }));
    return [...links, ...code];
  });

  it('finds the files to check', () => {
    expect(named.length).toBeGreaterThan(20);
  });

  it.each(named)('$path: $target exists', ({ file }) => {
    expect(existsSync(join(root, file)), file).toBe(true);
  });
});
