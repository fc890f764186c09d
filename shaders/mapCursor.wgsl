// Walking a threshold map's tile along row-major pixels or voxels, shared by the ordered kernels
// (`//!include mapCursor`). The cursor carries the cell position as x advances, so the divisions that place a
// pixel in the tile are paid once per invocation, not once per pixel.

struct MapTile {
  base: u32,      // index of the tile's first cell in the kernel's table
  width: u32,
  height: u32,
  firstRow: u32,  // absolute row of the dispatch's row 0: tiles follow absolute rows, so chunking changes nothing
}

struct MapCursor {
  x: u32,    // column in the image
  y: u32,    // row in the dispatch
  mx: u32,   // column in the tile
  row: u32,  // table index of the tile row's first cell
}

fn mapCursor(x: u32, y: u32, t: MapTile) -> MapCursor {
  return MapCursor(x, y, x % t.width, t.base + ((y + t.firstRow) % t.height) * t.width);
}

/** The cursor at element `i` of row-major rows of `width`. */
fn cursorAt(i: u32, width: u32, t: MapTile) -> MapCursor {
  let y = i / width;
  return mapCursor(i - y * width, y, t);
}

fn mapCell(c: MapCursor) -> u32 { return c.row + c.mx; }

/** One pixel on along a row of `width`; after the last one, the start of the next row. */
fn mapStep(c: ptr<function, MapCursor>, width: u32, t: MapTile) {
  (*c).x += 1u;
  (*c).mx += 1u;
  if ((*c).mx == t.width) { (*c).mx = 0u; }
  if ((*c).x == width) {
    (*c).x = 0u;
    (*c).mx = 0u;
    (*c).y += 1u;
    (*c).row = t.base + (((*c).y + t.firstRow) % t.height) * t.width;
  }
}
