import { preferEfficientArrayOps } from '../../src/rules/prefer-efficient-array-ops';
import { typedRuleTester } from '../rule-tester';

// Typed: receivers must be proved arrays or tuples (a `Bag` with its own `filter()` is left alone). Every autofix
// and suggestion output is asserted exactly; a predicate with side effects gets a suggestion, never an autofix.
const ruleTester = typedRuleTester();

const PRELUDE = `import { CatgaHandler, Command, type CommandHandler } from '@catga/runtime';
class Ping extends Command<string> {}
`;

/** A decorated handler whose `handle` declares `xs` (line 5) and then runs `body` (line 6 onwards). */
const handler = (body: string): string =>
  `${PRELUDE}@CatgaHandler(Ping) class PingHandler implements CommandHandler<Ping> {
  handle(c: Ping) {
    const xs = [1, 2, 3];
${body}
    return 'pong';
  }
}`;

ruleTester.run('prefer-efficient-array-ops', preferEfficientArrayOps, {
  valid: [
    { name: 'already some()', code: handler(`    const r = xs.some((x) => x > 1);`) },
    { name: 'length compared with something else than "any"/"none"', code: handler(`    const r = xs.filter((x) => x > 1).length > 1;`) },
    { name: 'second element', code: handler(`    const r = xs.filter((x) => x > 1)[1];`) },
    {
      name: 'called element: find() would change `this`',
      code: handler(`    const fs = [() => 1];
    const r = fs.filter((f) => f.length === 0)[0]();`),
    },
    {
      name: 'a class with its own filter() (type-based negative)',
      code: handler(`    class Bag { filter(p: (n: number) => boolean) { return xs.filter(p).concat(xs); } }
    const bag = new Bag();
    const r = bag.filter((x) => x > 1).length > 0 || bag.filter((x) => x > 2)[0];`),
    },
    {
      name: 'array-like but not an array: a string has includes()',
      code: handler(`    const word = c.messageId;
    for (const x of xs) if (word.includes(String(x))) break;`),
    },
    {
      name: 'not a handler class: same code, no report',
      code: `${PRELUDE}class PingService {
  handle(c: Ping) {
    const xs = [1, 2, 3];
    const r = xs.filter((x) => x > 1).length > 0;
    return xs.map((x) => x * 2).filter((x) => x > 2);
  }
}`,
    },
    {
      name: 'outside handlers, by default',
      code: `const xs = [1, 2, 3];
export const r = xs.filter((x) => x > 1).length > 0;`,
    },
    { name: 'includes outside a loop', code: handler(`    const r = xs.includes(2);`) },
    {
      name: 'includes in a loop on an array pushed to in the loop',
      code: handler(`    const seen: number[] = [];
    for (const x of xs) { if (!seen.includes(x)) seen.push(x); }`),
    },
    {
      name: 'includes in a loop on an array reassigned in the loop',
      code: handler(`    let seen: number[] = [];
    for (const x of xs) { if (!seen.includes(x)) seen = [...seen, x]; }`),
    },
    {
      name: 'includes in a loop on an array handed to other code in the loop',
      code: handler(`    const seen: number[] = [];
    const note = (list: number[], x: number) => list.push(x);
    for (const x of xs) { if (!seen.includes(x)) note(seen, x); }`),
    },
    {
      name: 'includes on an array declared inside the loop',
      code: handler(`    for (const x of xs) { const near = [x - 1, x + 1]; if (near.includes(2)) break; }`),
    },
    {
      name: 'includes with fromIndex has no Set equivalent',
      code: handler(`    const allowed = [1, 2];
    for (const x of xs) if (allowed.includes(x, 1)) break;`),
    },
    {
      name: 'includes on a tuple (small, fixed length)',
      code: handler(`    const allowed = [1, 2] as const;
    for (const x of xs) if (allowed.includes(x as 1)) break;`),
    },
    {
      name: 'includes in a plain nested function (not a loop)',
      code: handler(`    const allowed = [1, 2];
    const check = (x: number) => allowed.includes(x);
    void check;`),
    },
  ],
  invalid: [
    {
      name: '.filter(p).length > 0 with an effect-free inline predicate: autofix to some()',
      code: handler(`    const r = xs.filter((x) => x > 1).length > 0;`),
      output: handler(`    const r = xs.some((x) => x > 1);`),
      errors: [
        {
          messageId: 'preferSome',
          data: { comparison: '> 0' },
          line: 6,
          column: 18,
          endLine: 6,
          endColumn: 49,
          suggestions: [],
        },
      ],
    },
    {
      name: '!== 0, >= 1 and the mirrored 0 < length',
      code: handler(`    const a = xs.filter((x) => x > 1).length !== 0;
    const b = xs.filter(function (x) { return x > 2; }).length >= 1;
    const d = 0 < xs.filter((x) => x > 3).length;`),
      output: handler(`    const a = xs.some((x) => x > 1);
    const b = xs.some(function (x) { return x > 2; });
    const d = xs.some((x) => x > 3);`),
      errors: [
        { messageId: 'preferSome', data: { comparison: '!== 0' }, line: 6, column: 18, suggestions: [] },
        { messageId: 'preferSome', data: { comparison: '>= 1' }, line: 7, column: 18, suggestions: [] },
        { messageId: 'preferSome', data: { comparison: '> 0' }, line: 8, column: 22, suggestions: [] },
      ],
    },
    {
      name: '.filter(p).length === 0: autofix to !some()',
      code: handler(`    if (xs.filter((x) => x > 1).length === 0) return 'none';`),
      output: handler(`    if (!xs.some((x) => x > 1)) return 'none';`),
      errors: [{ messageId: 'preferNotSome', data: { comparison: '=== 0' }, line: 6, column: 12, suggestions: [] }],
    },
    {
      name: 'the global Boolean as predicate: autofix',
      code: handler(`    const r = xs.filter(Boolean).length > 0;`),
      output: handler(`    const r = xs.some(Boolean);`),
      errors: [{ messageId: 'preferSome', data: { comparison: '> 0' }, line: 6, column: 18, suggestions: [] }],
    },
    {
      name: 'predicate with a side effect: suggestion only (some() would call it fewer times)',
      code: handler(`    let count = 0;
    const r = xs.filter((x) => (count++, x > 1)).length > 0;`),
      output: null,
      errors: [
        {
          messageId: 'preferSome',
          data: { comparison: '> 0' },
          line: 7,
          column: 18,
          suggestions: [
            {
              messageId: 'useSome',
              output: handler(`    let count = 0;
    const r = xs.some((x) => (count++, x > 1));`),
            },
          ],
        },
      ],
    },
    {
      name: 'predicate passed by name: suggestion only (its body is out of sight)',
      code: handler(`    const isBig = (x: number) => x > 1;
    const r = xs.filter(isBig).length === 0;`),
      output: null,
      errors: [
        {
          messageId: 'preferNotSome',
          data: { comparison: '=== 0' },
          line: 7,
          column: 18,
          suggestions: [
            {
              messageId: 'useNotSome',
              output: handler(`    const isBig = (x: number) => x > 1;
    const r = !xs.some(isBig);`),
            },
          ],
        },
      ],
    },
    {
      name: 'a comment the rewrite would drop: suggestion only',
      code: handler(`    const r = xs.filter((x) => x > 1).length /* any? */ > 0;`),
      output: null,
      errors: [
        {
          messageId: 'preferSome',
          data: { comparison: '> 0' },
          line: 6,
          column: 18,
          suggestions: [{ messageId: 'useSome', output: handler(`    const r = xs.some((x) => x > 1);`) }],
        },
      ],
    },
    {
      name: '.filter(p).at(0): autofix to find()',
      code: handler(`    const r = xs.filter((x) => x > 1).at(0);`),
      output: handler(`    const r = xs.find((x) => x > 1);`),
      errors: [{ messageId: 'preferFind', data: { access: '.at(0)' }, line: 6, column: 18, endColumn: 44, suggestions: [] }],
    },
    {
      name: '.filter(p)[0] typed without undefined: suggestion only (find() adds | undefined)',
      code: handler(`    const r: number = xs.filter((x) => x > 1)[0];`),
      output: null,
      errors: [
        {
          messageId: 'preferFind',
          data: { access: '[0]' },
          line: 6,
          column: 26,
          suggestions: [{ messageId: 'useFind', output: handler(`    const r: number = xs.find((x) => x > 1);`) }],
        },
      ],
    },
    {
      name: '.filter(p)[0] whose type already includes undefined: autofix',
      code: handler(`    const names: Array<string | undefined> = [];
    const r = names.filter((n) => !n || n.length > 1)[0];`),
      output: handler(`    const names: Array<string | undefined> = [];
    const r = names.find((n) => !n || n.length > 1);`),
      errors: [{ messageId: 'preferFind', data: { access: '[0]' }, line: 7, column: 21, suggestions: [] }],
    },
    {
      name: 'read-only arrays and tuples count as arrays',
      code: handler(`    const ro: readonly number[] = xs;
    const tu: [number, number] = [1, 2];
    const r = ro.filter((x) => x > 1).length > 0 && tu.filter((x) => x > 1).length > 0;`),
      output: handler(`    const ro: readonly number[] = xs;
    const tu: [number, number] = [1, 2];
    const r = ro.some((x) => x > 1) && tu.some((x) => x > 1);`),
      errors: [
        { messageId: 'preferSome', data: { comparison: '> 0' }, line: 8, column: 18, suggestions: [] },
        { messageId: 'preferSome', data: { comparison: '> 0' }, line: 8, column: 56, suggestions: [] },
      ],
    },
    {
      name: '.map(f).filter(g), both effect-free arrows: flatMap suggested',
      code: handler(`    const r = xs.map((x) => x * 2).filter((y) => y > 2);`),
      output: null,
      errors: [
        {
          messageId: 'mapFilter',
          line: 6,
          column: 18,
          endColumn: 56,
          suggestions: [
            {
              messageId: 'useFlatMap',
              output: handler(`    const r = xs.flatMap((x) => { const y = x * 2; return y > 2 ? [y] : []; });`),
            },
          ],
        },
      ],
    },
    {
      name: '.map(f).filter(g) that cannot be fused exactly (effects, shared name): report only',
      code: handler(`    const a = xs.map((x) => String(x)).filter((s) => s.length > 0);
    const b = xs.map((x) => x * 2).filter((x) => x > 2);`),
      output: null,
      errors: [
        { messageId: 'mapFilter', line: 6, column: 18, suggestions: [] },
        { messageId: 'mapFilter', line: 7, column: 18, suggestions: [] },
      ],
    },
    {
      name: 'includes in a for…of over another array',
      code: handler(`    const allowed = [2, 3];
    let hits = 0;
    for (const x of xs) { if (allowed.includes(x)) hits++; }`),
      output: null,
      errors: [{ messageId: 'includesInLoop', data: { name: 'allowed' }, line: 8, column: 39, endColumn: 50 }],
    },
    {
      name: 'includes in an array callback (filter is a loop too)',
      code: handler(`    const allowed = [2, 3];
    const r = xs.filter((x) => allowed.includes(x));`),
      output: null,
      errors: [{ messageId: 'includesInLoop', data: { name: 'allowed' }, line: 7, column: 40 }],
    },
    {
      name: 'checkEverywhere: outside handlers too',
      code: `const xs = [1, 2, 3];
export const r = xs.filter((x) => x > 1).length > 0;`,
      options: [{ checkEverywhere: true }],
      output: `const xs = [1, 2, 3];
export const r = xs.some((x) => x > 1);`,
      errors: [{ messageId: 'preferSome', data: { comparison: '> 0' }, line: 2, column: 21, suggestions: [] }],
    },
  ],
});
