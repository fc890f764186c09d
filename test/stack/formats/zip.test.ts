import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { crc32, openZip, readEntry, readEntryHead, zipEntries, ZipWriter } from '../../../src/stack/formats/zip.js';
import { samples, tempDir } from './helpers.js';

const dir = tempDir();

/** Every entry's content, read back through the wrapper. */
async function readAll(path: string): Promise<Record<string, Uint8Array>> {
  const zip = await openZip(path);
  const out: Record<string, Uint8Array> = {};
  for await (const { entry, meta } of zipEntries(zip, path)) out[meta.name] = new Uint8Array(await readEntry(zip, entry, meta, meta.name));
  zip.close();
  return out;
}

describe('zip reader and writer (yauzl, yazl)', () => {
  for (const zip64 of [false, true]) {
    it(`writes archives fflate reads back, with their metadata (${zip64 ? 'ZIP64 records throughout' : 'plain'})`, async () => {
      const path = join(dir, `w${zip64}.zip`);
      const files: Record<string, Uint8Array> = {
        'a.txt': strToU8('hello '.repeat(100)),
        'dir/b.bin': Uint8Array.from(samples(3000, 256, 3)),
        'empty': new Uint8Array(0),
      };
      const fh = await open(path, 'w');
      const writer = new ZipWriter(fh, zip64);
      const meta = { time: 0x6000 + 7, date: 0x5821, externalAttr: (0o100640 << 16) >>> 0, comment: strToU8('note') };
      for (const [i, [name, content]] of Object.entries(files).entries()) {
        await writer.add(name, { ...meta, compress: i !== 1 }, i === 2 ? async () => Readable.from([]) : content);
      }
      await writer.finish(strToU8('c'));
      await fh.close();
      expect(unzipSync(await readFile(path))).toEqual(files);
      expect(await readAll(path)).toEqual(files);
      const zip = await openZip(path);
      const got = [];
      for await (const { meta: m } of zipEntries(zip, path)) got.push(m);
      zip.close();
      expect(got.map((m) => [m.method, m.time, m.date, m.externalAttr, new TextDecoder().decode(m.comment)])).toEqual([
        [8, meta.time, meta.date, meta.externalAttr, 'note'],
        [0, meta.time, meta.date, meta.externalAttr, 'note'],
        [8, meta.time, meta.date, meta.externalAttr, 'note'],
      ]);
      expect(new TextDecoder().decode(zip.comment as unknown as Uint8Array)).toBe('c');
    });
  }

  it('reads what fflate writes; a head read stops early', async () => {
    const path = join(dir, 'f.zip');
    const files = { 'x/1.png': Uint8Array.from(samples(500, 7, 1)), '2.ini': strToU8('k = v\n') };
    await (await open(path, 'w')).writeFile(zipSync(files, { level: 9 })).then(() => undefined);
    expect(await readAll(path)).toEqual(files);
    const zip = await openZip(path);
    for await (const { entry, meta } of zipEntries(zip, path)) {
      expect(new Uint8Array(await readEntryHead(zip, entry, meta, meta.name, 4))).toEqual(files[meta.name as keyof typeof files].subarray(0, 4));
    }
    zip.close();
  });

  it('crc32 matches the zip specification check value', () => {
    expect(crc32(strToU8('123456789'))).toBe(0xcbf43926);
  });
});
