#!/usr/bin/env node
// The `ditherforge` command.
import { Command } from 'commander';
import { runCommand } from './run.js';

// Each subcommand's module loads what it runs (the stack formats, the bench suite, ...): ~0.3 s of imports in
// all. A run that names its subcommand loads only that one; anything else (help, a typo) loads all three.
const COMMANDS: Record<string, () => Promise<Command>> = {
  image: async () => (await import('./image.js')).imageCommand(),
  stack: async () => (await import('./stack.js')).stackCommand(),
  bench: async () => (await import('./bench.js')).benchCommand(),
};

/** The subcommand the arguments name (`help X` names X), if it is one of ours. */
function namedCommand(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? name : undefined;
}

// Commander's own usage errors get the same one-line shape as ours, in the subcommands too (addCommand does not
// pass output settings on).
const output = { outputError: (text: string, write: (s: string) => void) => write(`ditherforge: ${text.replace(/^error: /, '')}`) };
const program = new Command('ditherforge')
  .description('GPU compute dithering: ordered dithering to palettes and levels, with a bit-identical CPU reference')
  .version('0.1.0')
  .configureOutput(output);

await runCommand(async () => {
  const named = namedCommand(process.argv.slice(2));
  for (const name of named ? [named] : Object.keys(COMMANDS)) program.addCommand((await COMMANDS[name]!()).configureOutput(output));
  await program.parseAsync(process.argv);
});
