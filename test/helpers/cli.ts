// Runs the built CLI (npm test builds first) as a user would, in a child process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function ditherforge(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An environment in which Dawn finds no Vulkan driver, hence no adapter: a real machine without a GPU. */
export const NO_ADAPTER = { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' };

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ditherforge-test-'));
}

/** stderr without Dawn's own start-up chatter, which it prints natively and we cannot silence. */
export function ourLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('ditherforge:'));
}
