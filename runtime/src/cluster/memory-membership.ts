import { CatgaConfigurationError } from '../core/configuration-error.js';
import { checkOptions } from '../core/option-checks.js';
import { type ClusterMembership, type MembershipChange, newNodeId, NODE_ID } from './cluster-membership.js';
import { MemberTable } from './member-table.js';

/**
 * The shared list of members that {@link MemoryMembership}s in one process join: one registry per cluster. A join or
 * a leave reaches every other member synchronously, before `start()` / `stop()` resolve.
 */
export class MemoryMembershipRegistry {
  private readonly joined = new Map<string, MemberTable>();

  /** Node ids of the members, sorted. */
  members(): readonly string[] {
    return [...this.joined.keys()].sort();
  }

  /** @internal Adds a member and tells everyone (the newcomer included) the new list. */
  join(nodeId: string, table: MemberTable): void {
    if (this.joined.has(nodeId)) throw new CatgaConfigurationError('memoryMembership.nodeId', `node id "${nodeId}" is already a member of this registry`);
    this.joined.set(nodeId, table);
    this.broadcast();
  }

  /** @internal Removes a member and tells the others. */
  leave(nodeId: string): void {
    if (this.joined.delete(nodeId)) this.broadcast();
  }

  private broadcast(): void {
    const now = performance.now();
    const members = [...this.joined.keys()];
    for (const table of this.joined.values()) table.replace(members, now);
  }
}

/** Options of {@link MemoryMembership}. */
export interface MemoryMembershipOptions {
  /** This node's id (default: host name and random digits). Unique within the registry. */
  readonly nodeId?: string;
}

/**
 * A {@link ClusterMembership} in this process's memory: members are whoever joined the same
 * {@link MemoryMembershipRegistry}. For tests and for several Catga instances in one process (each its own node);
 * nothing crosses processes. A member is there from `start()` to `stop()`: there is no heartbeat to miss.
 */
export class MemoryMembership implements ClusterMembership {
  /** This node's id. */
  readonly nodeId: string;
  private readonly table: MemberTable;
  private started = false;

  constructor(
    private readonly registry: MemoryMembershipRegistry,
    options: MemoryMembershipOptions = {},
  ) {
    if (!(registry instanceof MemoryMembershipRegistry)) throw new CatgaConfigurationError('memoryMembership.registry', 'expected a MemoryMembershipRegistry');
    checkOptions(options, 'memoryMembership', { nodeId: NODE_ID });
    this.nodeId = options.nodeId ?? newNodeId();
    this.table = new MemberTable(undefined, 'memory');
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.registry.join(this.nodeId, this.table);
    this.started = true;
  }

  members(): readonly string[] {
    return this.table.list();
  }

  onChange(listener: (change: MembershipChange) => void): () => void {
    return this.table.onChange(listener);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.registry.leave(this.nodeId);
    this.table.clear();
  }
}
