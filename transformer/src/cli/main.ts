#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { CliError, type CliIo, runGenerate, transformerVersion } from './generate.js';
import { watchGenerate } from './watch.js';

export const USAGE = `Usage: catga generate [-p <tsconfig.json>] [--out <file.ts>] [--watch]

Writes one TypeScript file holding what @catga/transformer compiles in (message contracts, generated validators,
handler executors), for toolchains that cannot run TypeScript transformers: tsx, esbuild, Vite/Vitest, SWC, Bun,
Node type stripping, TypeScript 7. Import the file once, at startup, before building a Catga instance.

Options:
  -p, --project <path>  tsconfig.json, or the directory holding it (default: tsconfig.json)
  -o, --out <file>      the file to write (default: <rootDir, else src>/catga.generated.ts)
  -w, --watch           regenerate on every change; errors are reported and never end the watch
  -h, --help            print this help
  -v, --version         print the version

Exit codes: 0 written or up to date, 1 Catga errors (nothing written), 2 bad usage.`;

/** What the command line asks for. */
export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'generate'; readonly project: string; readonly out: string | undefined; readonly watch: boolean }
  | { readonly kind: 'usage'; readonly message: string };

export function parseCommandLine(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        project: { type: 'string', short: 'p' },
        out: { type: 'string', short: 'o' },
        watch: { type: 'boolean', short: 'w' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    // Node's parser appends advice about `--` to unknown options; the usage that follows says more.
    return { kind: 'usage', message: (error as Error).message.replace(/\. To specify a positional argument[\s\S]*$/, '.') };
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };
  const [command, ...rest] = positionals;
  if (command === undefined) return { kind: 'usage', message: 'Missing command: catga generate.' };
  if (command !== 'generate') return { kind: 'usage', message: `Unknown command "${command}"; the command is generate.` };
  if (rest.length > 0) return { kind: 'usage', message: `Unexpected argument "${rest[0]}".` };
  return { kind: 'generate', project: values.project ?? 'tsconfig.json', out: values.out, watch: values.watch === true };
}

/**
 * Runs the CLI; resolves to the exit code, or to `undefined` while `--watch` runs (the watch keeps the process
 * alive until it is interrupted).
 */
export function main(argv: readonly string[], io: CliIo): number | undefined {
  const command = parseCommandLine(argv);
  switch (command.kind) {
    case 'help':
      io.out(USAGE);
      return 0;
    case 'version':
      io.out(transformerVersion());
      return 0;
    case 'usage':
      io.err(`catga: ${command.message}\n`);
      io.err(USAGE);
      return 2;
    case 'generate':
      try {
        if (!command.watch) return runGenerate(command, io);
        const watch = watchGenerate(command, io);
        const stop = (): void => {
          watch.close();
          process.exit(0);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        return undefined;
      } catch (error) {
        if (error instanceof CliError) {
          io.err(error.message);
          return 1;
        }
        throw error;
      }
  }
}

if (require.main === module) {
  const code = main(process.argv.slice(2), {
    cwd: process.cwd(),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  if (code !== undefined) process.exitCode = code;
}
