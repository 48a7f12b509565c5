import {
  CatgaCommand,
  CatgaEvent,
  CatgaHandler,
  Command,
  Event,
  type HandlerContext,
  type MessageContract,
  createCatga,
} from '@catga/runtime';

@CatgaEvent()
class Audited extends Event {
  constructor(readonly what: string) {
    super();
  }
}

@CatgaCommand()
class Notify extends Command<string> {
  constructor(readonly to: string) {
    super();
  }
}

@CatgaCommand()
class Register extends Command<string> {
  constructor(readonly email: string) {
    super();
  }
}

interface Seen {
  register?: MessageContract;
  notify?: MessageContract & { signal: AbortSignal };
  audited?: MessageContract;
}

function build(seen: Seen) {
  @CatgaHandler(Register)
  class RegisterHandler {
    async handle(command: Register, context: HandlerContext): Promise<string> {
      seen.register = { ...context.message, messageType: context.message.messageType };
      const notified = await context.send(new Notify(command.email));
      await context.publish(new Audited(`registered ${command.email}`));
      return notified.ok ? notified.value : 'not notified';
    }
  }
  @CatgaHandler(Notify)
  class NotifyHandler {
    handle(command: Notify, context: HandlerContext): string {
      seen.notify = { ...command, messageType: command.messageType, signal: context.signal };
      return `sent to ${command.to}`;
    }
  }
  @CatgaHandler(Audited)
  class AuditHandler {
    handle(event: Audited): void {
      seen.audited = { ...event, messageType: event.messageType };
    }
  }
  return createCatga().handler(RegisterHandler).handler(NotifyHandler).handler(AuditHandler).build();
}

describe('HandlerContext', () => {
  it('exposes the incoming message contract', async () => {
    const seen: Seen = {};
    const register = new Register('ada@example.com');
    await build(seen).send(register);
    expect(seen.register).toMatchObject({
      messageId: register.messageId,
      correlationId: register.messageId,
      causationId: undefined,
      messageType: 'Register',
    });
  });

  it('stamps correlation and causation on sent commands and published events', async () => {
    const seen: Seen = {};
    const register = new Register('ada@example.com');
    const result = await build(seen).send(register);
    expect(result).toEqual({ ok: true, value: 'sent to ada@example.com' });
    expect(seen.notify?.correlationId).toBe(register.correlationId);
    expect(seen.notify?.causationId).toBe(register.messageId);
    expect(seen.audited?.correlationId).toBe(register.correlationId);
    expect(seen.audited?.causationId).toBe(register.messageId);
    expect(seen.audited?.messageId).not.toBe(register.messageId);
  });

  it('carries a caller-provided correlation id through the whole conversation', async () => {
    const seen: Seen = {};
    await build(seen).send(new Register('b@example.com'), { correlationId: 'http-req-77' });
    expect(seen.register?.correlationId).toBe('http-req-77');
    expect(seen.notify?.correlationId).toBe('http-req-77');
    expect(seen.audited?.correlationId).toBe('http-req-77');
  });

  it('hands the parent signal to child sends, so cancelling the parent cancels the children', async () => {
    const seen: Seen = {};
    const controller = new AbortController();
    await build(seen).send(new Register('c@example.com'), { signal: controller.signal });
    expect(seen.notify?.signal.aborted).toBe(false);
    controller.abort();
    expect(seen.notify?.signal.aborted).toBe(true);
  });

  it('does not rewrite the lineage of a message that already has one', async () => {
    const seen: Seen = {};
    const catga = build(seen);
    const first = new Register('d@example.com');
    await catga.send(first, { correlationId: 'conv-1' });
    await catga.send(first, { correlationId: 'conv-2' });
    expect(first.correlationId).toBe('conv-1');
  });
});
