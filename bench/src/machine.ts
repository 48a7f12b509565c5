/** The machine a run happened on, recorded next to the numbers so results from different hosts are not mixed up. */
import os from 'node:os';
import { isNativeAccelerationEnabled } from 'msgpackr';

/** Facts about the host and runtime at the start of a run. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly totalMemoryBytes: number;
  readonly node: string;
  /** Kernel name, release and architecture, e.g. `Linux 6.8.0 x64`. */
  readonly os: string;
  /** 1, 5 and 15 minute load averages when the run started (a busy host skews every number). */
  readonly loadAverage: readonly [number, number, number];
  /** When the run started, ISO 8601. */
  readonly date: string;
  /** Whether msgpackr found its native string extractor (the codec suites depend on it). */
  readonly msgpackrNative: boolean;
}

/** Collects {@link MachineInfo}; call it before the suites run so the load average reflects the idle host. */
export async function collectMachineInfo(): Promise<MachineInfo> {
  const cpus = os.cpus();
  const [one = 0, five = 0, fifteen = 0] = os.loadavg();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryBytes: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: [one, five, fifteen],
    date: new Date().toISOString(),
    msgpackrNative: isNativeAccelerationEnabled,
  };
}
