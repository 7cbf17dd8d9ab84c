/**
 * MySQL geometry values (4-byte little-endian SRID + WKB) -> the GeoJSON-like text Flink CDC emits for
 * GEOMETRY columns: `{"coordinates":[1,2],"type":"Point","srid":0}`. Doubles print in their shortest exact
 * form, so nothing is lost.
 */
const TYPES = ['', 'Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection'];

interface Geo {
  type: string;
  coordinates?: unknown;
  geometries?: Geo[];
}

function readWkb(b: Buffer, p: number): [Geo, number] {
  const le = b[p] === 1;
  p += 1;
  const u32 = (q: number) => (le ? b.readUInt32LE(q) : b.readUInt32BE(q));
  const f64 = (q: number) => (le ? b.readDoubleLE(q) : b.readDoubleBE(q));
  const kind = u32(p) % 1000;
  p += 4;
  const point = (): number[] => {
    const xy = [f64(p), f64(p + 8)];
    p += 16;
    return xy;
  };
  const points = (): number[][] => {
    const n = u32(p);
    p += 4;
    const out: number[][] = [];
    for (let i = 0; i < n; i++) out.push(point());
    return out;
  };
  const rings = (): number[][][] => {
    const n = u32(p);
    p += 4;
    const out: number[][][] = [];
    for (let i = 0; i < n; i++) out.push(points());
    return out;
  };
  const type = TYPES[kind];
  switch (kind) {
    case 1:
      return [{ type, coordinates: point() }, p];
    case 2:
      return [{ type, coordinates: points() }, p];
    case 3:
      return [{ type, coordinates: rings() }, p];
    case 4:
    case 5:
    case 6: {
      const n = u32(p);
      p += 4;
      const parts: unknown[] = [];
      for (let i = 0; i < n; i++) {
        const [g, q] = readWkb(b, p);
        parts.push(g.coordinates);
        p = q;
      }
      return [{ type, coordinates: parts }, p];
    }
    case 7: {
      const n = u32(p);
      p += 4;
      const geometries: Geo[] = [];
      for (let i = 0; i < n; i++) {
        const [g, q] = readWkb(b, p);
        geometries.push(g);
        p = q;
      }
      return [{ type, geometries }, p];
    }
    default:
      throw new Error(`unknown WKB geometry type ${kind}`);
  }
}

function geoText(g: Geo, srid?: number): string {
  const body = g.geometries ? `"geometries":[${g.geometries.map((x) => geoText(x)).join(',')}]` : `"coordinates":${JSON.stringify(g.coordinates)}`;
  return `{${body},"type":"${g.type}"${srid === undefined ? '' : `,"srid":${srid}`}}`;
}

/** MySQL internal geometry bytes (SRID + WKB) -> Flink CDC's GeoJSON-like text. */
export function geometryToJson(value: Uint8Array): string {
  const b = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const srid = b.readUInt32LE(0);
  const [g] = readWkb(b, 4);
  return geoText(g, srid);
}
