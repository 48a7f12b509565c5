import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Checks the built package as users get it (npm test builds first): ESM and CJS entry points, types next to each.
const runtimeDir = join(__dirname, '..');

/** The program's last line of output (the development preset logs each call before it). */
function runNode(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: runtimeDir, encoding: 'utf8' }).trim().split('\n').pop() ?? '';
}

const program = (load: string) => `
${load}
class Ping extends Command {}
CatgaCommand()(Ping);
class PingHandler { handle() { return 'pong'; } }
CatgaHandler(Ping)(PingHandler);
createCatga({ preset: 'development' }).handler(PingHandler).build().send(new Ping())
  .then((r) => console.log(JSON.stringify(r)));
`;

describe('@catga/runtime package', () => {
  it('declares ESM and CJS entry points with types for each', () => {
    const manifest = JSON.parse(readFileSync(join(runtimeDir, 'package.json'), 'utf8'));
    const root = manifest.exports['.'];
    for (const file of [root.import.default, root.import.types, root.require.default, root.require.types]) {
      expect(existsSync(join(runtimeDir, file))).toBe(true);
    }
  });

  it('runs as an ES module', () => {
    const out = runNode(['--input-type=module', '-e', program("import { Command, CatgaCommand, CatgaHandler, createCatga } from '@catga/runtime';")]);
    expect(JSON.parse(out)).toEqual({ ok: true, value: 'pong' });
  });

  it('runs as CommonJS', () => {
    const out = runNode(['-e', program("const { Command, CatgaCommand, CatgaHandler, createCatga } = require('@catga/runtime');")]);
    expect(JSON.parse(out)).toEqual({ ok: true, value: 'pong' });
  });
});
