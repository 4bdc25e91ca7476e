/**
 * The reference docs keep up with the code: every command of `friend-import` and every long flag of
 * it is in docs/cli.md, in that command's own section; every environment variable the settings
 * schemas (config/*.ts) and the processes read is in docs/configuration.md.
 */
import { Command } from 'commander';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXIT } from '../../../cli/commands/errors.js';
import { registerCommands } from '../../../cli/commands/index.js';
import { projectRoot } from '../../../cli/stack/temporalCli.js';
import { CODEC_KEYS_ENV } from '../../../connection/codec.js';

const read = (path: string): string => readFileSync(join(projectRoot, path), 'utf8');

/** The program as cli/main.ts builds it (the version flag included). */
function program(): Command {
  const p = new Command('friend-import').version('0.0.0', '-V, --version', 'print the version');
  registerCommands(p);
  return p;
}

/** `--flag` as a word of its own: `--job-id` is not found inside `--job-ids` or `x--job-id`. */
const mentions = (text: string, flag: string): boolean =>
  new RegExp(`(?<![\\w-])${flag}(?![\\w-])`).test(text);

/**
 * The section of docs/cli.md about `command`: from its heading (`### \`friend-import <command>\``)
 * to the next heading of the same or a higher level, its sub-sections included.
 */
function sectionOf(doc: string, command: string): string | undefined {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^###\\s+\`friend-import ${command}\``).test(l));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^#{1,3}\s/.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

describe('docs/cli.md', () => {
  const doc = read('docs/cli.md');
  const commands = program().commands;

  it('knows the commands it is checked against', () => {
    const names = commands.map((c) => c.name());
    for (const name of ['import', 'verify', 'report', 'worker', 'codec-server'])
      assert.ok(names.includes(name));
  });

  it('has a section for every command', () => {
    const missing = commands.map((c) => c.name()).filter((name) => sectionOf(doc, name) === undefined);
    assert.deepEqual(missing, [], 'commands without a "### `friend-import <command>`" section');
  });

  it("names every long flag of a command in that command's section", () => {
    const missing: string[] = [];
    for (const command of commands) {
      const section = sectionOf(doc, command.name()) ?? '';
      for (const option of command.options)
        if (option.long && !mentions(section, option.long)) missing.push(`${command.name()} ${option.long}`);
    }
    assert.deepEqual(missing, [], 'flags missing from their command section');
  });

  it("names the program's own flags", () => {
    const missing = program()
      .options.map((o) => o.long)
      .filter((long): long is string => long !== undefined && !mentions(doc, long));
    assert.deepEqual(missing, []);
    assert.ok(mentions(doc, '--help'));
  });

  it('lists every exit code of cli/commands/errors.ts', () => {
    const table = doc.slice(doc.indexOf('## Exit codes'));
    for (const code of Object.values(EXIT))
      assert.match(table, new RegExp(`^\\| ${code} `, 'm'), String(code));
  });
});

/** The keys of the settings schemas (`NAME: z…` or `NAME: wholeNumber(…)`, one per line) in config/. */
function schemaVariables(): string[] {
  const names = new Set<string>();
  for (const file of readdirSync(join(projectRoot, 'config')).filter((f) => f.endsWith('.ts')))
    for (const m of read(join('config', file)).matchAll(/^\s+([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+):\s/gm))
      if (m[1]) names.add(m[1]);
  return [...names].sort();
}

/** Variables the processes read directly (`process.env.NAME`, `env.NAME`) in the shipped code. */
function readVariables(): string[] {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(projectRoot, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts'))
        for (const m of read(path).matchAll(/\benv\.([A-Z][A-Z0-9_]+)\b/g))
          if (m[1] && !['PATH', 'GOFLAGS'].includes(m[1])) names.add(m[1]);
    }
  };
  for (const dir of ['config', 'connection', 'client', 'workers', 'cli']) walk(dir);
  return [...names].sort();
}

describe('docs/configuration.md', () => {
  const doc = read('docs/configuration.md');
  const documented = (name: string): boolean => new RegExp(`\`${name}\``).test(doc);

  it('finds the schemas it is checked against', () => {
    const names = schemaVariables();
    for (const name of [
      'TEMPORAL_ADDRESS',
      'TEMPORAL_API_KEY',
      'IM_SECRET_KEY',
      'IM_RATE_LIMIT',
      'WORKER_ROLE',
    ])
      assert.ok(names.includes(name), name);
  });

  it('documents every variable of the settings schemas', () => {
    assert.deepEqual(
      schemaVariables().filter((name) => !documented(name)),
      [],
    );
  });

  it('documents the encryption keys and every variable a process reads directly', () => {
    assert.deepEqual(
      [CODEC_KEYS_ENV, ...readVariables()].filter((name) => !documented(name)),
      [],
    );
  });
});
