import type { HandlerModel, MessageModel } from '../analysis/model.js';
import { writePipelineEntry } from './pipeline-programmer.js';
import { writeValidator } from './validator-programmer.js';

// Model -> code text. The plugin wraps the text in the emitted file; `catga generate` writes it into .ts files.

const q = JSON.stringify;
/** The contract fields every message carries, after the message's own ones in record order. */
const CONTRACT_FIELDS = ['messageId', 'correlationId', 'causationId', 'createdAt'];

function indentBlock(text: string, indent: string): string {
  return text.split('\n').map((line, i) => (i === 0 ? line : `${indent}${line}`)).join('\n');
}

/** `__catga.defineContract(X, {...});` for one message class; `classExpression` is how the file refers to it. */
export function writeContract(message: MessageModel, classExpression: string, typed: boolean): string {
  const validator = writeValidator(`validate${message.ref.name}`, message.fields, typed);
  const lines = [
    `__catga.defineContract(${classExpression}, {`,
    `    typeName: ${q(message.typeName)},`,
    `    kind: ${q(message.kind)},`,
    `    subject: ${q(message.subject)},`,
  ];
  if (message.result !== undefined) lines.push(`    result: ${q(message.result)},`);
  if (message.fields.length === 0) lines.push('    fields: [],');
  else {
    lines.push('    fields: [');
    for (const field of message.fields) lines.push(`        { name: ${q(field.name)}, type: ${q(field.typeText)}, optional: ${field.optional} },`);
    lines.push('    ],');
  }
  lines.push(`    record: ${q([...message.fields.map((f) => f.name), ...CONTRACT_FIELDS])},`);
  if (validator !== undefined) lines.push(`    validate: ${indentBlock(validator, '    ')},`);
  lines.push(`    source: ${q(message.source)},`, '});');
  return lines.join('\n');
}

/**
 * `__catga.defineHandler(H, {...});`: the handler's executor. `invoke` is the handler call with no lookup;
 * `returns` tells the runtime whether to await (read from handle()'s declared return type); `fused` says the
 * class carries the compiled copy of handle() the plugin added (`catga generate` cannot add one); `pipeline` names
 * the function `writePipeline` (pipeline-programmer.ts) wrote for the handler, which goes before this statement.
 */
export function writeHandler(handler: HandlerModel, classExpression: string, messageExpression: string, typed: boolean, fused = false, pipeline = true): string {
  const context = handler.takesContext ? (typed ? ', context: __catga.HandlerContext' : ', context') : '';
  const parameters = typed ? `(handler: ${classExpression}, message: ${messageExpression}${context})` : `(handler, message${context})`;
  return [
    `__catga.defineHandler(${classExpression}, {`,
    `    message: ${messageExpression},`,
    `    returns: ${q(handler.returns)},`,
    `    invoke: ${parameters} => handler.handle(message${handler.takesContext ? ', context' : ''}),`,
    ...(fused ? ['    fused: true,'] : []),
    ...(pipeline ? [writePipelineEntry(classExpression)] : []),
    `    source: ${q(handler.source)},`,
    '});',
  ].join('\n');
}
