/** Where a saga instance stands. `completed`, `compensated` and `failed` are final. */
export type SagaStatus = 'running' | 'compensating' | 'completed' | 'compensated' | 'failed';

/** The statuses after which an instance is never claimed or resumed again. */
export const FINAL_SAGA_STATUSES: ReadonlySet<SagaStatus> = new Set<SagaStatus>(['completed', 'compensated', 'failed']);

/** A saga instance as the store keeps it. */
export interface SagaRecord<S = unknown> {
  readonly id: string;
  /** The saga's type name (which definition resumes it). */
  readonly type: string;
  readonly status: SagaStatus;
  /** Bumped by every change; `update` compares it to refuse lost updates. Starts at 1. */
  readonly version: number;
  /** The instance running it, renewed by `heartbeat`. */
  readonly owner: string;
  /** Last heartbeat or change, by the store's clock (ms since the Unix epoch). */
  readonly heartbeatAt: number;
  /** The saga's own state (plain data). */
  readonly state: S;
}

/** A saga instance to create. */
export interface NewSagaRecord<S = unknown> {
  readonly id: string;
  readonly type: string;
  readonly owner: string;
  readonly state: S;
  /** Default `running`. */
  readonly status?: SagaStatus;
}

/** The fields `update` may change. */
export interface SagaChanges<S = unknown> {
  readonly status?: SagaStatus;
  readonly state?: S;
  readonly owner?: string;
}

/**
 * Durable state of long-running sagas. Every change is a compare-and-set on `version`, so two instances that both
 * believe they run a saga cannot overwrite each other's progress: the second `update` finds a newer version and gets
 * `undefined`. Owners renew `heartbeatAt`; an instance whose owner stopped beating is taken over by `claimStale`.
 *
 * Every method may reject when the backend fails; a store that crosses processes rejects with a
 * `PERSISTENCE_FAILED` `CatgaError`.
 */
export interface SagaStore {
  /** Stores a new instance (version 1, heartbeat now) unless `id` exists; resolves the record, or `undefined` if it existed. */
  create<S>(record: NewSagaRecord<S>): Promise<SagaRecord<S> | undefined>;
  get<S = unknown>(id: string): Promise<SagaRecord<S> | undefined>;
  /**
   * Applies `changes` if the stored version is `expectedVersion`: resolves the new record (version + 1, heartbeat
   * now), or `undefined` when the version differs or the instance does not exist.
   */
  update<S>(id: string, expectedVersion: number, changes: SagaChanges<S>): Promise<SagaRecord<S> | undefined>;
  /** Renews the heartbeat if `owner` still owns the instance and it is not final; `false` otherwise. */
  heartbeat(id: string, owner: string): Promise<boolean>;
  /**
   * Takes over up to `limit` instances that are not final and whose heartbeat is older than `staleAfterMs`: each
   * gets `owner`, a fresh heartbeat and version + 1 (so the stale owner's next `update` fails). Oldest heartbeat first.
   * With `types`, only instances of those saga types are taken (a host takes over only what it can run).
   */
  claimStale(owner: string, staleAfterMs: number, limit: number, types?: readonly string[]): Promise<readonly SagaRecord[]>;
  /** Removes an instance; resolves whether it existed. */
  delete(id: string): Promise<boolean>;
}

/**
 * A {@link SagaStore} in this process's memory, and the reference the Redis store is checked against. States are
 * copied in and out (`structuredClone`), so callers can never change a stored record by mutating what they hold.
 */
export class MemorySagaStore implements SagaStore {
  private readonly records = new Map<string, SagaRecord>();

  async create<S>(record: NewSagaRecord<S>): Promise<SagaRecord<S> | undefined> {
    if (this.records.has(record.id)) return undefined;
    const stored: SagaRecord = {
      id: record.id,
      type: record.type,
      status: record.status ?? 'running',
      version: 1,
      owner: record.owner,
      heartbeatAt: Date.now(),
      state: structuredClone(record.state),
    };
    this.records.set(record.id, stored);
    return copy(stored) as SagaRecord<S>;
  }

  async get<S = unknown>(id: string): Promise<SagaRecord<S> | undefined> {
    const record = this.records.get(id);
    return record === undefined ? undefined : (copy(record) as SagaRecord<S>);
  }

  async update<S>(id: string, expectedVersion: number, changes: SagaChanges<S>): Promise<SagaRecord<S> | undefined> {
    const record = this.records.get(id);
    if (record === undefined || record.version !== expectedVersion) return undefined;
    const updated: SagaRecord = {
      ...record,
      ...(changes.status === undefined ? {} : { status: changes.status }),
      ...(changes.owner === undefined ? {} : { owner: changes.owner }),
      ...(changes.state === undefined ? {} : { state: structuredClone(changes.state) }),
      version: record.version + 1,
      heartbeatAt: Date.now(),
    };
    this.records.set(id, updated);
    return copy(updated) as SagaRecord<S>;
  }

  async heartbeat(id: string, owner: string): Promise<boolean> {
    const record = this.records.get(id);
    if (record === undefined || record.owner !== owner || FINAL_SAGA_STATUSES.has(record.status)) return false;
    this.records.set(id, { ...record, heartbeatAt: Date.now() });
    return true;
  }

  async claimStale(owner: string, staleAfterMs: number, limit: number, types?: readonly string[]): Promise<readonly SagaRecord[]> {
    const now = Date.now();
    const wanted = types === undefined ? undefined : new Set(types);
    const stale = [...this.records.values()]
      .filter((record) => !FINAL_SAGA_STATUSES.has(record.status) && record.heartbeatAt <= now - staleAfterMs && (wanted?.has(record.type) ?? true))
      .sort((a, b) => a.heartbeatAt - b.heartbeatAt)
      .slice(0, limit);
    return stale.map((record) => {
      const claimed: SagaRecord = { ...record, owner, version: record.version + 1, heartbeatAt: now };
      this.records.set(record.id, claimed);
      return copy(claimed);
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.records.delete(id);
  }
}

function copy(record: SagaRecord): SagaRecord {
  return { ...record, state: structuredClone(record.state) };
}
