import { CatgaConfigurationError, type MembershipChange, MemoryMembership, MemoryMembershipRegistry } from '@catga/runtime';

describe('MemoryMembership', () => {
  it('sees joins and leaves of the members of its registry at once', async () => {
    const registry = new MemoryMembershipRegistry();
    const a = new MemoryMembership(registry, { nodeId: 'a' });
    const b = new MemoryMembership(registry, { nodeId: 'b' });
    const seenByA: MembershipChange[] = [];
    a.onChange((change) => seenByA.push(change));
    expect(a.members()).toEqual([]);
    await a.start();
    await b.start();
    expect(a.members()).toEqual(['a', 'b']);
    expect(b.members()).toEqual(['a', 'b']);
    expect(registry.members()).toEqual(['a', 'b']);
    await b.stop();
    expect(a.members()).toEqual(['a']);
    expect(b.members()).toEqual([]);
    expect(seenByA).toEqual([
      { members: ['a'], joined: ['a'], left: [] },
      { members: ['a', 'b'], joined: ['b'], left: [] },
      { members: ['a'], joined: [], left: ['b'] },
    ]);
    await a.stop();
    await a.stop(); // twice is fine
  });

  it('refuses a node id already in the registry, and bad options', async () => {
    const registry = new MemoryMembershipRegistry();
    await new MemoryMembership(registry, { nodeId: 'a' }).start();
    await expect(new MemoryMembership(registry, { nodeId: 'a' }).start()).rejects.toThrow('node id "a" is already a member');
    expect(() => new MemoryMembership(registry, { nodeId: 'a.b' })).toThrow(CatgaConfigurationError);
    expect(() => new MemoryMembership(registry, { nodeId: 'a.b' })).toThrow('memoryMembership.nodeId');
    expect(() => new MemoryMembership({} as MemoryMembershipRegistry)).toThrow('memoryMembership.registry');
    // A default id is a safe subject token.
    expect(new MemoryMembership(registry).nodeId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });
});
