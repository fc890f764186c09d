import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { WorkerPool } from '../../../src/stack/workers/pool.js';

describe('worker pool', () => {
  it('runs jobs on worker threads and keeps error classes across the thread boundary', async () => {
    const pool = new WorkerPool({ size: 2 });
    try {
      const jobs = Array.from({ length: 9 }, (_, i) =>
        pool.run('countValues', { layer: { z: 0, width: 4, height: 1, kind: 'codes', data: Uint8Array.of(i, i, 1, 200) } }),
      );
      const counts = await Promise.all(jobs);
      counts.forEach((c, i) => {
        expect(c[200]).toBe(1);
        expect(c[i]).toBe(i === 1 ? 3 : 2);
      });
      const bad = await pool.run('decodePng', { bytes: Uint8Array.of(1, 2, 3), name: 'bad.png', maxPixels: 10 }).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(InputError);
      expect((bad as InputError).input).toBe('bad.png');
      expect((bad as InputError).message).toBe('bad.png: not a PNG image (bad signature)');
      const range = await pool
        .run('encodePng', { layer: { z: 0, width: 1, height: 1, kind: 'codes', data: Uint8Array.of(9) }, encoding: { levels: 2 } })
        .catch((e: unknown) => e);
      expect(range).toBeInstanceOf(RangeError);
      // The pool still works after failures.
      expect((await pool.run('unpackBits', { layer: { z: 0, width: 3, height: 1, kind: 'bits', data: Uint32Array.of(5) } }))).toEqual(Uint8Array.of(1, 0, 1));
    } finally {
      await pool.destroy();
    }
  });

  it('moves transferred buffers instead of copying them', async () => {
    const pool = new WorkerPool({ size: 1 });
    const data = new Uint8Array(64);
    await pool.run('countValues', { layer: { z: 0, width: 8, height: 8, kind: 'codes', data } }, [data.buffer]);
    expect(data.byteLength).toBe(0); // detached here
    await pool.destroy();
    await expect(pool.run('countValues', { layer: { z: 0, width: 1, height: 1, kind: 'codes', data: new Uint8Array(1) } })).rejects.toThrow(/destroyed/);
  });
});
