// `npm run bench` (node dist/bench/run.js [options]): the same command as `ditherforge bench`.
import { benchCommand } from '../src/cli/bench.js';
import { runCommand } from '../src/cli/run.js';

await runCommand(() => benchCommand().parseAsync(process.argv).then(() => undefined));
