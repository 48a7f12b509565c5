import { randomBytes } from 'node:crypto';
import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import type { CatgaLogger } from '../../behaviors/logger.js';
import { FAIL_AFTER_MS, HEARTBEAT_MS, heartbeatTiming, LOGGER } from '../../cluster/cluster-checks.js';
import { type ClusterMembership, isNodeId, type MembershipChange, newNodeId, NODE_ID } from '../../cluster/cluster-membership.js';
import { MemberTable } from '../../cluster/member-table.js';
import { CatgaConfigurationError } from '../../core/configuration-error.js';
import { checkOptions, matching, type OptionCheck } from '../../core/option-checks.js';
import { clusterSubject } from './wire-names.js';

/** Options of {@link NatsMembership}. */
export interface NatsMembershipOptions {
  /** An open connection; the membership publishes and subscribes on it and never closes it. */
  readonly connection: NatsConnection;
  /** First subject token, the transport's prefix (default `catga`). */
  readonly prefix?: string;
  /** Name of the cluster: nodes with the same prefix and name see each other (default `default`). */
  readonly cluster?: string;
  /** This node's id (default: host name and random digits). Must be unique among the live members. */
  readonly nodeId?: string;
  /** How often this node announces itself, in ms (default 1,000). */
  readonly heartbeatMs?: number;
  /** A member not heard of for this long is dropped, in ms (default 3 × `heartbeatMs`). */
  readonly failAfterMs?: number;
  readonly logger?: CatgaLogger;
}

/** The body of a heartbeat or leave message: who, and which run of that node (a restart is a new incarnation). */
interface Beat {
  readonly node: string;
  readonly inc: string;
}

