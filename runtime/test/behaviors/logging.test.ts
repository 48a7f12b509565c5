import {
  CatgaCommand,
  CatgaError,
  CatgaEvent,
  CatgaHandler,
  Command,
  ERROR_CODES,
  Event,
  type HandlerContext,
  type PipelineBehavior,
  createCatga,
  fail,
} from '@catga/runtime';
import { BehaviorOrder } from '../../src/behaviors/behavior-order.js';
import { type CatgaLogger, consoleLogger, type LogFields, type LogLevel } from '../../src/behaviors/logger.js';
import { failureLevel, loggingBehavior } from '../../src/behaviors/logging.js';
import { configError } from '../support/config-error.js';

@CatgaCommand()
class Ship extends Command<string> {
  constructor(readonly orderId: string) {
    super();
  }
}

@CatgaEvent()
class Shipped extends Event {}

@CatgaCommand()
class Checkout extends Command<string> {}

const handled: string[] = [];
const crash = new Error('carrier API down');

@CatgaHandler(Ship)
class ShipHandler {
  async handle(command: Ship): Promise<string> {
    handled.push(command.orderId);
    if (command.orderId === 'missing') throw new CatgaError('NOT_FOUND', 'no order missing');
    if (command.orderId === 'crash') throw crash;
    if (command.orderId === 'slow') await new Promise((resolve) => setTimeout(resolve, 25));
    return `shipped ${command.orderId}`;
  }
}

@CatgaHandler(Checkout)
class CheckoutHandler {
  async handle(_command: Checkout, ctx: HandlerContext): Promise<string> {
    await ctx.send(new Ship('o-1'));
    return 'checked out';
  }
}

@CatgaHandler(Shipped)
class NotifyCustomer {
  handle(): void {}
}

interface Entry {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields;
}

