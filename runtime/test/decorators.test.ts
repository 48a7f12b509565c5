import {
  CatgaCommand,
  CatgaEvent,
  CatgaHandler,
  CatgaQuery,
  Command,
  Event,
  Query,
  kindOf,
} from '@catga/runtime';
import { configError } from './support/config-error.js';
import { classDecoratorArgumentCount } from './support/decorator-mode.js';

class Ping extends Command<string> {}
class Pinged extends Event {}
class Count extends Query<number> {}

describe('message decorators (TC39 standard decorators)', () => {
  it('really run in standard mode (a class decorator gets value and context)', () => {
    expect(classDecoratorArgumentCount()).toBe(2);
  });

  it('record kind and options on the class', () => {
    @CatgaCommand({ idempotent: true, timeoutMs: 500, retry: { attempts: 3 } })
    class Charge extends Command<number> {}
    expect(kindOf(Charge)).toBe('command');
    expect(kindOf(Count)).toBe('query');
    expect(kindOf(Pinged)).toBe('event');
    expect(new Charge().messageType).toBe('Charge');
  });

  it('reject a negative timeout, naming the class and the field', () => {
    const error = configError(() => CatgaCommand({ timeoutMs: -5 })(Ping));
    expect(error.field).toBe('@CatgaCommand(Ping).timeoutMs');
    expect(error.message).toContain('expected an integer between 1 and');
    expect(error.message).toContain('-5');
  });

  it('reject an unknown option and list the allowed ones', () => {
    const error = configError(() => CatgaCommand({ timeout: 5 } as never)(Ping));
    expect(error.field).toBe('@CatgaCommand(Ping).timeout');
    expect(error.allowed).toContain('timeoutMs');
  });

  it('reject a retry policy without attempts and an invalid qos', () => {
    expect(configError(() => CatgaQuery({ retry: {} as never })(Count)).field).toBe('@CatgaQuery(Count).retry.attempts');
    expect(configError(() => CatgaEvent({ qos: 3 as never })(Pinged)).message).toContain('expected one of 0, 1, 2');
  });

  it('reject a type name that cannot travel in a subject', () => {
    expect(configError(() => CatgaEvent({ name: 'order placed' })(Pinged)).field).toBe('@CatgaEvent(Pinged).name');
  });

  it('reject a decorator of the wrong kind and a class that is not a message', () => {
    expect(configError(() => CatgaCommand()(Pinged as never)).message).toContain('Pinged is an event; @CatgaCommand needs a class extending Command<R>');
    class NotAMessage {}
    expect(configError(() => CatgaEvent()(NotAMessage as never)).message).toContain('must extend Event');
  });

  it('reject decorating a message twice', () => {
    class Twice extends Event {}
    CatgaEvent()(Twice);
    expect(configError(() => CatgaEvent()(Twice)).message).toContain('decorated twice');
  });
});

describe('@CatgaHandler', () => {
  it('rejects a class without handle()', () => {
    class NoHandle {}
    expect(configError(() => CatgaHandler(Ping)(NoHandle as never)).message).toContain('has no handle(message, context) method');
  });

  it('rejects a message argument that is not a message class', () => {
    class Plain {}
    class H {
      handle(): void {}
    }
    expect(configError(() => CatgaHandler(Plain as never)(H)).message).toContain('Plain is not a message');
  });

  it('rejects unknown handler options', () => {
    class H {
      handle(): string {
        return 'x';
      }
    }
    expect(configError(() => CatgaHandler(Ping, { lifetime: 'scoped' } as never)(H)).field).toBe('@CatgaHandler(H).lifetime');
  });
});