const TOKEN = matching(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" or "-" (max 64)');

const CHECKS: Readonly<Record<keyof NatsMembershipOptions, OptionCheck>> = {
  connection: (value, field) => {
    const candidate = value as Partial<NatsConnection> | null;
    if (candidate === null || typeof candidate !== 'object' || typeof candidate.publish !== 'function' || typeof candidate.subscribe !== 'function') {
      throw new CatgaConfigurationError(field, 'expected an open NatsConnection');
    }
  },
  prefix: TOKEN,
  cluster: TOKEN,
  nodeId: NODE_ID,
  heartbeatMs: HEARTBEAT_MS,
  failAfterMs: FAIL_AFTER_MS,
  logger: LOGGER,
};

// After joining, start() waits for the members' answers until none came for this long (or a heartbeat passed).
const ANSWERS_SETTLE_MS = 30;
const MAX_JOIN_WAIT_MS = 500;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function parseBeat(data: Uint8Array): Beat | undefined {
  if (data.length > 512) return undefined;
  try {
    const value: unknown = JSON.parse(decoder.decode(data));
    if (value === null || typeof value !== 'object') return undefined;
    const { node, inc } = value as Record<string, unknown>;
    return isNodeId(node) && typeof inc === 'string' && inc.length > 0 && inc.length <= 64 ? { node, inc } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A {@link ClusterMembership} over NATS core messages. Every member publishes a heartbeat on
 * `<prefix>.cluster.<cluster>.heartbeat` every `heartbeatMs` and drops members it has not heard of for `failAfterMs`
 * (a crashed node is gone after at most `failAfterMs` plus one sweep). `stop()` publishes on `...leave`, so the others
 * drop this node at once.
 *
 * Joining asks the members there are to answer straight away (the first heartbeat carries a reply subject), and
 * `start()` resolves once their answers stopped arriving: the new node knows the cluster before it routes anything.
 *
 * While the connection is down heartbeats cannot be sent: the others drop this node after `failAfterMs`, and it drops
 * them, until the connection is back and heartbeats flow again.
 */
export class NatsMembership implements ClusterMembership {
  /** This node's id. */
  readonly nodeId: string;
  /** The cluster's name. */
  readonly cluster: string;
  /** How often this node announces itself, in ms (defaults applied). */
  readonly heartbeatMs: number;
  /** After how long without news a member is dropped, in ms (defaults applied). */
  readonly failAfterMs: number;
  private readonly connection: NatsConnection;
  private readonly heartbeatSubject: string;
  private readonly leaveSubject: string;
  private readonly subjectBase: string;
  private readonly logger: CatgaLogger | undefined;
  private readonly table: MemberTable;
  /** Incarnation of each other member, to tell a late leave of an earlier run from a leave of the current one. */
  private readonly incarnations = new Map<string, string>();
  private readonly duplicatesReported = new Set<string>();
  private incarnation = '';
  private body: Uint8Array = new Uint8Array(0);
  private subscription: Subscription | undefined;
  private beatTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private lastSweepAt = 0;
  private readonly sweepEveryMs: number;

  constructor(options: NatsMembershipOptions) {
    checkOptions(options, 'natsMembership', CHECKS);
    if (options.connection === undefined) throw new CatgaConfigurationError('natsMembership.connection', 'is required');
    const timing = heartbeatTiming(options.heartbeatMs, options.failAfterMs, 'natsMembership');
    this.connection = options.connection;
    this.nodeId = options.nodeId ?? newNodeId();
    this.cluster = options.cluster ?? 'default';
    this.heartbeatMs = timing.heartbeatMs;
    this.failAfterMs = timing.failAfterMs;
    const prefix = options.prefix ?? 'catga';
    this.heartbeatSubject = clusterSubject(prefix, this.cluster, 'heartbeat');
    this.leaveSubject = clusterSubject(prefix, this.cluster, 'leave');
    this.subjectBase = `${prefix}.cluster.${this.cluster}.`;
    this.logger = options.logger;
    this.table = new MemberTable(options.logger, this.cluster);
    // Sweeping a few times per failure timeout drops a silent member soon after its time is up.
    this.sweepEveryMs = Math.max(10, Math.floor(this.failAfterMs / 4));
  }

  async start(): Promise<void> {
    if (this.subscription !== undefined) return;
    this.incarnation = randomBytes(8).toString('hex');
    this.body = encoder.encode(JSON.stringify({ node: this.nodeId, inc: this.incarnation } satisfies Beat));
    this.table.seen(this.nodeId, performance.now());
    this.subscription = this.connection.subscribe(`${this.subjectBase}*`, {
      callback: (error, msg) => {
        if (error === null) this.receive(msg);
      },
    });
    await this.join();
    this.lastSweepAt = performance.now();
    this.beatTimer = setInterval(() => this.beat(), this.heartbeatMs);
    this.beatTimer.unref();
    this.sweepTimer = setInterval(() => this.sweep(), this.sweepEveryMs);
    this.sweepTimer.unref();
  }

  members(): readonly string[] {
    return this.table.list();
  }

  onChange(listener: (change: MembershipChange) => void): () => void {
    return this.table.onChange(listener);
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    if (subscription === undefined) return;
    this.subscription = undefined;
    clearInterval(this.beatTimer);
    clearInterval(this.sweepTimer);
    try {
      this.connection.publish(this.leaveSubject, this.body);
      await this.connection.flush(); // the leave is on the server before the caller closes the connection
    } catch (thrown) {
      this.logger?.debug({ err: thrown, cluster: this.cluster }, 'catga: could not announce leaving the cluster; the others drop this node after failAfterMs');
    }
    subscription.unsubscribe();
    this.incarnations.clear();
    this.table.clear();
  }

  /** Announces this node with a reply subject, and records the members that answer until they stop answering. */
  private async join(): Promise<void> {
    const inbox = createInbox();
    let settle: () => void = () => undefined;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    let quiet: NodeJS.Timeout | undefined;
    const answers = this.connection.subscribe(inbox, {
      callback: (error, msg) => {
        if (error !== null) return;
        this.receive(msg, 'heartbeat');
        clearTimeout(quiet);
        quiet = setTimeout(settle, ANSWERS_SETTLE_MS);
      },
    });
    const longest = setTimeout(settle, Math.min(this.heartbeatMs, MAX_JOIN_WAIT_MS));
    try {
      this.connection.publish(this.heartbeatSubject, this.body, { reply: inbox });
      await this.connection.flush();
      await settled;
    } finally {
      clearTimeout(quiet);
      clearTimeout(longest);
      answers.unsubscribe();
    }
  }

  private beat(): void {
    try {
      this.connection.publish(this.heartbeatSubject, this.body);
    } catch (thrown) {
      this.logger?.debug({ err: thrown, cluster: this.cluster }, 'catga: could not send a cluster heartbeat');
    }
  }

  private sweep(): void {
    const now = performance.now();
    const late = now - this.lastSweepAt > 2 * this.sweepEveryMs;
    this.lastSweepAt = now;
    // The event loop was blocked: heartbeats that arrived meanwhile are not read yet. Read them before judging.
    if (late) return;
    this.table.expire(now - this.failAfterMs, this.nodeId);
    for (const nodeId of this.incarnations.keys()) if (!this.table.has(nodeId)) this.incarnations.delete(nodeId);
  }

  private receive(msg: Msg, what: string = msg.subject.slice(this.subjectBase.length)): void {
    if (this.subscription === undefined) return;
    const beat = parseBeat(msg.data);
    if (beat === undefined) {
      this.logger?.debug({ subject: msg.subject }, 'catga: ignored a malformed cluster message');
      return;
    }
    if (beat.node === this.nodeId) {
      if (beat.inc !== this.incarnation && !this.duplicatesReported.has(beat.inc)) {
        this.duplicatesReported.add(beat.inc);
        this.logger?.error({ cluster: this.cluster, nodeId: this.nodeId }, `catga: another process uses this node id "${this.nodeId}"; node ids must be unique`);
      }
      return;
    }
    if (what === 'leave') {
      if (this.incarnations.get(beat.node) !== beat.inc) return; // the leave of an earlier run of that node
      this.incarnations.delete(beat.node);
      this.table.remove(beat.node);
      return;
    }
    if (what !== 'heartbeat') return;
    this.incarnations.set(beat.node, beat.inc);
    this.table.seen(beat.node, performance.now());
    if (msg.reply) {
      try {
        msg.respond(this.body); // a node joining asks who is there
      } catch {
        // the newcomer hears the next regular heartbeat instead
      }
    }
  }
}
