/** Options of `@CatgaHandler`. */
export interface HandlerOptions {
  /** Name used in logs, errors and traces (default: the class name). */
  readonly name?: string;
  /**
   * Only the cluster's current leader runs this handler: on the NATS transport with `cluster.election`, the message
   * is subscribed only while this node leads, and given up when it stops leading (docs/cluster.md). Not for a
   * command that also has a `shardKey`. No effect on the in-memory transport (one node is always the leader).
   */
  readonly leaderOnly?: boolean;
}
