import { mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { editFile, lastJson, removeTemp, requireBuilt, runNode, runNodeOk, tempCopy, TSPC } from './helpers';

// `tspc -b` over project references: `lib` declares the messages (plugin with "requireHandlers": false), `app`
// references it and holds the handler and main. The app imports lib as a package (node_modules/@fixture/lib).

jest.setTimeout(60_000);

describe('tspc -b with project references', () => {
  let dir: string;
  const build = (): ReturnType<typeof runNode> => runNode(TSPC, ['-b', 'app', '--verbose'], dir);
  const runMain = (): Record<string, unknown> => lastJson(runNodeOk(join(dir, 'app/dist/main.js'), [], dir).stdout) as Record<string, unknown>;

  beforeAll(() => {
    requireBuilt();
    dir = tempCopy('refs', 'project-references');
    mkdirSync(join(dir, 'node_modules/@fixture'), { recursive: true });
    symlinkSync('../../lib', join(dir, 'node_modules/@fixture/lib'), 'dir');
  });

  afterAll(() => removeTemp(dir));

  it('builds lib then app, is up to date on a second build, and follows a message change in lib', () => {
    // 1. Both projects built through the plugin: lib's contract, app's executor (untransformed: 'throw' passes).
    const first = build();
    expect(first.output).toContain("Building project '");
    expect(first.status).toBe(0);
    const libJs = join(dir, 'lib/dist/messages.js');
    expect(readFileSync(libJs, 'utf8')).toContain('__catga.defineContract(PlaceOrder, {');
    const appJs = readFileSync(join(dir, 'app/dist/handlers.js'), 'utf8');
    expect(appJs).toContain('__catga.defineHandler(PlaceOrderHandler, {');
    expect(appJs).toMatch(/import \* as __catga_m0 from "@fixture\/lib";/);
    expect(runMain()).toEqual({
      short: { ok: true, value: { orderId: 'o-abc-2' } },
      long: { ok: true, value: { orderId: 'o-abcdef-3' } },
      fields: ['customer: string', 'quantity: number'],
    });

    // 2. Nothing changed: both projects up to date, no output rewritten.
    const libMtime = statSync(libJs).mtimeMs;
    const second = build();
    expect(second.status).toBe(0);
    expect(second.output).toMatch(/Project 'lib\/tsconfig\.json' is up to date/);
    expect(second.output).toMatch(/Project 'app\/tsconfig\.json' is up to date/);
    expect(second.output).not.toContain('Building project');
    expect(statSync(libJs).mtimeMs).toBe(libMtime);

    // 3. A stricter constraint and a new field on lib's message: lib's contract changes, the app is rebuilt against
    // the new declaration, and the app's executor still runs the message that passes.
    editFile(join(dir, 'lib/src/messages.ts'), '/** @minLength 1 */', '/** @minLength 5 */');
    editFile(join(dir, 'lib/src/messages.ts'), '  readonly quantity: number;\n', '  readonly quantity: number;\n  readonly priority?: number;\n');
    const third = build();
    expect(third.status).toBe(0);
    expect(third.output).toMatch(/Building project '[^']*lib\/tsconfig\.json'/);
    expect(readFileSync(libJs, 'utf8')).toContain('{ name: "priority", type: "number | undefined", optional: true }');
    const after = runMain();
    expect(after['short']).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', details: { errors: [{ field: 'customer', rule: 'minLength' }] } } });
    expect(after['long']).toEqual({ ok: true, value: { orderId: 'o-abcdef-3' } });
    expect(after['fields']).toEqual(['customer: string', 'quantity: number', 'priority: number | undefined']);
  });
});
