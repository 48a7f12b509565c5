import { CatgaCommand, CatgaHandler, Command, type PipelineBehavior, createCatga } from '@catga/runtime';
import { BehaviorOrder } from '../../src/behaviors/behavior-order.js';
import { validationBehavior } from '../../src/behaviors/validation.js';
import { attachValidator, toValidateFn, type ValidateFn, type ValidationIssue, type ValidatorObject } from '../../src/behaviors/validator.js';

@CatgaCommand()
class Register extends Command<string> {
  constructor(readonly email: string, readonly age: number) {
    super();
  }
}

@CatgaCommand()
class Unvalidated extends Command<string> {}

const handled: string[] = [];

@CatgaHandler(Register)
class RegisterHandler {
  handle(command: Register): string {
    handled.push(command.email);
    return `welcome ${command.email}`;
  }
}

@CatgaHandler(Unvalidated)
class UnvalidatedHandler {
  handle(): string {
    return 'ok';
  }
}

const emailRequired = (command: Register): ValidationIssue[] => (command.email.includes('@') ? [] : [{ field: 'email', message: 'must be an e-mail address', rule: 'format' }]);

class AgeValidator implements ValidatorObject<Register> {
  validate(command: Register): ValidationIssue[] {
    return command.age >= 18 ? [] : [{ field: 'age', message: 'must be at least 18', rule: 'minimum' }];
  }
}

function build(validators: Map<Function, ValidateFn[]>, extra?: PipelineBehavior) {
  const builder = createCatga().use(validationBehavior(validators), { order: BehaviorOrder.validation });
  if (extra) builder.use(extra, { order: BehaviorOrder.validation + 1 });
  return builder.handler(RegisterHandler).handler(UnvalidatedHandler).build();
}

describe('validation behaviour', () => {
  beforeEach(() => handled.splice(0));

  it('lets a valid message through to the handler', async () => {
    const catga = build(new Map([[Register, [toValidateFn(emailRequired), toValidateFn(AgeValidator)]]]));
    expect(await catga.send(new Register('ada@example.com', 36))).toEqual({ ok: true, value: 'welcome ada@example.com' });
  });

  it('lists every issue of every validator (function, class) in one VALIDATION_FAILED', async () => {
    const catga = build(new Map([[Register, [toValidateFn(emailRequired), toValidateFn(AgeValidator)]]]));
    const result = await catga.send(new Register('nope', 12));
    if (result.ok) throw new Error('expected failure');
    expect(result.error.code).toBe('VALIDATION_FAILED');
    expect(result.error.retryable).toBe(false);
    expect(result.error.message).toBe('Register is invalid: email: must be an e-mail address; age: must be at least 18');
    expect(result.error.details.errors).toEqual([
      { field: 'email', message: 'must be an e-mail address', rule: 'format' },
      { field: 'age', message: 'must be at least 18', rule: 'minimum' },
    ]);
    expect(handled).toEqual([]);
  });

  it('accepts async validators and validator objects', async () => {
    const notTaken = { validate: async (command: Register) => (command.email === 'taken@example.com' ? [{ field: 'email', message: 'is taken' }] : []) };
    const catga = build(new Map([[Register, [toValidateFn(notTaken)]]]));
    const result = await catga.send(new Register('taken@example.com', 30));
    expect(result.ok || result.error.details.errors).toEqual([{ field: 'email', message: 'is taken' }]);
  });

  it('runs validators attached to the class (the transformer hook) in every instance', async () => {
    @CatgaCommand()
    class Rename extends Command<string> {
      constructor(readonly name: string) {
        super();
      }
    }
    attachValidator(Rename, (command) => (command.name.length === 0 ? [{ field: 'name', message: 'is required' }] : []));
    @CatgaHandler(Rename)
    class RenameHandler {
      handle(command: Rename): string {
        return command.name;
      }
    }
    const catga = createCatga().use(validationBehavior(new Map()), { order: BehaviorOrder.validation }).handler(RenameHandler).build();
    const result = await catga.send(new Rename(''));
    expect(result.ok || result.error.message).toBe('Rename is invalid: name: is required');
    expect(await catga.send(new Rename('x'))).toEqual({ ok: true, value: 'x' });
  });

  it('adds no step for types without validators', () => {
    const behavior = validationBehavior(new Map([[Register, [toValidateFn(emailRequired)]]]));
    const descriptor = { typeName: 'Unvalidated', kind: 'command' as const, handlerName: 'H', messageClass: Unvalidated, options: {} };
    expect(behavior.forMessage!(descriptor)).toBeUndefined();
  });

  it('runs before inner behaviours: an invalid message never reaches them', async () => {
    const reached: string[] = [];
    const inner: PipelineBehavior = { name: 'inner', handle: async (message, _context, next) => (reached.push(message.messageType), next()) };
    const catga = build(new Map([[Register, [toValidateFn(emailRequired)]]]), inner);
    await catga.send(new Register('bad', 20));
    await catga.send(new Register('good@example.com', 20));
    expect(reached).toEqual(['Register']);
  });

  it('reports a throwing validator as PIPELINE_FAILED (a bug in the validator, not invalid input)', async () => {
    const broken: ValidateFn = () => {
      throw new Error('validator bug');
    };
    const result = await build(new Map([[Register, [broken]]])).send(new Register('a@b.c', 20));
    expect(result.ok || [result.error.code, result.error.details.behavior]).toEqual(['PIPELINE_FAILED', 'validation']);
  });

  it('respects abort: a cancelled call is CANCELLED, not validated', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await build(new Map([[Register, [toValidateFn(emailRequired)]]])).send(new Register('bad', 1), { signal: controller.signal });
    expect(result.ok || result.error.code).toBe('CANCELLED');
  });
});
