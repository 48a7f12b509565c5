// Option checks the cluster pieces share (memberships, the NATS `cluster` option, singleton jobs).
import type { CatgaLogger } from '../behaviors/logger.js';
import { CatgaConfigurationError, describeValue } from '../core/configuration-error.js';
import { integerIn, type OptionCheck } from '../core/option-checks.js';
import type { LeaderElection } from '../persistence/leader-election.js';
import type { ClusterMembership } from './cluster-membership.js';

/** A logger with the four level methods. */
export const LOGGER: OptionCheck = (value, field) => {
  const candidate = value as Partial<CatgaLogger> | null;
  if (candidate === null || typeof candidate !== 'object' || !['debug', 'info', 'warn', 'error'].every((level) => typeof candidate[level as keyof CatgaLogger] === 'function')) {
    throw new CatgaConfigurationError(field, 'expected a logger with debug, info, warn and error methods');
  }
};

/** A {@link ClusterMembership} (checked by shape: one from another copy of the package works too). */
export const MEMBERSHIP: OptionCheck = (value, field) => {
  const candidate = value as Partial<ClusterMembership> | null;
  const methods = ['start', 'stop', 'members', 'onChange'] as const;
  if (candidate === null || typeof candidate !== 'object' || typeof candidate.nodeId !== 'string' || !methods.every((name) => typeof candidate[name] === 'function')) {
    throw new CatgaConfigurationError(field, `expected a ClusterMembership (nodeId, start, stop, members, onChange), got ${describeValue(value)}`);
  }
};

/** A {@link LeaderElection} (checked by shape). */
export const ELECTION: OptionCheck = (value, field) => {
  const candidate = value as Partial<LeaderElection> | null;
  const methods = ['start', 'stop', 'onChange', 'runIfLeader'] as const;
  if (candidate === null || typeof candidate !== 'object' || !methods.every((name) => typeof candidate[name] === 'function')) {
    throw new CatgaConfigurationError(field, `expected a LeaderElection, got ${describeValue(value)}`);
  }
};

/** How often a member announces itself, in ms. */
export const HEARTBEAT_MS: OptionCheck = integerIn(10, 600_000);

/** After how long without a heartbeat a member is dropped, in ms. */
export const FAIL_AFTER_MS: OptionCheck = integerIn(20, 3_600_000);

/**
 * The heartbeat timing with defaults applied (`failAfterMs` defaults to 3 × `heartbeatMs`); throws naming
 * `<field>.failAfterMs` when a member would be dropped before its next heartbeat could arrive.
 */
export function heartbeatTiming(heartbeatMs: number | undefined, failAfterMs: number | undefined, field: string): { heartbeatMs: number; failAfterMs: number } {
  const beat = heartbeatMs ?? 1_000;
  const failAfter = failAfterMs ?? 3 * beat;
  if (failAfter <= beat) {
    throw new CatgaConfigurationError(`${field}.failAfterMs`, `must be longer than heartbeatMs (${beat} ms), or members are dropped between two heartbeats; got ${failAfter}`);
  }
  return { heartbeatMs: beat, failAfterMs: failAfter };
}
