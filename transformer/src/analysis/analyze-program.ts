import type * as TS from 'typescript';
import type { AnalysisContext } from '../context.js';
import { catgaDecoratorsOf } from './decorators.js';
import { CatgaCode, type Finding } from './diagnostics.js';
import { analyzeHandler, intendedMessagesOf } from './handler-analysis.js';
import { analyzeMessage } from './message-analysis.js';
import type { HandlerModel, MessageModel, ProgramModel } from './model.js';

const cache = new WeakMap<TS.Program, ProgramModel>();

/** Whether a file of the program is the user's own source (not a library, not a declaration file). */
export function isOwnSource(program: TS.Program, file: TS.SourceFile): boolean {
  return !file.isDeclarationFile && !program.isSourceFileFromExternalLibrary(file);
}

function classesOf(ts: typeof TS, file: TS.SourceFile): TS.ClassDeclaration[] {
  const found: TS.ClassDeclaration[] = [];
  const visit = (node: TS.Node): void => {
    if (ts.isClassDeclaration(node)) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/**
 * Analyses every source file of the program once (the plugin factory runs per emitted file in watch and
 * incremental builds; the model is cached per program) and checks the whole-program rules: one handler per
 * command or query (CATGA002), and a handler for each (CATGA001).
 */
export function analyzeProgram(ctx: AnalysisContext): ProgramModel {
  const cached = cache.get(ctx.program);
  if (cached !== undefined) return cached;
  const { ts, program } = ctx;
  const findings: Finding[] = [];
  const messages: MessageModel[] = [];
  const handlers: HandlerModel[] = [];
  // Messages some handler class is written for, valid or not (see intendedMessagesOf).
  const claimed = new Set<TS.ClassDeclaration>();
  const byFile = new Map<string, { messages: MessageModel[]; handlers: HandlerModel[] }>();
  for (const file of program.getSourceFiles()) {
    // Cheap text test first: most files never mention Catga.
    if (!isOwnSource(program, file) || !file.text.includes('Catga')) continue;
    for (const node of classesOf(ts, file)) {
      for (const decorator of catgaDecoratorsOf(ctx, node)) {
        const entry = byFile.get(file.fileName) ?? { messages: [], handlers: [] };
        byFile.set(file.fileName, entry);
        if (decorator.name === 'CatgaHandler') {
          for (const message of intendedMessagesOf(ctx, node, decorator)) claimed.add(message);
          const handler = analyzeHandler(ctx, node, decorator, findings);
          if (handler !== undefined) {
            handlers.push(handler);
            entry.handlers.push(handler);
          }
        } else {
          const message = analyzeMessage(ctx, node, decorator, findings);
          if (message !== undefined) {
            messages.push(message);
            entry.messages.push(message);
          }
        }
      }
    }
  }

  const handlersOf = new Map<TS.ClassDeclaration, HandlerModel[]>();
  for (const handler of handlers) {
    const list = handlersOf.get(handler.message.declaration) ?? [];
    list.push(handler);
    handlersOf.set(handler.message.declaration, list);
  }
  for (const [, list] of handlersOf) {
    const [first, ...others] = list;
    if (first === undefined || first.messageKind === 'event') continue;
    for (const other of others) {
      findings.push({
        code: CatgaCode.duplicateHandler,
        node: other.ref.declaration.name ?? other.ref.declaration,
        severity: 'error',
        message: `${first.messageKind} ${first.message.name} already has a handler, ${first.ref.name} (${first.source}); a ${first.messageKind} has exactly one handler, so ${other.ref.name} cannot also handle it.`,
      });
    }
  }
  if (ctx.options.requireHandlers) {
    for (const message of messages) {
      if (message.kind === 'event' || handlersOf.has(message.ref.declaration) || claimed.has(message.ref.declaration)) continue;
      findings.push({
        code: CatgaCode.noHandler,
        node: message.ref.declaration.name ?? message.ref.declaration,
        severity: 'error',
        message: `${message.kind} ${message.ref.name} has no handler in this program. Add a class with @CatgaHandler() whose handle() takes a ${message.ref.name}, or set "requireHandlers": false in the plugin options when its handler lives in another project.`,
      });
    }
  }
  const model: ProgramModel = { messages, handlers, findings, byFile };
  cache.set(ctx.program, model);
  return model;
}
