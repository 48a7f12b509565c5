import { jetstream, jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { CatgaError, CatgaEvent, CatgaHandler, ErrorCode, Event } from '@catga/runtime';
import { NATS_HEADERS } from '@catga/runtime/nats';
import { closeAll, deleteStreams, eventually, startOnNats } from './support/catga-nats';
import { NATS_URL, uniquePrefix } from './support/nats-server';

jest.setTimeout(20_000);

// Events over a real nats-server: QoS 0 (core, one copy per service), QoS 1 (JetStream, redelivery, dead letters) and
// QoS 2 (QoS 1 + deduplication on both sides). Handlers record what they saw in `log`.

const log: string[] = [];
const failuresLeft = new Map<string, number>();

@CatgaEvent()
class Pinged extends Event {
  constructor(readonly n: number) {
    super();
  }
}

@CatgaEvent({ qos: 1 })
class Paid extends Event {
  constructor(
    readonly orderId: string,
    readonly behaviour: 'ok' | 'flaky' | 'broken' | 'invalid' = 'ok',
  ) {
    super();
  }
}

@CatgaEvent({ qos: 2 })
class Shipped extends Event {
  constructor(readonly orderId: string) {
    super();
  }
}

@CatgaHandler(Pinged)
class PingAudit {
  handle(event: Pinged): void {
    log.push(`audit:${event.n}`);
  }
}

@CatgaHandler(Paid)
class PaidMailer {
  handle(event: Paid): void {
    const left = failuresLeft.get(event.messageId) ?? (event.behaviour === 'flaky' ? 1 : 0);
    log.push(`mailer:${event.orderId}`);
    if (event.behaviour === 'broken') throw new Error('mail server down');
    if (event.behaviour === 'invalid') throw new CatgaError(ErrorCode.VALIDATION_FAILED, 'no such customer');
    if (left > 0) {
      failuresLeft.set(event.messageId, left - 1);
      throw new Error('temporarily unavailable');
    }
  }
}

@CatgaHandler(Paid)
class PaidLedger {
  handle(event: Paid): void {
    log.push(`ledger:${event.orderId}`);
  }
}

@CatgaHandler(Shipped)
class ShippedNotifier {
  handle(event: Shipped): void {
    log.push(`shipped:${event.orderId}`);
  }
}

const reliable = { jetstream: { storage: 'memory' as const, ackWaitMs: 300, maxDeliveries: 3, backoffMs: [20] } };

let prefix: string;
let raw: NatsConnection;

beforeEach(async () => {
  prefix = uniquePrefix('ev');
  log.length = 0;
  failuresLeft.clear();
  raw = await connect({ servers: NATS_URL });
});

afterEach(async () => {
  await closeAll();
  await raw.close();
  await deleteStreams(prefix);
});

const count = (entry: string): number => log.filter((e) => e === entry).length;

/** The last dead letter of an event type, waiting up to 5 s for it to be stored. */
async function deadLetterOf(typeName: string): Promise<StoredMsg> {
  const manager = await jetstreamManager(raw);
  let entry: StoredMsg | null | undefined;
  await eventually(async () => {
    entry = await manager.streams.getMessage(`${prefix.toUpperCase()}_DLQ`, { last_by_subj: `${prefix}.dlq.${typeName}` }).catch(() => undefined);
    return entry !== undefined && entry !== null;
  }, `a dead letter of ${typeName}`, 5_000);
  return entry!;
}

describe('QoS 0 events', () => {
  it('reach one instance of each subscribing service', async () => {
    await startOnNats('billing', { prefix }, (b) => b.handler(PingAudit));
    await startOnNats('billing', { prefix }, (b) => b.handler(PingAudit)); // a second instance of the same service
    await startOnNats('audit', { prefix }, (b) => b.handler(PingAudit));
    const publisher = await startOnNats('publisher', { prefix }, (b) => b.messages(Pinged));
    for (let n = 0; n < 20; n++) await expect(publisher.catga.publish(new Pinged(n))).resolves.toMatchObject({ ok: true });
    await eventually(() => log.length === 40, '40 deliveries');
    await new Promise((resolve) => setTimeout(resolve, 100)); // nothing more arrives
    for (let n = 0; n < 20; n++) expect(count(`audit:${n}`)).toBe(2); // once for billing, once for audit
  });

  it('resolves a publish once the server confirmed it, and at once with publishBatching: false', async () => {
    await startOnNats('audit', { prefix }, (b) => b.handler(PingAudit));
    const confirmed = await startOnNats('confirmed', { prefix }, (b) => b.messages(Pinged));
    const fireAndForget = await startOnNats('fast', { prefix, publishBatching: false }, (b) => b.messages(Pinged));
    const receipts = await Promise.all([...Array.from({ length: 300 }, (_, n) => confirmed.catga.publish(new Pinged(n))), fireAndForget.catga.publish(new Pinged(-1))]);
    expect(receipts.every((r) => r.ok && r.value.eventType === 'Pinged')).toBe(true);
    await eventually(() => log.length === 301, 'every event handled');
  });

  it('logs an undecodable event and keeps the subscription running', async () => {
    const audit = await startOnNats('audit', { prefix }, (b) => b.handler(PingAudit));
    const h = natsHeaders();
    h.set(NATS_HEADERS.messageType, 'Pinged');
    raw.publish(`${prefix}.evt.Pinged`, new Uint8Array([0xc1]), { headers: h }); // 0xc1 is never valid MessagePack
    await raw.flush();
    const publisher = await startOnNats('publisher', { prefix }, (b) => b.messages(Pinged));
    await publisher.catga.publish(new Pinged(7));
    await eventually(() => count('audit:7') === 1, 'the good event');
    expect(audit.logger.messages('warn').some((m) => m.includes('dropped an undecodable event'))).toBe(true);
  });
});

describe('QoS 1 events (JetStream)', () => {
  it('keeps an event published before any subscriber started', async () => {
    const publisher = await startOnNats('publisher', { prefix, ...reliable }, (b) => b.messages(Paid));
    const receipt = await publisher.catga.publish(new Paid('o-1'));
    expect(receipt).toEqual({ ok: true, value: { eventType: 'Paid', handlers: 0, sequence: 1, duplicate: false } });
    await startOnNats('billing', { prefix, ...reliable }, (b) => b.handler(PaidLedger));
    await eventually(() => count('ledger:o-1') === 1, 'late subscriber gets the event');
  });

  it('redelivers to the failing handler only, until it succeeds', async () => {
    await startOnNats('billing', { prefix, ...reliable }, (b) => b.handler(PaidMailer).handler(PaidLedger));
    const publisher = await startOnNats('publisher', { prefix, ...reliable }, (b) => b.messages(Paid));
    await publisher.catga.publish(new Paid('o-2', 'flaky'));
    await eventually(() => count('mailer:o-2') === 2, 'the retry');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(count('mailer:o-2')).toBe(2); // failed once, then acknowledged
    expect(count('ledger:o-2')).toBe(1); // its own consumer: not re-run for the mailer's failure
  });

  it('dead-letters after maxDeliveries, with the reason in headers and the original payload', async () => {
    const billing = await startOnNats('billing', { prefix, ...reliable }, (b) => b.handler(PaidMailer));
    const publisher = await startOnNats('publisher', { prefix, ...reliable }, (b) => b.messages(Paid));
    await publisher.catga.publish(new Paid('o-3', 'broken'));
    await eventually(() => count('mailer:o-3') === 3, 'three deliveries');
    const entry = await deadLetterOf('Paid');
    expect(entry.header.get(NATS_HEADERS.deadLetterCode)).toBe('HANDLER_FAILED');
    expect(entry.header.get(NATS_HEADERS.deadLetterHandler)).toBe('PaidMailer');
    expect(entry.header.get(NATS_HEADERS.deadLetterDeliveries)).toBe('3');
    expect(entry.header.get(NATS_HEADERS.deadLetterReason)).toContain('mail server down');
    expect(entry.header.get(NATS_HEADERS.messageType)).toBe('Paid');
    const original = await (await jetstreamManager(raw)).streams.getMessage(`${prefix.toUpperCase()}_EVT_Paid`, { seq: 1 });
    expect(Buffer.from(entry.data).equals(Buffer.from(original!.data))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 800)); // past the ack wait: a terminated event never returns
    expect(count('mailer:o-3')).toBe(3);
    expect(billing.logger.messages('error').some((m) => m.includes('dead-lettered after 3 deliveries'))).toBe(true);
  });

  it('dead-letters a non-retryable failure at once', async () => {
    await startOnNats('billing', { prefix, ...reliable }, (b) => b.handler(PaidMailer));
    const publisher = await startOnNats('publisher', { prefix, ...reliable }, (b) => b.messages(Paid));
    await publisher.catga.publish(new Paid('o-4', 'invalid'));
    await eventually(() => count('mailer:o-4') === 1, 'one delivery');
    expect((await deadLetterOf('Paid')).header.get(NATS_HEADERS.deadLetterCode)).toBe('VALIDATION_FAILED');
    await new Promise((resolve) => setTimeout(resolve, 800)); // past the ack wait: a terminated event never returns
    expect(count('mailer:o-4')).toBe(1);
  });

  it('dead-letters an undecodable reliable event instead of redelivering it forever', async () => {
    await startOnNats('billing', { prefix, ...reliable }, (b) => b.handler(PaidLedger));
    const js = jetstream(raw);
    const h = natsHeaders();
    h.set(NATS_HEADERS.messageType, 'Paid');
    await js.publish(`${prefix}.evt.Paid`, new Uint8Array([0xc1]), { headers: h });
    expect((await deadLetterOf('Paid')).header.get(NATS_HEADERS.deadLetterCode)).toBe('SERIALIZATION_FAILED');
  });
});

