import { CatgaCommand, CatgaEvent, Command, Event, messageIdTime, newMessageId, typeNameOf } from '@catga/runtime';

@CatgaCommand()
class RenameUser extends Command {
  constructor(readonly userId: string, readonly name: string) {
    super();
  }
}

@CatgaEvent({ name: 'user-renamed' })
class UserRenamed extends Event {
  constructor(readonly userId: string) {
    super();
  }
}

describe('message contract', () => {
  it('gives every message an id, a correlation id, no causation and a creation time', () => {
    const before = Date.now();
    const command = new RenameUser('u-1', 'Ada');
    expect(command.messageId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(command.correlationId).toBe(command.messageId);
    expect(command.causationId).toBeUndefined();
    expect(command.createdAt).toBeGreaterThanOrEqual(before);
    expect(command.createdAt).toBeLessThanOrEqual(Date.now());
    expect(messageIdTime(command.messageId)).toBe(command.createdAt);
  });

  it('exposes the stable type name: the class name, or the decorator name', () => {
    expect(new RenameUser('u', 'n').messageType).toBe('RenameUser');
    expect(new UserRenamed('u').messageType).toBe('user-renamed');
    expect(typeNameOf(UserRenamed)).toBe('user-renamed');
  });

  it('keeps the type name out of the enumerable fields (it is not payload)', () => {
    expect(Object.keys(new UserRenamed('u-9'))).toEqual(['messageId', 'correlationId', 'causationId', 'createdAt', 'userId']);
  });

  it('does not let a subclass inherit its parent decorator name', () => {
    class SpecialRename extends UserRenamed {}
    expect(new SpecialRename('u').messageType).toBe('SpecialRename');
  });
});

describe('message ids', () => {
  it('are unique and strictly increasing as text within one process', () => {
    const ids = Array.from({ length: 10_000 }, () => newMessageId());
    expect(new Set(ids).size).toBe(ids.length);
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
  });

  it('stay ordered within one millisecond and across milliseconds', () => {
    // Ahead of the real clock, so the generator sees a new millisecond rather than a clock going back.
    const t = Date.now() + 60_000;
    const sameMs = [newMessageId(t), newMessageId(t), newMessageId(t)];
    expect([...sameMs].sort()).toEqual(sameMs);
    const later = newMessageId(t + 1);
    expect(later > sameMs[2]!).toBe(true);
    expect(messageIdTime(later)).toBe(t + 1);
  });

  it('keeps ordering when the clock goes backwards', () => {
    const a = newMessageId(Date.now() + 120_000);
    const b = newMessageId(Date.now() + 90_000);
    expect(b > a).toBe(true);
  });

  it('rejects text that is not an id', () => {
    expect(() => messageIdTime('not-an-id!')).toThrow(RangeError);
  });

  // Last: it moves the generator's clock to the end of the ULID range.
  it('encodes every digit of the time, up to the last millisecond ULIDs can hold', () => {
    const times = [2 ** 41 - 1, 2 ** 41, 2 ** 45 + 12_345, 2 ** 47 + 2 ** 20 + 7, 2 ** 48 - 1]; // all ahead of the real clock
    const ids = times.map((t) => newMessageId(t));
    for (const [i, id] of ids.entries()) {
      expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(messageIdTime(id)).toBe(times[i]);
    }
    expect(ids[4]!.slice(0, 10)).toBe('7ZZZZZZZZZ');
    expect([...ids].sort()).toEqual(ids);
  });
});
