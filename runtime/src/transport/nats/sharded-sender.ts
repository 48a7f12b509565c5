import type { MsgHdrs } from '@nats-io/nats-core';
import type { ShardRouter } from '../../cluster/shard-router.js';
import { ErrorCode } from '../../core/error-codes.js';
import { cancelled } from '../../core/failures.js';
import { type CatgaResult, fail } from '../../core/result.js';
import { isNoResponders } from './reply-correlator.js';

/** One delivery attempt: publishes to `subject` and resolves with the reply or the failure. Never rejects. */
export type Exchange = (
  subject: string,
  typeName: string,
  headers: MsgHdrs | undefined,
  data: Uint8Array,
  signal: AbortSignal,
  timeoutMs: number,
) => Promise<CatgaResult<unknown>>;

/** What a {@link ShardedSender} needs from the transport. */
export interface ShardedSenderSettings {
  readonly router: ShardRouter;
  readonly exchange: Exchange;
  /** The subject a node receives one sharded type on. */
  readonly subjectOf: (nodeId: string, subjectToken: string) => string;
  /** The whole time one send may take, retries included, in ms. */
  readonly requestTimeoutMs: number;
  /** This node's id, and whether it is leaving (closing): it no longer serves its own keys then. */
  readonly nodeId: string;
  readonly leaving: () => boolean;
}

// Waits between attempts while the owner does not answer: short at first (the owner may be re-subscribing), then up
// to the cap. A membership change ends the wait at once.
const FIRST_WAIT_MS = 20;
const MAX_WAIT_MS = 500;

/**
 * Sends sharded commands to the owner of their key, and re-routes when the owner is gone. An attempt that finds
 * nobody subscribed on the owner's subject (NATS "no responders") reached no handler, so it is repeated, safely, once
 * the membership changed (or after a short wait), to whoever owns the key then, until the send's deadline; then it
 * fails with a retryable TRANSPORT_FAILED. Any other outcome, a TIMEOUT included (the handler may have run), is final.
 */
export class ShardedSender {
  private active = 0;
  private stopped = false;

  constructor(private readonly settings: ShardedSenderSettings) {}

  /** Ends every send waiting to try again, at once, with TRANSPORT_FAILED (the transport closed). */
  stop(): void {
    this.stopped = true;
  }

  /** Sends in progress, waits between attempts included. */
  get inFlight(): number {
    return this.active;
  }

  /**
   * Delivers one encoded command. The first attempt is published before this returns (no `await` before it), so
   * commands sent one after another from this process reach their owner in that order.
   */
  async send(typeName: string, subjectToken: string, key: string, headers: MsgHdrs | undefined, data: Uint8Array, signal: AbortSignal): Promise<CatgaResult<unknown>> {
    const { router, exchange, requestTimeoutMs } = this.settings;
    this.active++;
    try {
      const deadline = Date.now() + requestTimeoutMs;
      let wait = FIRST_WAIT_MS;
      for (;;) {
        if (signal.aborted) return cancelled(typeName, signal);
        if (this.stopped) return this.closed(typeName, key);
        const owner = router.ownerOf(key);
        const left = deadline - Date.now();
        if (owner === undefined) {
          if (left > 0 && (await router.nextChange(left, signal))) continue;
          return this.noMember(typeName, key, signal);
        }
        if (owner === this.settings.nodeId && this.settings.leaving()) return this.leaving(typeName, key);
        const result = await exchange(this.settings.subjectOf(owner, subjectToken), typeName, headers, data, signal, Math.max(1, left));
        if (!isNoResponders(result)) return result;
        const remaining = deadline - Date.now();
        if (remaining <= 0) return this.ownerGone(typeName, key, owner);
        await router.nextChange(Math.min(remaining, wait), signal);
        wait = Math.min(wait * 2, MAX_WAIT_MS);
      }
    } finally {
      this.active--;
    }
  }

  private ownerGone(typeName: string, key: string, owner: string): CatgaResult<never> {
    const { requestTimeoutMs } = this.settings;
    return fail(
      ErrorCode.TRANSPORT_FAILED,
      `"${typeName}" (shard key "${key}") was not delivered: its owner, cluster node "${owner}", had no handler subscribed for ${requestTimeoutMs} ms ` +
        `(it left or crashed and the membership has not dropped it yet, or it does not handle "${typeName}"). Nothing ran; sending again is safe`,
      { retryable: true, details: { messageType: typeName, shardKey: key, node: owner, reason: 'owner not responding' } },
    );
  }

  private closed(typeName: string, key: string): CatgaResult<never> {
    return fail(ErrorCode.TRANSPORT_FAILED, `"${typeName}" (shard key "${key}") was not delivered: the NATS transport closed while it waited for the key's owner`, {
      retryable: true,
      details: { messageType: typeName, shardKey: key, reason: 'transport closed' },
    });
  }

  private noMember(typeName: string, key: string, signal: AbortSignal): CatgaResult<never> {
    if (signal.aborted) return cancelled(typeName, signal);
    return fail(ErrorCode.TRANSPORT_FAILED, `"${typeName}" (shard key "${key}") was not delivered: no live member in the cluster`, {
      retryable: true,
      details: { messageType: typeName, shardKey: key, reason: 'no members' },
    });
  }

  private leaving(typeName: string, key: string): CatgaResult<never> {
    return fail(ErrorCode.TRANSPORT_FAILED, `"${typeName}" (shard key "${key}") was not delivered: this node owns the key but is leaving the cluster; send it again`, {
      retryable: true,
      details: { messageType: typeName, shardKey: key, node: this.settings.nodeId, reason: 'node leaving' },
    });
  }
}
