/**
 * How many arguments a class decorator receives in the compilation this file is part of: 2 (value, context) under
 * TC39 standard decorators, 1 (target) under experimentalDecorators. Each jest project compiles it in its own mode.
 */
export function classDecoratorArgumentCount(): number {
  let received = -1;
  const probe = (...args: unknown[]): void => {
    received = args.length;
  };
  @probe
  class Probed {}
  void Probed;
  return received;
}
