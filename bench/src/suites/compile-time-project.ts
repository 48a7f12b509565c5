/**
 * The generated project of the compile-time suite (compile-time.ts): `count` commands with a few typed fields each,
 * one handler per command, and a main that registers every handler and sends every command once. Written so that
 * plain `tsc` and `tspc` + `@catga/transformer` both compile it cleanly: each handler names its message
 * (`@CatgaHandler(CommandNNN)`), so the plain build also runs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What {@link writeProject} wrote, for the suite's checks and notes. */
export interface GeneratedProject {
  /** The tsconfig with the plugin entry (`tsc` ignores it, `tspc` runs it). */
  readonly tsconfig: string;
  /** The same options with `plugins: []`: `tspc` without the transformer, to split ts-patch's own cost off. */
  readonly tsconfigNoPlugin: string;
  readonly sourceFiles: number;
  readonly sourceBytes: number;
  readonly messages: number;
  readonly handlers: number;
}

const pad = (i: number): string => String(i).padStart(3, '0');

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022'],
    types: ['node'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: true,
    rootDir: 'src',
    // Overridden per variant with --outDir. No declarations or source maps: the size ratio compares JavaScript only.
    outDir: 'dist',
    plugins: [{ transform: '@catga/transformer' }],
  },
  include: ['src'],
};

const SHARED = `/** Shared field types of the generated commands. */
export type Priority = 'low' | 'normal' | 'high';

export interface Line {
  readonly sku: string;
  /** @minimum 1 @integer */
  readonly qty: number;
  /** @minimum 0 */
  readonly unitPrice: number;
}
`;

/** The fields of command `i`: four every command has, plus some that vary with `i` (optional ones last). */
function fields(i: number): Array<{ name: string; type: string; optional?: boolean; value: string }> {
  const list: Array<{ name: string; type: string; optional?: boolean; value: string }> = [
    { name: 'id', type: 'string', value: `'id-${i}'` },
    { name: 'amount', type: 'number', value: String(i + 1) },
    { name: 'priority', type: 'Priority', value: `'${['low', 'normal', 'high'][i % 3]}'` },
    { name: 'lines', type: 'readonly Line[]', value: `[{ sku: 'sku-${i}', qty: ${(i % 4) + 1}, unitPrice: 2.5 }]` },
  ];
  if (i % 3 === 0) list.push({ name: 'dueAt', type: 'Date', value: 'new Date(0)' });
  if (i % 5 === 0) list.push({ name: 'urgent', type: 'boolean', value: 'true' });
  if (i % 2 === 0) list.push({ name: 'note', type: 'string', optional: true, value: `'note ${i}'` });
  return list;
}

function command(i: number): string {
  const name = `Command${pad(i)}`;
  const params = fields(i)
    .map((f) => `    readonly ${f.name}${f.optional ? '?' : ''}: ${f.type},`)
    .join('\n');
  return `import { CatgaCommand, Command } from '@catga/runtime';
import type { Line, Priority } from '../shared.js';

export interface ${name}Result {
  readonly id: string;
  readonly total: number;
}

/** Generated command ${i}. */
@CatgaCommand()
export class ${name} extends Command<${name}Result> {
  constructor(
${params}
  ) {
    super();
  }
}
`;
}

function handler(i: number): string {
  const name = `Command${pad(i)}`;
  return `import { CatgaHandler, type HandlerContext } from '@catga/runtime';
import { ${name}, type ${name}Result } from '../messages/command-${pad(i)}.js';

@CatgaHandler(${name})
export class ${name}Handler {
  async handle(command: ${name}, context: HandlerContext): Promise<${name}Result> {
    if (context.signal.aborted) throw new Error('cancelled');
    let total = command.amount;
    for (const line of command.lines) total += line.qty * line.unitPrice;
    return { id: command.id, total };
  }
}
`;
}

function main(count: number): string {
  const indices = Array.from({ length: count }, (_, i) => i);
  const imports = indices
    .flatMap((i) => [
      `import { Command${pad(i)} } from './messages/command-${pad(i)}.js';`,
      `import { Command${pad(i)}Handler } from './handlers/command-${pad(i)}-handler.js';`,
    ])
    .join('\n');
  const registrations = indices.map((i) => `    .handler(Command${pad(i)}Handler)`).join('\n');
  const sends = indices
    .map((i) => {
      const args = fields(i)
        .map((f) => f.value)
        .join(', ');
      return `  count(await catga.send(new Command${pad(i)}(${args})));`;
    })
    .join('\n');
  return `import { createCatga, type CatgaResult } from '@catga/runtime';
${imports}

const untransformed = process.env['CATGA_UNTRANSFORMED'] === 'allow' ? 'allow' : 'throw';

export async function main(): Promise<{ ok: number; failed: number }> {
  const catga = createCatga({ preset: 'highPerformance', untransformed })
${registrations}
    .build();
  let ok = 0;
  let failed = 0;
  const count = (result: CatgaResult<unknown>): void => {
    if (result.ok) ok++;
    else failed++;
  };
${sends}
  await catga.close();
  return { ok, failed };
}

console.log(JSON.stringify(await main()));
`;
}

/** Writes the project into `dir` (which should be empty). */
export async function writeProject(dir: string, count: number): Promise<GeneratedProject> {
  const files = new Map<string, string>([['src/shared.ts', SHARED], ['src/main.ts', main(count)]]);
  for (let i = 0; i < count; i++) {
    files.set(`src/messages/command-${pad(i)}.ts`, command(i));
    files.set(`src/handlers/command-${pad(i)}-handler.ts`, handler(i));
  }
  await mkdir(join(dir, 'src/messages'), { recursive: true });
  await mkdir(join(dir, 'src/handlers'), { recursive: true });
  let sourceBytes = 0;
  for (const [path, text] of files) {
    await writeFile(join(dir, path), text);
    sourceBytes += Buffer.byteLength(text);
  }
  const tsconfig = join(dir, 'tsconfig.json');
  const tsconfigNoPlugin = join(dir, 'tsconfig.no-plugin.json');
  await writeFile(tsconfig, `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  await writeFile(tsconfigNoPlugin, `${JSON.stringify({ ...TSCONFIG, compilerOptions: { ...TSCONFIG.compilerOptions, plugins: [] } }, null, 2)}\n`);
  return { tsconfig, tsconfigNoPlugin, sourceFiles: files.size, sourceBytes, messages: count, handlers: count };
}
