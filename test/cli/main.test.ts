// The top-level command loads only the subcommand it is given; help and mistakes still see all of them.
import { describe, expect, test } from 'vitest';
import { ditherforge } from '../helpers/cli.js';

describe('ditherforge', () => {
  test('--help lists every subcommand', () => {
    const r = ditherforge(['--help']);
    expect(r.code).toBe(0);
    for (const name of ['image', 'stack', 'bench']) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  test('help NAME shows that subcommand\'s own options', () => {
    expect(ditherforge(['help', 'stack']).stdout).toContain('--chunk-layers');
    expect(ditherforge(['help', 'image']).stdout).toContain('--levels');
  });

  test('an unknown subcommand is a one-line error that suggests the nearest', () => {
    const r = ditherforge(['imag', 'x.png']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^ditherforge: unknown command 'imag'/);
    expect(r.stderr).toContain('image');
  });

  test("a subcommand's usage errors have the same one-line shape", () => {
    for (const args of [['image', 'x.png', '-o', 'y.png', '--backend', 'tpu'], ['stack'], ['bench', '--split-passes', 'three']]) {
      const r = ditherforge(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/^ditherforge: \S[^\n]*\n$/);
    }
  });
});
