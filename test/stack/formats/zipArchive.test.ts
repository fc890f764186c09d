import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { crc32, readEntryContent, readZipDirectory, ZipWriter, type EntryMeta } from '../../../src/stack/formats/zipArchive.js';
import { samples, tempDir } from './helpers.js';

const dir = tempDir();

function meta(name: string, content: Uint8Array, method: 0 | 8): { meta: EntryMeta; stored: Uint8Array } {
  const stored = method === 8 ? deflateRawSync(content) : content;
  const nameBytes = strToU8(name);
  return {
    stored,
    meta: {
      nameBytes, versionMadeBy: 20, versionNeeded: 20, flags: 0, method, time: 0x6000, date: 0x5821, crc: crc32(content),
      compressedSize: stored.length, size: content.length, internalAttr: 0, externalAttr: 0, extra: new Uint8Array(0),
      comment: new Uint8Array(0), localExtra: new Uint8Array(0),
    },
  };
}

describe('zip reader and writer', () => {
  for (const zip64At of [0xffffffff, 0]) {
    it(`writes archives fflate reads back (${zip64At ? 'plain' : 'every field through ZIP64'})`, async () => {
      const path = join(dir, `w${zip64At}.zip`);
      const files: Record<string, Uint8Array> = {
        'a.txt': strToU8('hello '.repeat(100)),
        'dir/b.bin': Uint8Array.from(samples(3000, 256, 3)),
        'empty': new Uint8Array(0),
      };
      const fh = await open(path, 'w');
      const writer = new ZipWriter(fh, zip64At);
      for (const [i, [name, content]] of Object.entries(files).entries()) {
        const m = meta(name, content, i === 1 ? 0 : 8);
        await writer.add(m.meta, [m.stored]);
      }
      await writer.finish(strToU8('c'));
      await fh.close();
      expect(unzipSync(await readFile(path))).toEqual(files);
      const rh = await open(path, 'r');
      const d = await readZipDirectory(rh, path);
      expect(d.entries.map((e) => e.name)).toEqual(Object.keys(files));
      for (const e of d.entries) expect(new Uint8Array(await readEntryContent(rh, e, e.name))).toEqual(files[e.name]);
      await rh.close();
    });
  }

  it('reads what fflate writes, sizes and offsets from the central directory', async () => {
    const path = join(dir, 'f.zip');
    const files = { 'x/1.png': Uint8Array.from(samples(500, 7, 1)), '2.ini': strToU8('k = v\n') };
    await (await open(path, 'w')).writeFile(zipSync(files, { level: 9 })).then(() => undefined);
    const fh = await open(path, 'r');
    const d = await readZipDirectory(fh, path);
    for (const e of d.entries) expect(new Uint8Array(await readEntryContent(fh, e, e.name))).toEqual(files[e.name as keyof typeof files]);
    await fh.close();
  });

  it('crc32 matches the zip specification check value', () => {
    expect(crc32(strToU8('123456789'))).toBe(0xcbf43926);
  });
});
