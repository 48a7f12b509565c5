import type { CatgaLogger } from '../behaviors/logger.js';
import type { MembershipChange } from './cluster-membership.js';

/**
 * The live members as one membership implementation sees them, with when each was last heard of, and the listeners
 * to tell about changes. Shared by the memberships so that they report changes the same way: one sorted snapshot per
 * change, listeners called synchronously, a listener that throws logged and skipped.
 */
export class MemberTable {
  private readonly lastSeen = new Map<string, number>();
  private readonly listeners = new Set<(change: MembershipChange) => void>();
  private snapshot: readonly string[] = [];

  constructor(
    private readonly logger: CatgaLogger | undefined,
    private readonly label: string,
  ) {}

  /** Live members, sorted. */
  list(): readonly string[] {
    return this.snapshot;
  }

  has(nodeId: string): boolean {
    return this.lastSeen.has(nodeId);
  }

  onChange(listener: (change: MembershipChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records that `nodeId` was heard of at `at`; a new member is a change. */
  seen(nodeId: string, at: number): void {
    const known = this.lastSeen.has(nodeId);
    this.lastSeen.set(nodeId, at);
    if (!known) this.publish();
  }

  /** Drops `nodeId` (it announced leaving). */
  remove(nodeId: string): void {
    if (this.lastSeen.delete(nodeId)) this.publish();
  }

  /** Drops every member last heard of before `before`, except `keep` (this node, which never times itself out). */
  expire(before: number, keep: string | undefined): void {
    let changed = false;
    for (const [nodeId, at] of this.lastSeen) {
      if (at < before && nodeId !== keep) {
        this.lastSeen.delete(nodeId);
        changed = true;
      }
    }
    if (changed) this.publish();
  }

  /** Makes the members exactly `nodeIds` (a store's full list), all seen at `at`. */
  replace(nodeIds: Iterable<string>, at: number): void {
    const next = new Set(nodeIds);
    let changed = next.size !== this.lastSeen.size;
    for (const nodeId of this.lastSeen.keys()) if (!next.has(nodeId)) changed = true;
    this.lastSeen.clear();
    for (const nodeId of next) this.lastSeen.set(nodeId, at);
    if (changed) this.publish();
  }

  /** Forgets every member (this node stopped). */
  clear(): void {
    if (this.lastSeen.size === 0) return;
    this.lastSeen.clear();
    this.publish();
  }

  private publish(): void {
    const previous = this.snapshot;
    const members = [...this.lastSeen.keys()].sort();
    this.snapshot = Object.freeze(members);
    const before = new Set(previous);
    const after = new Set(members);
    const change: MembershipChange = {
      members: this.snapshot,
      joined: members.filter((nodeId) => !before.has(nodeId)),
      left: previous.filter((nodeId) => !after.has(nodeId)),
    };
    if (change.joined.length === 0 && change.left.length === 0) return;
    this.logger?.info({ cluster: this.label, members: change.members, joined: change.joined, left: change.left }, 'catga: cluster membership changed');
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (thrown) {
        this.logger?.error({ err: thrown, cluster: this.label }, 'catga: a membership listener threw');
      }
    }
  }
}
