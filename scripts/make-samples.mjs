// Generates the synthetic sample images in samples/ (run once; the PNGs are committed).
import { encode } from 'fast-png';
import { writeFileSync } from 'node:fs';

function save(name, width, height, channels, depth, fill) {
  const data = depth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) fill(x, y, data, (y * width + x) * channels);
  writeFileSync(new URL(`../samples/${name}`, import.meta.url), encode({ width, height, data, channels, depth }));
}

// A 16-bit grey ramp: the test of banding and of mean preservation in linear light.
save('ramp16.png', 1024, 128, 1, 16, (x, y, d, i) => { d[i] = Math.round((x / 1023) * 65535); });

// Hue across, lightness down: every palette has something to get wrong here.
save('sweep.png', 768, 256, 3, 8, (x, y, d, i) => {
  const h = (x / 768) * 6, l = 1 - y / 255;
  const rgb = [Math.abs(h - 3) - 1, 2 - Math.abs(h - 2), 2 - Math.abs(h - 4)].map((c) => Math.min(1, Math.max(0, c)));
  rgb.forEach((c, k) => { d[i + k] = Math.round(255 * (l < 0.5 ? c * 2 * l : c + (1 - c) * (2 * l - 1))); });
});

// A zone plate: aliasing and pattern artefacts show up at once.
save('zoneplate.png', 512, 512, 1, 8, (x, y, d, i) => {
  const r2 = (x - 256) ** 2 + (y - 256) ** 2;
  d[i] = Math.round(127.5 + 127.5 * Math.cos((Math.PI * r2) / 1024));
});
