/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320; the checksum of zlib, gzip and PNG), so any
 * receiver can check a tensor stream with its standard library (e.g. Python's zlib.crc32).
 * Slicing-by-4 tables: four bytes per step.
 */

/** The four 256-entry lookup tables, built once when the module loads and never written again. */
const TABLES: readonly Int32Array[] = buildTables();

function buildTables(): Int32Array[] {
  const t0 = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c;
  }
  const tables = [t0, new Int32Array(256), new Int32Array(256), new Int32Array(256)];
  for (let n = 0; n < 256; n++) {
    let c = t0[n];
    for (let j = 1; j < 4; j++) {
      c = t0[c & 0xff] ^ (c >>> 8);
      tables[j][n] = c;
    }
  }
  return tables;
}

/**
 * CRC-32 of `bytes[start, end)`, as an unsigned 32-bit integer.
 * @example crc32(new TextEncoder().encode('123456789')) === 0xcbf43926
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const [t0, t1, t2, t3] = TABLES;
  let c = -1;
  let i = start;
  const end4 = start + ((end - start) & ~3);
  for (; i < end4; i += 4) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c = t3[c & 0xff] ^ t2[(c >>> 8) & 0xff] ^ t1[(c >>> 16) & 0xff] ^ t0[c >>> 24];
  }
  for (; i < end; i++) c = t0[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
