/** A description of this machine, recorded in every measured profile. */
import * as os from 'os';
import { runtimeVersion } from '../runtime';

/** What a measured profile says about where it was measured. */
export interface MachineInfo {
  readonly cpu: string;
  /** Logical cores the OS reports. */
  readonly cores: number;
  /** Intra-op threads ONNX Runtime was given. */
  readonly threads: number;
  readonly ort: string;
  readonly os: string;
  readonly node: string;
}

/** Describes this machine. */
export function machineInfo(threads: number): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    threads,
    ort: runtimeVersion(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}
