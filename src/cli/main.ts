#!/usr/bin/env node
// The `ditherforge` command.
import { Command } from 'commander';
import { imageCommand } from './image.js';

const program = new Command('ditherforge')
  .description('GPU compute dithering: ordered dithering to palettes and levels, with a bit-identical CPU reference')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(imageCommand());

await program.parseAsync(process.argv);
