import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'eslint/config';
import plugin from '../src/index';

const ruleFiles = readdirSync(join(__dirname, '..', 'src', 'rules'))
  .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
  .map((file) => file.replace(/\.ts$/, ''));
const ruleNames = Object.keys(plugin.rules);

describe('@catga/eslint-plugin', () => {
  it('exports every rule file, and each rule has a test file and a docs page', () => {
    expect(ruleNames.sort()).toEqual(ruleFiles.sort());
    const tests = readdirSync(join(__dirname, 'rules'));
    const docs = readdirSync(join(__dirname, '..', 'docs', 'rules'));
    for (const name of ruleNames) {
      expect(tests).toContain(`${name}.test.ts`);
      expect(docs).toContain(`${name}.md`);
    }
  });

  it('gives every rule a CATGA id, a docs URL to its page, a tier and a level', () => {
    const ids = new Set<string>();
    for (const [name, rule] of Object.entries(plugin.rules)) {
      const docs = rule.meta.docs!;
      expect(docs.catgaId).toMatch(/^CATGA0(0[5-9]|1[0-5])$/);
      ids.add(docs.catgaId);
      expect(docs.url).toMatch(new RegExp(`/docs/rules/${name}\\.md$`));
      expect(['recommended', 'strict']).toContain(docs.recommended);
      expect(['error', 'warn']).toContain(docs.level);
      expect(typeof docs.requiresTypeChecking).toBe('boolean');
    }
    expect(ids.size).toBe(ruleNames.length);
  });

  it('derives the configs from rule meta; typed rules never appear in untyped configs', () => {
    const typed = ruleNames.filter((name) => plugin.rules[name]!.meta.docs!.requiresTypeChecking);
    const levelOf = (name: string) => plugin.rules[name]!.meta.docs!.level;
    const configured = (config: string) => Object.keys(plugin.configs[config as keyof typeof plugin.configs].rules ?? {});
    for (const untypedConfig of ['recommended', 'strict']) {
      for (const rule of configured(untypedConfig)) expect(typed).not.toContain(rule.replace('catga/', ''));
    }
    expect(configured('all').sort()).toEqual(ruleNames.map((n) => `catga/${n}`).sort());
    expect(configured('strict-type-checked').sort()).toEqual(ruleNames.map((n) => `catga/${n}`).sort());
    for (const [rule, level] of Object.entries(plugin.configs.all.rules ?? {})) expect(level).toBe(levelOf(rule.replace('catga/', '')));
    expect(Object.values(plugin.configs['disable-type-checked'].rules ?? {}).every((level) => level === 'off')).toBe(true);
    expect(Object.keys(plugin.configs['disable-type-checked'].rules ?? {}).sort()).toEqual(typed.map((n) => `catga/${n}`).sort());
    for (const config of Object.values(plugin.configs)) expect(config.plugins?.catga).toBe(plugin as unknown);
  });

  it('is usable with defineConfig()', () => {
    const config = defineConfig(plugin.configs['recommended-type-checked'], { rules: { 'catga/handler-timeout': 'off' } });
    expect(config).toHaveLength(2);
    expect(config[0]!.name).toBe('catga/recommended-type-checked');
  });
});
