import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Child, CLI, editFile, removeTemp, requireBuilt, tempCopy, waitFor } from '../toolchains/helpers';

jest.setTimeout(60_000);

describe('catga generate --watch', () => {
  let dir: string;
  let watch: Child | undefined;

  beforeAll(() => {
    requireBuilt();
    dir = tempCopy('app', 'generate-watch');
  });

  afterAll(async () => {
    await watch?.kill();
    removeTemp(dir);
  });

  it('generates, regenerates on a change, reports errors without exiting, and does not loop on its own file', async () => {
    const generated = join(dir, 'src/catga.generated.ts');
    const messages = join(dir, 'src/messages.ts');
    watch = new Child(CLI, ['generate', '--watch'], dir);
    const w = watch;
    const rounds = (): number => (w.output.match(/^catga generate: \d+ messages?, \d+ handlers? -> /gm) ?? []).length;

    await waitFor('the first generation', () => rounds() === 1 && existsSync(generated), 20_000, () => w.output);
    expect(readFileSync(generated, 'utf8')).not.toContain('coupon');
    const firstWrite = statSync(generated).mtimeMs;

    // A new field on a message: its contract (fields, record, validator) must follow.
    editFile(messages, '  readonly lines: readonly OrderLine[];\n', '  readonly lines: readonly OrderLine[];\n  /** @maxLength 8 */\n  readonly coupon?: string;\n');
    const text = await waitFor('the regenerated contract', () => {
      const current = readFileSync(generated, 'utf8');
      return current.includes('{ name: "coupon", type: "string | undefined", optional: true }') ? current : undefined;
    }, 20_000, () => w.output);
    expect(text).toContain('record: ["customer","lines","coupon","messageId","correlationId","causationId","createdAt"]');
    expect(text).toContain('if (m.coupon.length > 8) issues.push({ field: "coupon", rule: "maxLength"');
    expect(statSync(generated).mtimeMs).toBeGreaterThan(firstWrite);
    expect(w.output).toContain('catga generate: change detected, regenerating...');

    // An error is printed, nothing is written, and the watch keeps going.
    const good = readFileSync(generated, 'utf8');
    editFile(messages, '@CatgaQuery()\nexport class GetOrder', '@CatgaQuery()\nclass GetOrder');
    await waitFor('the CATGA018 error', () => /src\/messages\.ts:\d+:\d+ - error CATGA018: Query GetOrder is not exported/.test(w.output), 20_000, () => w.output);
    expect(readFileSync(generated, 'utf8')).toBe(good);
    expect(w.exitCode).toBeNull();

    // Fixed again: regenerated. Writing the generated file must not start another round.
    editFile(messages, '@CatgaQuery()\nclass GetOrder', '@CatgaQuery()\nexport class GetOrder');
    await waitFor('recovery', () => rounds() === 3, 20_000, () => w.output);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(rounds()).toBe(3);
    expect(readFileSync(generated, 'utf8')).toBe(good);
  });
});