/** A logger that keeps every entry, in order. */
function recordingLogger(): CatgaLogger & { readonly entries: Entry[] } {
  const entries: Entry[] = [];
  const at = (level: LogLevel) => (fields: LogFields, message: string) => void entries.push({ level, message, fields });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

// `highPerformance` installs no built-in behaviours (no console logging of its own); asyncDispatch keeps the
// remote-like hop between caller and handler.
function build(logger: CatgaLogger, level?: LogLevel, inner?: PipelineBehavior) {
  const builder = createCatga({ preset: 'highPerformance', asyncDispatch: true }).use(
    loggingBehavior(level === undefined ? { logger } : { logger, level }),
    { order: BehaviorOrder.logging },
  );
  if (inner !== undefined) builder.use(inner, { order: BehaviorOrder.validation });
  return builder.handler(ShipHandler).handler(CheckoutHandler).handler(NotifyCustomer).build();
}

describe('logging behaviour', () => {
  beforeEach(() => handled.splice(0));

  it('logs debug "handling" at the start and info "handled" with the duration on success', async () => {
    const logger = recordingLogger();
    const command = new Ship('slow');
    expect(await build(logger, 'debug').send(command)).toEqual({ ok: true, value: 'shipped slow' });

    const base = {
      messageType: 'Ship',
      kind: 'command',
      messageId: command.messageId,
      correlationId: command.correlationId,
      causationId: undefined,
      handler: 'ShipHandler',
    };
    expect(logger.entries.map(({ level, message }) => [level, message])).toEqual([
      ['debug', 'handling Ship'],
      ['info', 'handled Ship'],
    ]);
    expect(logger.entries[0]!.fields).toStrictEqual(base);
    const { durationMs, ...rest } = logger.entries[1]!.fields;
    expect(rest).toStrictEqual({ ...base, outcome: 'ok' });
    // The handler waited 25 ms; the timer may fire a little early, never much.
    expect(durationMs).toBeGreaterThanOrEqual(20);
    expect(durationMs).toBeLessThan(1000);
  });

  it('logs at info by default: no debug entry', async () => {
    const logger = recordingLogger();
    await build(logger).send(new Ship('o-1'));
    expect(logger.entries.map(({ level, message }) => [level, message])).toEqual([['info', 'handled Ship']]);
  });

  it('logs a handler crash at error with code, retryable, message and the thrown Error as err', async () => {
    const logger = recordingLogger();
    const command = new Ship('crash');
    const result = await build(logger).send(command);
    expect(result.ok || result.error.code).toBe('HANDLER_FAILED');

    expect(logger.entries).toHaveLength(1);
    const [entry] = logger.entries;
    expect([entry!.level, entry!.message]).toEqual(['error', 'failed Ship']);
    const { durationMs, ...fields } = entry!.fields;
    expect(typeof durationMs).toBe('number');
    expect(fields).toStrictEqual({
      messageType: 'Ship',
      kind: 'command',
      messageId: command.messageId,
      correlationId: command.messageId,
      causationId: undefined,
      handler: 'ShipHandler',
      outcome: 'failed',
      errorCode: 'HANDLER_FAILED',
      retryable: true,
      errorMessage: 'ShipHandler failed on "Ship": carrier API down',
      err: crash,
    });
    expect(entry!.fields.err).toBe(crash);
  });

  it('logs a domain failure at warn, without err when the failure has no underlying cause', async () => {
    const logger = recordingLogger();
    await build(logger).send(new Ship('missing'));
    expect(logger.entries).toHaveLength(1);
    const [entry] = logger.entries;
    expect([entry!.level, entry!.message, entry!.fields.errorCode, entry!.fields.retryable, entry!.fields.errorMessage]).toEqual([
      'warn',
      'failed Ship',
      'NOT_FOUND',
      false,
      'no order missing',
    ]);
    expect('err' in entry!.fields).toBe(false);
  });

  it('classifies every error code: expected outcomes at warn, defects and outages at error', () => {
    const warn = ERROR_CODES.filter((code) => failureLevel(code) === 'warn').sort();
    const error = ERROR_CODES.filter((code) => failureLevel(code) === 'error').sort();
    expect(warn).toEqual([
      'CANCELLED',
      'CIRCUIT_OPEN',
      'CONCURRENCY_LIMITED',
      'CONFLICT',
      'FORBIDDEN',
      'NOT_FOUND',
      'RATE_LIMITED',
      'UNAUTHORIZED',
      'VALIDATION_FAILED',
    ]);
    expect(error).toEqual([
      'HANDLER_FAILED',
      'HANDLER_NOT_FOUND',
      'INTERNAL_ERROR',
      'LOCK_FAILED',
      'PERSISTENCE_FAILED',
      'PIPELINE_FAILED',
      'SERIALIZATION_FAILED',
      'TIMEOUT',
      'TRANSPORT_FAILED',
    ]);
  });

  it('respects the minimum level: warn drops successes, error drops expected failures too', async () => {
    const atWarn = recordingLogger();
    const warnCatga = build(atWarn, 'warn');
    await warnCatga.send(new Ship('o-1'));
    await warnCatga.send(new Ship('missing'));
    expect(atWarn.entries.map(({ level, fields }) => [level, fields.errorCode])).toEqual([['warn', 'NOT_FOUND']]);

    const atError = recordingLogger();
    const errorCatga = build(atError, 'error');
    await errorCatga.send(new Ship('o-1'));
    await errorCatga.send(new Ship('missing'));
    await errorCatga.send(new Ship('crash'));
    expect(atError.entries.map(({ level, fields }) => [level, fields.errorCode])).toEqual([['error', 'HANDLER_FAILED']]);
  });

  it('does not call the logger at all for suppressed levels', async () => {
    const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
    await build(logger, 'error').send(new Ship('o-1'));
    expect([logger.debug, logger.info, logger.warn, logger.error].map((method) => method.mock.calls.length)).toEqual([0, 0, 0, 0]);
  });

  it('logs each event handler with its own name, and the lineage of messages sent by handlers', async () => {
    const logger = recordingLogger();
    const catga = build(logger);
    const event = new Shipped();
    await catga.publish(event);
    expect(logger.entries.map(({ message, fields }) => [message, fields.kind, fields.handler, fields.messageId])).toEqual([
      ['handled Shipped', 'event', 'NotifyCustomer', event.messageId],
    ]);

    logger.entries.splice(0);
    const checkout = new Checkout();
    await catga.send(checkout);
    // The inner call finishes first; it carries the outer message's ids as causation and correlation.
    expect(logger.entries.map(({ message, fields }) => [message, fields.correlationId, fields.causationId])).toEqual([
      ['handled Ship', checkout.messageId, checkout.messageId],
      ['handled Checkout', checkout.messageId, undefined],
    ]);
  });

  it('logs the outcome of an inner behaviour that short-circuits (logging sits outside it)', async () => {
    const logger = recordingLogger();
    const refuse: PipelineBehavior = { name: 'refuse', handle: async () => fail('FORBIDDEN', 'shipping is paused') };
    const result = await build(logger, 'info', refuse).send(new Ship('o-1'));
    expect(result.ok || result.error.code).toBe('FORBIDDEN');
    expect(handled).toEqual([]);
    expect(logger.entries.map(({ level, message, fields }) => [level, message, fields.errorCode, fields.errorMessage])).toEqual([
      ['warn', 'failed Ship', 'FORBIDDEN', 'shipping is paused'],
    ]);
  });

  it('never lets a throwing logger change the outcome', async () => {
    const broken: CatgaLogger = {
      debug: () => {
        throw new Error('disk full');
      },
      info: () => {
        throw new Error('disk full');
      },
      warn: () => {
        throw new Error('disk full');
      },
      error: () => {
        throw new Error('disk full');
      },
    };
    const catga = build(broken, 'debug');
    expect(await catga.send(new Ship('o-1'))).toEqual({ ok: true, value: 'shipped o-1' });
    const failed = await catga.send(new Ship('crash'));
    // Still the handler's failure, not PIPELINE_FAILED from the logger.
    expect(failed.ok || failed.error.code).toBe('HANDLER_FAILED');
    expect(handled).toEqual(['o-1', 'crash']);
  });

  it('swallows the rejection of an asynchronous logger instead of leaving it unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const rejecting = () => Promise.reject(new Error('log shipper offline'));
      const logger: CatgaLogger = { debug: rejecting, info: rejecting, warn: rejecting, error: rejecting };
      expect(await build(logger, 'debug').send(new Ship('o-1'))).toEqual({ ok: true, value: 'shipped o-1' });
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it('rejects a logger without the level methods and an unknown level, naming the field', () => {
    const logger = recordingLogger();
    const missingWarn = { debug: logger.debug, info: logger.info, error: logger.error } as unknown as CatgaLogger;
    expect(configError(() => loggingBehavior({ logger: missingWarn })).field).toBe('logging.logger');
    const error = configError(() => loggingBehavior({ logger, level: 'verbose' as LogLevel }));
    expect([error.field, error.allowed]).toEqual(['logging.level', ['debug', 'info', 'warn', 'error']]);
  });
});

describe('CatgaLogger shape', () => {
  it('accepts console and a pino-shaped logger, and refuses an object without warn (checked by tsc)', () => {
    // pino's LogFn, reproduced so the check does not need pino installed.
    interface PinoLogFn {
      <T extends object>(obj: T, msg?: string, ...args: unknown[]): void;
      (obj: unknown, msg?: string, ...args: unknown[]): void;
      (msg: string, ...args: unknown[]): void;
    }
    interface PinoLike {
      level: string;
      trace: PinoLogFn;
      debug: PinoLogFn;
      info: PinoLogFn;
      warn: PinoLogFn;
      error: PinoLogFn;
      fatal: PinoLogFn;
      child(bindings: Record<string, unknown>): PinoLike;
    }
    const log: PinoLogFn = () => undefined;
    const pino: PinoLike = { level: 'info', trace: log, debug: log, info: log, warn: log, error: log, fatal: log, child: () => pino };
    const fromPino: CatgaLogger = pino;
    const fromConsole: CatgaLogger = console;
    // @ts-expect-error a logger must have every level method
    const incomplete: CatgaLogger = { debug: log, info: log, error: log };
    expect([fromPino, fromConsole, incomplete].length).toBe(3);
    expect(() => loggingBehavior({ logger: console })).not.toThrow();
  });
});

describe('consoleLogger', () => {
  const levels = ['debug', 'info', 'warn', 'error'] as const;
  let spies: Array<jest.SpyInstance<void, unknown[]>> = [];

  beforeAll(() => {
    spies = levels.map((level) => jest.spyOn(console, level).mockImplementation(() => undefined));
  });
  beforeEach(() => spies.forEach((spy) => spy.mockClear()));
  afterAll(() => spies.forEach((spy) => spy.mockRestore()));

  function lines(): Array<[string, string]> {
    return spies.flatMap((spy, i) => spy.mock.calls.map((call): [string, string] => [levels[i]!, String(call[0])]));
  }

  it('writes one line per entry, "catga <message> {json fields}", through the console method of the level', () => {
    const logger = consoleLogger({ level: 'debug' });
    logger.debug({ step: 1 }, 'handling Ship');
    logger.info({ messageType: 'Ship', durationMs: 0.5, causationId: undefined }, 'handled Ship');
    logger.warn({ errorCode: 'NOT_FOUND' }, 'failed Ship');
    logger.error({ big: 10n }, 'failed Ship');
    expect(lines()).toEqual([
      ['debug', 'catga handling Ship {"step":1}'],
      ['info', 'catga handled Ship {"messageType":"Ship","durationMs":0.5}'],
      ['warn', 'catga failed Ship {"errorCode":"NOT_FOUND"}'],
      ['error', 'catga failed Ship {"big":"10"}'],
    ]);
  });

  it('writes errors with name, message and stack, and CatgaErrors as their JSON view', () => {
    const logger = consoleLogger();
    const err = new TypeError('bad input');
    logger.error({ err, failure: new CatgaError('CONFLICT', 'already shipped') }, 'failed Ship');
    const [[, line]] = lines() as [[string, string]];
    expect(line.startsWith('catga failed Ship {')).toBe(true);
    expect(line).not.toContain('\n');
    expect(JSON.parse(line.slice('catga failed Ship '.length))).toEqual({
      err: { name: 'TypeError', message: 'bad input', stack: err.stack },
      failure: { code: 'CONFLICT', message: 'already shipped', retryable: false, details: {} },
    });
  });

  it('still writes the message when the fields cannot be serialised', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    consoleLogger().warn({ circular }, 'failed Ship');
    const [[level, line]] = lines() as [[string, string]];
    expect(level).toBe('warn');
    expect(line).toMatch(/^catga failed Ship \{"unserializableFields":".*circular.*"\}$/i);
  });

  it('skips entries below its level (info by default)', () => {
    const byDefault = consoleLogger();
    byDefault.debug({}, 'hidden');
    byDefault.info({}, 'shown');
    const quiet = consoleLogger({ level: 'error' });
    quiet.warn({}, 'hidden');
    quiet.error({}, 'shown too');
    expect(lines()).toEqual([
      ['info', 'catga shown {}'],
      ['error', 'catga shown too {}'],
    ]);
  });

  it('refuses an unknown level', () => {
    expect(configError(() => consoleLogger({ level: 'trace' as LogLevel })).field).toBe('consoleLogger.level');
  });
});
