import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { CatgaCommand, CatgaError, CatgaHandler, CatgaQuery, Command, defineContract, ErrorCode, Query } from '@catga/runtime';
import { NATS_HEADERS } from '@catga/runtime/nats';
import { closeAll, startOnNats } from './support/catga-nats';
import { NATS_URL, uniquePrefix } from './support/nats-server';

jest.setTimeout(20_000);

// Commands and queries over a real nats-server: a server instance with the handlers, a client instance without.

@CatgaCommand()
class Add extends Command<number> {
  constructor(
    readonly a: number,
    readonly b: number,
  ) {
    super();
  }
}

@CatgaQuery()
class Echo extends Query<{ text: string; at: Date; bytes: Uint8Array }> {
  constructor(
    readonly text: string,
    readonly at: Date,
    readonly bytes: Uint8Array,
  ) {
    super();
  }
}

@CatgaCommand()
class Fail extends Command {
  constructor(readonly how: 'not-found' | 'throw' | 'hang' | 'unsendable' | 'slow') {
    super();
  }
}

@CatgaCommand()
class Recorded extends Command<string> {
  constructor(
    readonly name: string,
    readonly count: number,
  ) {
    super();
  }
}
defineContract(Recorded, {
  typeName: 'Recorded',
  kind: 'command',
  subject: 'cmd.Recorded',
  result: 'string',
  fields: [
    { name: 'name', type: 'string', optional: false },
    { name: 'count', type: 'number', optional: false },
  ],
  record: ['name', 'count', 'messageId', 'correlationId', 'causationId', 'createdAt'],
  source: 'request-reply.test.ts',
});

@CatgaHandler(Add)
class AddHandler {
  handle(cmd: Add): number {
    return cmd.a + cmd.b;
  }
}

@CatgaHandler(Echo)
class EchoHandler {
  handle(query: Echo): { text: string; at: Date; bytes: Uint8Array } {
    return { text: query.text, at: query.at, bytes: query.bytes };
  }
}

@CatgaHandler(Fail)
class FailHandler {
  async handle(cmd: Fail): Promise<void> {
    if (cmd.how === 'not-found') throw new CatgaError(ErrorCode.NOT_FOUND, 'order o-1 does not exist', { details: { orderId: 'o-1' } });
    if (cmd.how === 'throw') throw new Error('database unreachable');
    if (cmd.how === 'hang') return new Promise(() => undefined);
    if (cmd.how === 'slow') return new Promise((resolve) => setTimeout(resolve, 150));
    return new Map([['a', 1]]) as unknown as undefined; // a result no codec can carry
  }
}

@CatgaHandler(Recorded)
class RecordedHandler {
  handle(cmd: Recorded): string {
    return `${cmd.name}:${cmd.count}:${cmd instanceof Recorded}`;
  }
}

const messages = [Add, Echo, Fail, Recorded];

let prefix: string;
let raw: NatsConnection;

beforeEach(async () => {
  prefix = uniquePrefix('rr');
  raw = await connect({ servers: NATS_URL });
});

afterEach(async () => {
  await closeAll();
  await raw.close();
});

async function serverAndClient(clientOptions: Parameters<typeof startOnNats>[1] = {}, serverOptions: Parameters<typeof startOnNats>[1] = {}) {
  const server = await startOnNats('server', { prefix, drainTimeoutMs: 300, ...serverOptions }, (b) => b.handler(AddHandler).handler(EchoHandler).handler(FailHandler).handler(RecordedHandler));
  const client = await startOnNats('client', { prefix, requestTimeoutMs: 2_000, ...clientOptions }, (b) => b.messages(...messages));
  return { server, client };
}

