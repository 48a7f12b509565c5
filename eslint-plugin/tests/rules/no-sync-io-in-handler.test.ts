import { noSyncIoInHandler } from '../../src/rules/no-sync-io-in-handler';
import { untypedRuleTester } from '../rule-tester';

// Untyped: fs/child_process calls are found through the file's imports and require() calls (ReferenceTracker),
// never by a name ending in "Sync"; handlers through the runtime's decorator and interfaces.
const ruleTester = untypedRuleTester();

ruleTester.run('no-sync-io-in-handler', noSyncIoInHandler, {
  valid: [
    {
      name: 'the promises API inside a handler',
      code: `
import { CatgaHandler } from '@catga/runtime';
import { readFile } from 'node:fs/promises';
@CatgaHandler(LoadReport)
class LoadReportHandler {
  async handle(message: LoadReport) {
    return readFile(message.path, 'utf8');
  }
}`,
    },
    {
      name: 'a local function named readFileSync is not fs.readFileSync',
      code: `
import { CatgaHandler } from '@catga/runtime';
function readFileSync(path: string) { return path; }
@CatgaHandler(LoadReport)
class LoadReportHandler {
  async handle(message: LoadReport) {
    return readFileSync(message.path);
  }
}`,
    },
    {
      name: 'a method called readFileSync on some object is not fs.readFileSync',
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(LoadReport)
class LoadReportHandler {
  constructor(private readonly cache: { readFileSync(path: string): string }) {}
  async handle(message: LoadReport) {
    return this.cache.readFileSync(message.path);
  }
}`,
    },
    {
      name: 'sync I/O at start-up, outside handlers',
      code: `
import { readFileSync } from 'node:fs';
import { CatgaHandler } from '@catga/runtime';
const template = readFileSync('./template.html', 'utf8');
@CatgaHandler(Render)
class RenderHandler {
  handle(message: Render) {
    return template.replace('{{name}}', message.name);
  }
}`,
    },
    {
      name: 'a class with handle() that is not a Catga handler',
      code: `
import * as fs from 'node:fs';
class ConfigLoader {
  handle(path: string) {
    return fs.readFileSync(path, 'utf8');
  }
}`,
    },
    {
      name: 'async functions outside handlers are not checked by default',
      code: `
import { execSync } from 'node:child_process';
export async function gitHead() {
  return execSync('git rev-parse HEAD').toString();
}`,
    },
    {
      name: 'allowed by "module.name" and by module',
      options: [{ allow: ['fs.existsSync', 'node:child_process'] }],
      code: `
import { CatgaHandler } from '@catga/runtime';
import { existsSync } from 'fs';
import { spawnSync } from 'child_process';
@CatgaHandler(Check)
class CheckHandler {
  handle(message: Check) {
    return existsSync(message.path) && spawnSync('true').status === 0;
  }
}`,
    },
    {
      name: 'extraSyncApis match the module as written: node:sqlite is not the npm package sqlite',
      options: [{ extraSyncApis: [{ module: 'node:sqlite', name: 'DatabaseSync' }] }],
      code: `
import { CatgaHandler } from '@catga/runtime';
import * as sqlite from 'sqlite';
@CatgaHandler(GetOrder)
class GetOrderHandler {
  handle() {
    return new sqlite.DatabaseSync(':memory:');
  }
}`,
    },
    {
      name: 'fs/promises has no sync functions; the callback API is asynchronous',
      code: `
import { CatgaHandler } from '@catga/runtime';
import * as fs from 'node:fs';
@CatgaHandler(Write)
class WriteHandler {
  handle(message: Write) {
    fs.writeFile(message.path, message.data, () => {});
  }
}`,
    },
  ],
  invalid: [
    {
      name: 'renamed named import',
      code: `
import { CatgaHandler } from '@catga/runtime';
import { readFileSync as rf } from 'node:fs';
@CatgaHandler(LoadReport)
class LoadReportHandler {
  async handle(message: LoadReport) {
    return rf(message.path, 'utf8');
  }
}`,
      output: null,
      errors: [
        {
          messageId: 'syncIo',
          data: { module: 'fs', name: 'readFileSync', where: 'Catga handler' },
          line: 7,
          column: 12,
          endLine: 7,
          endColumn: 36,
          suggestions: [],
        },
      ],
    },
    {
      name: 'namespace import in an async handler: suggestion to fs.promises',
      code: `
import { CatgaHandler as H } from '@catga/runtime';
import * as fs from 'node:fs';
@H(LoadReport)
class LoadReportHandler {
  async handle(message: LoadReport) {
    const text = fs.readFileSync(message.path, 'utf8');
    return text.trim();
  }
}`,
      output: null,
      errors: [
        {
          messageId: 'syncIo',
          data: { module: 'fs', name: 'readFileSync', where: 'Catga handler' },
          line: 7,
          column: 18,
          suggestions: [
            {
              messageId: 'suggestFsPromises',
              data: { replacement: 'fs.promises.readFile' },
              output: `
import { CatgaHandler as H } from '@catga/runtime';
import * as fs from 'node:fs';
@H(LoadReport)
class LoadReportHandler {
  async handle(message: LoadReport) {
    const text = await fs.promises.readFile(message.path, 'utf8');
    return text.trim();
  }
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'default import of bare fs, used inside an expression: the await is parenthesised; existsSync has no twin',
      code: `
import type { CommandHandler } from '@catga/runtime';
import fs from 'fs';
export class SaveHandler implements CommandHandler<Save> {
  async handle(command: Save) {
    if (fs.existsSync(command.path)) return;
    fs.writeFileSync(command.path, command.data);
    return fs.statSync(command.path).size;
  }
}`,
      output: null,
      errors: [
        { messageId: 'syncIo', data: { module: 'fs', name: 'existsSync', where: 'Catga handler' }, line: 6, column: 9, suggestions: [] },
        {
          messageId: 'syncIo',
          data: { module: 'fs', name: 'writeFileSync', where: 'Catga handler' },
          line: 7,
          column: 5,
          suggestions: [
            {
              messageId: 'suggestFsPromises',
              data: { replacement: 'fs.promises.writeFile' },
              output: `
import type { CommandHandler } from '@catga/runtime';
import fs from 'fs';
export class SaveHandler implements CommandHandler<Save> {
  async handle(command: Save) {
    if (fs.existsSync(command.path)) return;
    await fs.promises.writeFile(command.path, command.data);
    return fs.statSync(command.path).size;
  }
}`,
            },
          ],
        },
        {
          messageId: 'syncIo',
          data: { module: 'fs', name: 'statSync', where: 'Catga handler' },
          line: 8,
          column: 12,
          suggestions: [
            {
              messageId: 'suggestFsPromises',
              data: { replacement: 'fs.promises.stat' },
              output: `
import type { CommandHandler } from '@catga/runtime';
import fs from 'fs';
export class SaveHandler implements CommandHandler<Save> {
  async handle(command: Save) {
    if (fs.existsSync(command.path)) return;
    fs.writeFileSync(command.path, command.data);
    return (await fs.promises.stat(command.path)).size;
  }
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'child_process through require(), destructured and whole; a sync handle gets no suggestion',
      code: `
import { CatgaHandler } from '@catga/runtime';
const { execSync } = require('node:child_process');
const cp = require('child_process');
@CatgaHandler(Deploy)
class DeployHandler {
  handle(message: Deploy) {
    execSync(message.script);
    cp.spawnSync('kubectl', ['rollout', 'status']);
    cp.execFileSync('/bin/true');
  }
}`,
      output: null,
      errors: [
        { messageId: 'syncIo', data: { module: 'child_process', name: 'execSync', where: 'Catga handler' }, line: 8, column: 5, suggestions: [] },
        { messageId: 'syncIo', data: { module: 'child_process', name: 'spawnSync', where: 'Catga handler' }, line: 9, column: 5, suggestions: [] },
        { messageId: 'syncIo', data: { module: 'child_process', name: 'execFileSync', where: 'Catga handler' }, line: 10, column: 5, suggestions: [] },
      ],
    },
    {
      name: 'import = require(), and a sync callback inside an async handler (no suggestion: await is not valid there)',
      code: `
import { CatgaHandler } from '@catga/runtime';
import fs = require('node:fs');
@CatgaHandler(LoadAll)
class LoadAllHandler {
  async handle(message: LoadAll) {
    return message.paths.map((path) => fs.readFileSync(path));
  }
}`,
      output: null,
      errors: [{ messageId: 'syncIo', data: { module: 'fs', name: 'readFileSync', where: 'Catga handler' }, line: 7, column: 40, suggestions: [] }],
    },
    {
      name: 'extraSyncApis: a named export, a default export, and a constructor that opens a database synchronously',
      options: [
        {
          extraSyncApis: [
            { module: 'sync-sql', name: 'querySync' },
            { module: 'sync-sql', name: 'default' },
            { module: 'node:sqlite', name: 'DatabaseSync' },
          ],
        },
      ],
      code: `
import { CatgaHandler } from '@catga/runtime';
import runSql, { querySync } from 'sync-sql';
import * as sqlite from 'node:sqlite';
@CatgaHandler(GetOrder)
class GetOrderHandler {
  async handle(query: GetOrder) {
    runSql('select 1');
    const db = new sqlite.DatabaseSync(':memory:');
    return querySync('select * from orders where id = ?', query.id);
  }
}`,
      output: null,
      errors: [
        { messageId: 'syncIo', data: { module: 'sync-sql', name: 'default', where: 'Catga handler' }, line: 8, column: 5, suggestions: [] },
        { messageId: 'syncIo', data: { module: 'node:sqlite', name: 'DatabaseSync', where: 'Catga handler' }, line: 9, column: 16, suggestions: [] },
        { messageId: 'syncIo', data: { module: 'sync-sql', name: 'querySync', where: 'Catga handler' }, line: 10, column: 12, suggestions: [] },
      ],
    },
    {
      name: 'checkAllAsyncFunctions: any async function',
      options: [{ checkAllAsyncFunctions: true }],
      code: `
import * as fs from 'node:fs';
export async function loadConfig(path: string) {
  return JSON.parse(fs.readFileSync(path, 'utf8'));
}
export function loadConfigSync(path: string) {
  return JSON.parse(fs.readFileSync(path, 'utf8'));
}`,
      output: null,
      errors: [
        {
          messageId: 'syncIo',
          data: { module: 'fs', name: 'readFileSync', where: 'async function' },
          line: 4,
          column: 21,
          suggestions: [
            {
              messageId: 'suggestFsPromises',
              data: { replacement: 'fs.promises.readFile' },
              output: `
import * as fs from 'node:fs';
export async function loadConfig(path: string) {
  return JSON.parse(await fs.promises.readFile(path, 'utf8'));
}
export function loadConfigSync(path: string) {
  return JSON.parse(fs.readFileSync(path, 'utf8'));
}`,
            },
          ],
        },
      ],
    },
  ],
});
