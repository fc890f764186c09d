// Every failure a user can cause or meet is one of these. The CLI prints `ditherforge: <message>` on one line
// and exits non-zero; library callers can branch on the class.

/** Bad input: a file, an option or a value the user gave. The message names the input and the problem. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    /** What the input was: a path, an option name such as `--levels`, or a short label. */
    readonly input: string,
    problem: string,
  ) {
    super(`${input}: ${problem}`);
  }
}

/** No usable GPU when one was required (`--backend gpu`). */
export class NoAdapterError extends Error {
  override name = 'NoAdapterError';
}

/** A GPU validation or out-of-memory error, attributed to the kernel that raised it. */
export class KernelError extends Error {
  override name = 'KernelError';
  constructor(
    readonly kernel: string,
    readonly kind: 'validation' | 'out-of-memory' | 'internal',
    detail: string,
  ) {
    super(`kernel ${kernel}: GPU ${kind} error: ${detail.split('\n')[0]}`);
  }
}

/** The device was lost during a call. The next call on an engine that owns its device gets a fresh one. */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(`GPU device lost (${reason}): ${detail || 'no detail'}`);
  }
}

/** The one line the CLI prints for an error, without a stack trace for the errors we expect. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}
