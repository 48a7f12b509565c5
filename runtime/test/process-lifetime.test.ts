import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// Runs programs against the built package in a child process: what keeps a Node process alive is only observable
// from outside it. (npm test builds first.)
const runtimeDir = join(__dirname, '..');

function run(program: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', program], {
    cwd: runtimeDir,
    encoding: 'utf8',
    timeout: 15_000, // a process held open by a 30 s timer would be killed here and fail the test
  }).trim();
}

const header = `
import { Command, CatgaCommand, CatgaHandler, createCatga } from '@catga/runtime';
class Ping extends Command {}
`;

describe('process lifetime with timeouts', () => {
  it('keeps the process alive for a hung handler until its TIMEOUT reaches the caller', () => {
    const out = run(`${header}
CatgaCommand({ timeoutMs: 100 })(Ping);
class HungHandler { handle() { return new Promise(() => {}); } } // nothing else keeps the process alive
CatgaHandler(Ping)(HungHandler);
const result = await createCatga({ preset: 'highPerformance' }).handler(HungHandler).build().send(new Ping());
console.log(result.ok ? 'ok' : result.error.code);
`);
    expect(out).toBe('TIMEOUT');
  });

  it('does not hold the process open after timed calls completed (idle instance)', () => {
    const out = run(`${header}
CatgaCommand({ timeoutMs: 30000 })(Ping);
class PingHandler { handle() { return 'pong'; } }
CatgaHandler(Ping)(PingHandler);
const result = await createCatga({ preset: 'highPerformance' }).handler(PingHandler).build().send(new Ping());
console.log(result.ok ? result.value : result.error.code);
`);
    expect(out).toBe('pong');
  });
});
