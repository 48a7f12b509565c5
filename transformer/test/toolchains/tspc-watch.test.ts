import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Child, editFile, removeTemp, requireBuilt, tempCopy, TSPC, waitFor } from './helpers';

// `tspc --watch`: the plugin's factory runs per emitted file in watch builds (anchors §3.4); an edited message
// must come out with its new contract.

jest.setTimeout(60_000);

describe('tspc --watch', () => {
  let dir: string;
  let watch: Child | undefined;

  beforeAll(() => {
    requireBuilt();
    dir = tempCopy('refs/lib', 'tspc-watch');
  });

  afterAll(async () => {
    await watch?.kill();
    removeTemp(dir);
  });

  it('re-emits the contract of an edited message', async () => {
    const emitted = join(dir, 'dist/messages.js');
    watch = new Child(TSPC, ['--watch', '-p', 'tsconfig.json', '--preserveWatchOutput'], dir);
    const w = watch;
    await waitFor('the first build', () => /Found 0 errors\. Watching for file changes\./.test(w.output) && existsSync(emitted), 30_000, () => w.output);
    const first = readFileSync(emitted, 'utf8');
    expect(first).toContain('__catga.defineContract(PlaceOrder, {');
    expect(first).not.toContain('"discountCode"');

    editFile(join(dir, 'src/messages.ts'), '  readonly quantity: number;\n', '  readonly quantity: number;\n  /** @minLength 4 */\n  readonly discountCode?: string;\n');
    const updated = await waitFor('the re-emitted contract', () => {
      const text = readFileSync(emitted, 'utf8');
      return text.includes('{ name: "discountCode", type: "string | undefined", optional: true }') ? text : undefined;
    }, 30_000, () => w.output);
    expect(updated).toContain('record: ["customer","quantity","discountCode","messageId","correlationId","causationId","createdAt"]');
    expect(updated).toContain('if (m.discountCode.length < 4) issues.push({ field: "discountCode", rule: "minLength"');
    expect(w.output.match(/Found 0 errors\./g)?.length ?? 0).toBeGreaterThanOrEqual(1);
  });
});
