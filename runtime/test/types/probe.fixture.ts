// A deliberate error with no @ts-expect-error: types.test.ts checks that the harness reports it.
import { Command, Event, createCatga } from '@catga/runtime';

class Ping extends Command<string> {}
class Happened extends Event {}

export const pending = createCatga().build().send(new Happened());
export const fine = createCatga().build().send(new Ping());
