// What the results were measured on: enough to tell a laptop from a server and real hardware from an emulation.
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import type { AdapterReport } from '../src/host/adapterInfo.js';

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly v8: string;
  /** 1, 5 and 15 minute load averages when the run started and ended: other work on the machine skews timings. */
  readonly loadAverage: { readonly start: number[]; end: number[] };
}

export interface AdapterInfo extends AdapterReport {
  readonly timestamps: boolean;
}

export function machine(): Machine {
  return {
    cpuModel: cpuModel(),
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    v8: process.versions.v8,
    loadAverage: { start: loadavg().map(round2), end: [] },
  };
}

export function finishMachine(m: Machine): void {
  m.loadAverage.end.splice(0, m.loadAverage.end.length, ...loadavg().map(round2));
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

function cpuModel(): string {
  const model = cpus()[0]?.model?.trim() ?? '';
  if (model && !/^unknown$/i.test(model)) return model;
  try {
    const line = execFileSync('lscpu', { encoding: 'utf8' }).split('\n').find((l) => l.startsWith('Model name:'));
    return line?.split(':')[1]?.trim() ?? 'unknown CPU';
  } catch {
    return 'unknown CPU';
  }
}

/** A version line of an external tool, or null when it is not installed. */
export function toolVersion(command: string, args: string[]): string | null {
  try {
    const out = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    return out.split('\n')[0]?.trim() || null;
  } catch {
    return null;
  }
}
