import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { matching, type OptionCheck } from '../core/option-checks.js';

/** What a {@link ClusterMembership} listener receives when the set of live members changes. */
export interface MembershipChange {
  /** Live members after the change, sorted by node id (this node included while it is a member). */
  readonly members: readonly string[];
  /** Members that appeared with this change. */
  readonly joined: readonly string[];
  /** Members that left (announced) or were dropped (silent for too long) with this change. */
  readonly left: readonly string[];
}

/**
 * Which nodes of a cluster are alive. Sharding hashes keys over {@link ClusterMembership.members}, so every node of a
 * cluster must use the same kind of membership with the same cluster name. Implementations: `MemoryMembership` (one
 * process), `NatsMembership` (`@catga/runtime/nats`, heartbeats) and `RedisMembership` (`@catga/runtime/redis`, a
 * sorted set scored by the server's clock).
 */
export interface ClusterMembership {
  /** This node's id: unique among live members, letters, digits, `_` and `-` (it becomes a NATS subject token). */
  readonly nodeId: string;
  /** Joins: announces this node and learns the live members. Resolves once `members()` is meaningful. */
  start(): Promise<void>;
  /** Live members, sorted by node id; empty before `start()` and after `stop()`. */
  members(): readonly string[];
  /** Calls `listener` after every change of the live members; returns a function that unsubscribes. */
  onChange(listener: (change: MembershipChange) => void): () => void;
  /** Leaves: announces it, so the others drop this node at once instead of after their failure timeout. */
  stop(): Promise<void>;
}

const NODE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Checks a node id (or a cluster name): letters, digits, `_` and `-`, at most 64, so it is a safe subject token. */
export const NODE_ID: OptionCheck = matching(NODE_ID_PATTERN, 'letters, digits, "_" or "-" (max 64)');

/** A fresh node id: this host's name (cut to 40 safe characters) and 8 random hex digits, e.g. `web-3-1f2e3d4c`. */
export function newNodeId(): string {
  const host = hostname().replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'node';
  return `${host}-${randomBytes(4).toString('hex')}`;
}

/** Whether a value received from a peer is a well-formed node id. */
export function isNodeId(value: unknown): value is string {
  return typeof value === 'string' && NODE_ID_PATTERN.test(value);
}
