import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import plugin from '../src/index';

// The READMEs' flat-config lines must name configs the plugin really exports.
describe('README flat-config setup', () => {
  it.each([join(__dirname, '..', '..', 'README.md'), join(__dirname, '..', 'README.md')])('%s names existing configs', (file) => {
    const text = readFileSync(file, 'utf8');
    const named = [...text.matchAll(/catga\.configs\[['"]([\w-]+)['"]\]|catga\.configs\.(\w+)/g)].map((m) => m[1] ?? m[2]!);
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(Object.keys(plugin.configs)).toContain(name);
  });
});
