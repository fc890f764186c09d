// What every subcommand shares: one-line errors with a non-zero exit, and output that goes to a TTY or to JSON.
import { describeError, DeviceLostError, InputError, KernelError, NoAdapterError } from '../errors.js';

/** Exit codes: 1 for bad input or options, 3 for GPU trouble, 70 for a bug. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof InputError) return 1;
  if (err instanceof NoAdapterError || err instanceof KernelError || err instanceof DeviceLostError) return 3;
  return 70;
}

/** Runs a command body; any error becomes `ditherforge: <one line>` on stderr and an exit code. */
export async function runCommand(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const code = exitCodeFor(err);
    process.stderr.write(`ditherforge: ${describeError(err)}\n`);
    if (code === 70 && process.env.DITHERFORGE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = code;
  }
}

/** Parses a positive integer option, or throws an InputError naming the option. */
export function positiveInt(option: string, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new InputError(option, `expected a whole number from 1 to ${max}, got "${value}"`);
    }
    return n;
  };
}
