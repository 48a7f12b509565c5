import type { MessageKind } from '../../core/messages.js';

/** Header names on the wire (DESIGN §6). NATS headers are case-sensitive on the wire; these are the exact spellings. */
export const HEADER = {
  messageId: 'catga-message-id',
  messageType: 'catga-message-type',
  correlationId: 'catga-correlation-id',
  causationId: 'catga-causation-id',
  createdAt: 'catga-created-at',
  contentType: 'content-type',
  contentEncoding: 'content-encoding',
  /** Field names of a record-encoded body (the body is then an array of values in this order). */
  fields: 'catga-fields',
  /** JetStream deduplication id (QoS 2). */
  natsMsgId: 'Nats-Msg-Id',
  /** Dead-letter entries: why the message was given up on. */
  deadLetterReason: 'catga-dead-letter-reason',
  deadLetterCode: 'catga-dead-letter-code',
  deadLetterHandler: 'catga-dead-letter-handler',
  deadLetterDeliveries: 'catga-dead-letter-deliveries',
  deadLetterSubject: 'catga-dead-letter-subject',
} as const;

const KIND_TOKEN: Readonly<Record<MessageKind, string>> = { command: 'cmd', query: 'qry', event: 'evt' };

/** `<prefix>.cmd.<Subject>`, `<prefix>.qry.<Subject>` or `<prefix>.evt.<Subject>`. */
export function messageSubject(prefix: string, kind: MessageKind, subjectToken: string): string {
  return `${prefix}.${KIND_TOKEN[kind]}.${subjectToken}`;
}

/**
 * `<prefix>.node.<nodeId>.cmd.<Subject>`: where one node of a cluster receives the sharded commands whose keys it
 * owns (docs/cluster.md).
 */
export function nodeSubject(prefix: string, nodeId: string, kind: MessageKind, subjectToken: string): string {
  return `${prefix}.node.${nodeId}.${KIND_TOKEN[kind]}.${subjectToken}`;
}

/** `<prefix>.cluster.<cluster>.heartbeat` and `.leave`: the membership traffic of one cluster. */
export function clusterSubject(prefix: string, cluster: string, what: 'heartbeat' | 'leave'): string {
  return `${prefix}.cluster.${cluster}.${what}`;
}

/** `<prefix>.dlq.<Subject>`: where given-up reliable events go. */
export function deadLetterSubject(prefix: string, subjectToken: string): string {
  return `${prefix}.dlq.${subjectToken}`;
}

// Stream and consumer names may not contain `.`, `*`, `>`, whitespace or path separators.
function nameToken(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Stream of one reliable event type: `<PREFIX>_EVT_<Subject>`. */
export function eventStreamName(prefix: string, subjectToken: string): string {
  return `${nameToken(prefix).toUpperCase()}_EVT_${nameToken(subjectToken)}`;
}

/** Stream holding every dead-lettered event of a prefix: `<PREFIX>_DLQ`. */
export function deadLetterStreamName(prefix: string): string {
  return `${nameToken(prefix).toUpperCase()}_DLQ`;
}

/** Durable consumer of one handler of one service: each handler gets its own cursor, acks and redeliveries. */
export function durableName(service: string, handlerName: string): string {
  return `${nameToken(service)}__${nameToken(handlerName)}`;
}
