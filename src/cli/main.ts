#!/usr/bin/env node
// The `ditherforge` command.
import { Command } from 'commander';
import { benchCommand } from './bench.js';
import { imageCommand } from './image.js';
import { stackCommand } from './stack.js';
import { runCommand } from './run.js';

const program = new Command('ditherforge')
  .description('GPU compute dithering: ordered dithering to palettes and levels, with a bit-identical CPU reference')
  .version('0.1.0')
  // Commander's own usage errors get the same one-line shape as ours.
  .configureOutput({ outputError: (text, write) => write(`ditherforge: ${text.replace(/^error: /, '')}`) })
  .addCommand(imageCommand())
  .addCommand(stackCommand())
  .addCommand(benchCommand());

await runCommand(() => program.parseAsync(process.argv).then(() => undefined));