describe('QoS 2 events', () => {
  it('drops a re-published message id in the stream (Nats-Msg-Id)', async () => {
    await startOnNats('shipping', { prefix, ...reliable }, (b) => b.handler(ShippedNotifier));
    const publisher = await startOnNats('publisher', { prefix, ...reliable }, (b) => b.messages(Shipped));
    const event = new Shipped('o-5');
    const first = await publisher.catga.publish(event);
    const again = await publisher.catga.publish(event); // e.g. a retry after a lost acknowledgement
    expect(first.ok && first.value.duplicate).toBe(false);
    expect(again.ok && again.value.duplicate).toBe(true);
    await eventually(() => count('shipped:o-5') === 1, 'one delivery');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(count('shipped:o-5')).toBe(1);
  });

  it('skips a message id the handler already handled, even when the stream stored it twice (consumer inbox)', async () => {
    await startOnNats('shipping', { prefix, ...reliable }, (b) => b.handler(ShippedNotifier));
    const publisher = await startOnNats('publisher', { prefix, ...reliable }, (b) => b.messages(Shipped));
    const event = new Shipped('o-6');
    await publisher.catga.publish(event);
    await eventually(() => count('shipped:o-6') === 1, 'first delivery');
    // Past the stream's dedup: the same message stored again under another Nats-Msg-Id.
    const copy = await jetstreamManager(raw).then((m) => m.streams.getMessage(`${prefix.toUpperCase()}_EVT_Shipped`, { seq: 1 }));
    const h = natsHeaders();
    for (const [key, values] of copy!.header) if (key !== NATS_HEADERS.natsMsgId) for (const value of values) h.append(key, value);
    await jetstream(raw).publish(`${prefix}.evt.Shipped`, copy!.data, { headers: h, msgID: 'another-id' });
    await publisher.catga.publish(new Shipped('o-7'));
    await eventually(() => count('shipped:o-7') === 1, 'a later event');
    expect(count('shipped:o-6')).toBe(1);
  });
});