describe('request/reply over NATS', () => {
  it('delivers a command to the handler in another instance and returns its result', async () => {
    const { client } = await serverAndClient();
    await expect(client.catga.send(new Add(2, 3))).resolves.toEqual({ ok: true, value: 5 });
  });

  it('keeps Date and Uint8Array values through the default msgpack codec and through JSON', async () => {
    const at = new Date('2026-11-24T10:00:00.000Z');
    const bytes = new Uint8Array([1, 2, 255]);
    const { client } = await serverAndClient();
    const viaMsgpack = await client.catga.send(new Echo('hi', at, bytes));
    expect(viaMsgpack).toEqual({ ok: true, value: { text: 'hi', at, bytes } });
    const jsonClient = await startOnNats('json-client', { prefix, codec: 'json' }, (b) => b.messages(...messages));
    const viaJson = await jsonClient.catga.send(new Echo('hi', at, bytes));
    expect(viaJson.ok && viaJson.value.at instanceof Date && viaJson.value.bytes instanceof Uint8Array).toBe(true);
    expect(viaJson).toEqual({ ok: true, value: { text: 'hi', at, bytes } });
  });

  it('rebuilds the remote CatgaError: code, message, retryable flag and details', async () => {
    const { client } = await serverAndClient();
    const result = await client.catga.send(new Fail('not-found'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(CatgaError);
    expect(result.error.toJSON()).toEqual({ code: 'NOT_FOUND', message: 'order o-1 does not exist', retryable: false, details: { orderId: 'o-1' } });
    const thrown = await client.catga.send(new Fail('throw'));
    expect(!thrown.ok && [thrown.error.code, thrown.error.retryable]).toEqual(['HANDLER_FAILED', true]);
    expect(!thrown.ok && thrown.error.message).toContain('database unreachable');
  });

  it('reports TIMEOUT when no reply comes within requestTimeoutMs', async () => {
    const { client } = await serverAndClient({ requestTimeoutMs: 300 });
    const started = Date.now();
    const result = await client.catga.send(new Fail('hang'));
    expect(!result.ok && result.error.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('reports HANDLER_NOT_FOUND when nobody subscribes to the subject (no responders)', async () => {
    const client = await startOnNats('client', { prefix }, (b) => b.messages(Add));
    const result = await client.catga.send(new Add(1, 1));
    expect(!result.ok && result.error.code).toBe('HANDLER_NOT_FOUND');
    expect(!result.ok && result.error.message).toContain('no responders');
  });

  it('ends a send with CANCELLED when the caller aborts it', async () => {
    const { client } = await serverAndClient();
    const controller = new AbortController();
    const pending = client.catga.send(new Fail('hang'), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user left')), 50);
    const result = await pending;
    expect(!result.ok && result.error.code).toBe('CANCELLED');
  });

  it('replies SERIALIZATION_FAILED when the handler returns what no codec can carry', async () => {
    const { client } = await serverAndClient();
    const result = await client.catga.send(new Fail('unsendable'));
    expect(!result.ok && result.error.code).toBe('SERIALIZATION_FAILED');
    expect(!result.ok && result.error.message).toContain('Map');
  });

  it('shares many concurrent sends over one connection, each correlated to its own reply', async () => {
    const { client } = await serverAndClient();
    const results = await client.catga.sendBatch(Array.from({ length: 500 }, (_, i) => new Add(i, 1000)), { concurrency: 100 });
    expect(results.map((r) => (r.ok ? r.value : r.error.code))).toEqual(Array.from({ length: 500 }, (_, i) => i + 1000));
  });

  it('writes a compiled contract as a record: values in order, field names in the catga-fields header', async () => {
    const { client } = await serverAndClient();
    const seen = new Promise<{ fields: string | undefined; body: unknown }>((resolve) => {
      raw.subscribe(`${prefix}.cmd.Recorded`, { max: 1, callback: (_e, msg) => resolve({ fields: msg.headers?.get(NATS_HEADERS.fields), body: msg.data }) });
    });
    await raw.flush();
    await expect(client.catga.send(new Recorded('widgets', 3))).resolves.toEqual({ ok: true, value: 'widgets:3:true' });
    const { fields, body } = await seen;
    expect(fields).toBe('name,count,messageId,correlationId,causationId,createdAt');
    const { unpack } = await import('msgpackr');
    const values = unpack(body as Uint8Array) as unknown[];
    expect(values.slice(0, 2)).toEqual(['widgets', 3]);
  });

  it('deflates bodies above compressAboveBytes and inflates them on the other side', async () => {
    const { client } = await serverAndClient({ compressAboveBytes: 256 });
    const big = 'abc'.repeat(20_000);
    const seen = new Promise<{ encoding: string | undefined; size: number }>((resolve) => {
      raw.subscribe(`${prefix}.qry.Echo`, { max: 1, callback: (_e, msg) => resolve({ encoding: msg.headers?.get(NATS_HEADERS.contentEncoding), size: msg.data.byteLength }) });
    });
    await raw.flush();
    const result = await client.catga.send(new Echo(big, new Date(0), new Uint8Array(0)));
    expect(result.ok && result.value.text).toBe(big);
    const wire = await seen;
    expect(wire.encoding).toBe('deflate');
    expect(wire.size).toBeLessThan(2_000);
  });
});

describe('bad input reaching a handler process', () => {
  async function rawRequest(subject: string, data: Uint8Array, headers: Record<string, string>): Promise<{ code?: string; message?: string }> {
    const h = natsHeaders();
    for (const [key, value] of Object.entries(headers)) h.set(key, value);
    const reply = await raw.request(subject, data, { timeout: 2_000, headers: h });
    // A reply comes in the request's codec; it names its content type only when that differs (or it is compressed).
    const contentType = reply.headers?.get(NATS_HEADERS.contentType) || headers[NATS_HEADERS.contentType];
    const { unpack } = await import('msgpackr');
    const decoded: unknown = contentType === 'application/json' ? JSON.parse(new TextDecoder().decode(reply.data)) : unpack(reply.data);
    const [okFlag, payload] = decoded as [number, { code?: string; message?: string }];
    expect(okFlag).toBe(0);
    return payload;
  }

  it('replies SERIALIZATION_FAILED to a malformed payload, logs it, and keeps serving', async () => {
    const { server, client } = await serverAndClient();
    const error = await rawRequest(`${prefix}.cmd.Add`, new TextEncoder().encode('not msgpack at all {'), {
      [NATS_HEADERS.messageType]: 'Add',
      [NATS_HEADERS.contentType]: 'application/msgpack',
    });
    expect(error.code).toBe('SERIALIZATION_FAILED');
    expect(server.logger.messages('warn').join('\n')).toContain('rejected a request');
    await expect(client.catga.send(new Add(1, 2))).resolves.toEqual({ ok: true, value: 3 });
  });

  it('refuses a payload whose type header does not match the subject (unknown message type)', async () => {
    await serverAndClient();
    const body = new TextEncoder().encode(JSON.stringify({ a: 1, b: 2, messageId: 'x', correlationId: 'x', createdAt: 1 }));
    const error = await rawRequest(`${prefix}.cmd.Add`, body, { [NATS_HEADERS.messageType]: 'DropTables', [NATS_HEADERS.contentType]: 'application/json' });
    expect(error.code).toBe('SERIALIZATION_FAILED');
    expect(error.message).toContain('"DropTables"');
  });

  it('refuses __proto__ and constructor keys without polluting any prototype', async () => {
    await serverAndClient();
    for (const key of ['__proto__', 'constructor']) {
      const body = new TextEncoder().encode(`{"a":1,"b":2,"messageId":"x","correlationId":"x","createdAt":1,"nested":{"${key}":{"polluted":true}}}`);
      const error = await rawRequest(`${prefix}.cmd.Add`, body, { [NATS_HEADERS.messageType]: 'Add', [NATS_HEADERS.contentType]: 'application/json' });
      expect(error.code).toBe('SERIALIZATION_FAILED');
      expect(error.message).toContain(`forbidden key $.nested.${key}`);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a record body whose catga-fields header names a forbidden or missing field', async () => {
    await serverAndClient();
    const { pack } = await import('msgpackr');
    const values = pack([{ polluted: true }, 1, 2, 'x', 'x', 1]);
    const forged = await rawRequest(`${prefix}.cmd.Add`, values, {
      [NATS_HEADERS.messageType]: 'Add',
      [NATS_HEADERS.contentType]: 'application/msgpack',
      [NATS_HEADERS.fields]: '__proto__,a,b,messageId,correlationId,createdAt',
    });
    expect(forged.message).toContain('invalid field "__proto__"');
    const short = await rawRequest(`${prefix}.cmd.Add`, pack([1, 2]), {
      [NATS_HEADERS.messageType]: 'Add',
      [NATS_HEADERS.contentType]: 'application/msgpack',
      [NATS_HEADERS.fields]: 'a,b,messageId',
    });
    expect(short.message).toContain('2 values for 3 fields');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses an unknown content type and a deflate bomb over the limit', async () => {
    await serverAndClient({}, { maxPayloadBytes: 4_096 });
    const unknown = await rawRequest(`${prefix}.cmd.Add`, new Uint8Array([1]), { [NATS_HEADERS.messageType]: 'Add', [NATS_HEADERS.contentType]: 'text/xml' });
    expect(unknown.message).toContain('unknown content type "text/xml"');
    const { deflateRawSync } = await import('node:zlib');
    const bomb = deflateRawSync(Buffer.alloc(1_000_000, 0));
    const inflated = await rawRequest(`${prefix}.cmd.Add`, bomb, {
      [NATS_HEADERS.messageType]: 'Add',
      [NATS_HEADERS.contentType]: 'application/msgpack',
      [NATS_HEADERS.contentEncoding]: 'deflate',
    });
    expect(inflated.code).toBe('SERIALIZATION_FAILED');
    expect(inflated.message).toContain('4096-byte limit');
  });

  it('refuses an id with a line break instead of letting it inject headers', async () => {
    const { client } = await serverAndClient();
    const result = await client.catga.send(new Add(1, 1), { correlationId: 'abc\r\nx-injected: 1' });
    expect(!result.ok && result.error.code).toBe('SERIALIZATION_FAILED');
    expect(!result.ok && result.error.message).toContain('correlationId contains a line break');
  });

  it('fails an oversize message on the sending side without sending it', async () => {
    const { client } = await serverAndClient({ maxPayloadBytes: 1_024 });
    const seen: string[] = [];
    raw.subscribe(`${prefix}.qry.Echo`, { callback: (_e, msg) => void seen.push(msg.subject) });
    await raw.flush();
    const result = await client.catga.send(new Echo('x'.repeat(2_000), new Date(0), new Uint8Array(0)));
    expect(!result.ok && result.error.code).toBe('SERIALIZATION_FAILED');
    expect(!result.ok && result.error.message).toContain('over the 1024-byte limit');
    await raw.flush();
    expect(seen).toEqual([]);
  });
});

describe('bounded sends in flight', () => {
  it('rejects with CONCURRENCY_LIMITED beyond the limit in reject mode', async () => {
    const { client } = await serverAndClient({ maxInFlight: { limit: 2, mode: 'reject' } });
    const results = await Promise.all([1, 2, 3].map(() => client.catga.send(new Fail('slow'))));
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code)).sort()).toEqual(['CONCURRENCY_LIMITED', 'ok', 'ok']);
  });

  it('queues beyond the limit in wait mode, up to maxWaitMs', async () => {
    const { client } = await serverAndClient({ maxInFlight: { limit: 2, mode: 'wait', maxWaitMs: 5_000 } });
    const waited = await Promise.all([1, 2, 3, 4, 5].map(() => client.catga.send(new Fail('slow'))));
    expect(waited.every((r) => r.ok)).toBe(true);
    const impatient = await startOnNats('impatient', { prefix, maxInFlight: { limit: 1, mode: 'wait', maxWaitMs: 20 } }, (b) => b.messages(Fail));
    const results = await Promise.all([1, 2].map(() => impatient.catga.send(new Fail('slow'))));
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code)).sort()).toEqual(['CONCURRENCY_LIMITED', 'ok']);
  });
});
