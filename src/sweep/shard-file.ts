/**
 * The shard file (`jalad analyze --shard I/N`): what one shard of the sweep measured, compact enough
 * that a merge of a hundred shards reads them in seconds (docs/scale-out.md#the-shard-file).
 *
 * Layout: 8 bytes "JLDSHRD1", a uint32 (little-endian) header length, the header as UTF-8 JSON, zero
 * padding to a multiple of 8, then float64s (little-endian): the reference's score per sample of
 * `reference`, then per configuration in header order its scores, its sizes (one series per coder
 * the sweep measures, `sweepCoders(grid.coder)`) and its codec times; last, per
 * configuration, one byte per sample (1: its top-1 agrees with the unsplit model's).
 */
import { endianness } from 'os';
import { InputError } from '../core/errors';
import type { Analysis } from '../core/analysis';
import type { RecordedConfig, RecordedSweep, SampleRange } from './recorded';
import type { BitWidth, CoderChoice } from '../codec/types';
import { sweepCoders } from './batch';

/** The body's float64s are little-endian: on such a machine they are copied as they are. */
const LITTLE_ENDIAN = endianness() === 'LE';

/** The first bytes of every shard file. */
export const SHARD_MAGIC = 'JLDSHRD1';
/** The header's format version. */
export const SHARD_FORMAT_VERSION = 2;

/** The sweep's settings a merge replays with. */
export interface ShardGrid {
  readonly samples: number;
  readonly batchSize: number;
  readonly sizeSamples: number;
  readonly minToStop: number;
  readonly maxLossPct?: number;
  readonly bits: readonly number[];
  /** The cut point indices swept (all of them unless the analysis sweeps a subset). */
  readonly sweptCuts: readonly number[];
  /** The coder of the rows (`--coder`); the sizes of every coder of `sweepCoders(coder)` are recorded. */
  readonly coder: CoderChoice;
}

/** Everything one shard file holds. */
export interface ShardFile {
  /** 1-based index and count. */
  readonly shard: { readonly index: number; readonly count: number };
  /** Where the index came from ("--shard", "JOB_COMPLETION_INDEX=2", ...). */
  readonly indexFrom: string;
  /** What every shard of one run shares: compared as a whole by the merge. */
  readonly identity: Readonly<Record<string, unknown>>;
  /** The analysis as this shard made it, without sweep rows and decisions. */
  readonly analysis: Analysis;
  readonly grid: ShardGrid;
  readonly recorded: RecordedSweep;
  /** Seconds this shard's sweep took. */
  readonly seconds: number;
}

/** A configuration as the header lists it (its arrays live in the body). */
type ConfigHeader = Omit<RecordedConfig, 'agrees' | 'scores' | 'sizes' | 'codecMs'> & {
  readonly samples: number;
};

interface Header extends Omit<ShardFile, 'recorded'> {
  readonly format: 'jalad-shard';
  readonly formatVersion: number;
  readonly reference: SampleRange;
  readonly labelled: boolean;
  readonly configs: readonly ConfigHeader[];
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Whether a parsed header has the fields the body's layout depends on, as numbers. */
function wellFormed(h: Header): boolean {
  if (typeof h !== 'object' || h === null || typeof h.shard !== 'object' || h.shard === null) return false;
  if (typeof h.reference !== 'object' || h.reference === null || !Array.isArray(h.configs)) return false;
  if (typeof h.analysis !== 'object' || typeof h.grid !== 'object' || typeof h.identity !== 'object')
    return false;
  const { from, to } = h.reference;
  return (
    isCount(from) &&
    isCount(to) &&
    to >= from &&
    h.configs.every(
      (c) =>
        typeof c === 'object' &&
        c !== null &&
        isCount(c.samples) &&
        isCount(c.sizeCount) &&
        isCount(c.timeCount) &&
        isCount(c.from) &&
        isCount(c.to) &&
        isCount(c.cut),
    )
  );
}

/** Serialises a shard. */
export function encodeShard(shard: ShardFile): Uint8Array {
  const { recorded, ...rest } = shard;
  const header: Header = {
    format: 'jalad-shard',
    formatVersion: SHARD_FORMAT_VERSION,
    ...rest,
    reference: recorded.reference,
    labelled: recorded.labelled,
    configs: recorded.configs.map(({ agrees, scores: _s, sizes: _z, codecMs: _t, ...c }) => ({
      ...c,
      samples: agrees.length,
    })),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil((12 + json.length) / 8) * 8;
  const floats = [
    recorded.referenceScores,
    ...recorded.configs.flatMap((c) => [c.scores, c.sizes, c.codecMs]),
  ];
  const floatCount = floats.reduce((t, f) => t + f.length, 0);
  const byteCount = recorded.configs.reduce((t, c) => t + c.agrees.length, 0);
  const body = new ArrayBuffer(padded + 8 * floatCount + byteCount);
  const out = Buffer.from(body);
  out.write(SHARD_MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  let at = padded;
  for (const f of floats) {
    if (LITTLE_ENDIAN) new Float64Array(body, at, f.length).set(f);
    else f.forEach((v, i) => out.writeDoubleLE(v, at + 8 * i));
    at += 8 * f.length;
  }
  for (const c of recorded.configs) {
    out.set(c.agrees, at);
    at += c.agrees.length;
  }
  return out;
}

/**
 * Reads a shard file's bytes.
 * @param file the file's name, for messages
 * @throws InputError `BAD_SHARD` naming the file when it is not a complete shard file of this format
 */
export function decodeShard(bytes: Uint8Array, file: string): ShardFile {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (what: string) => new InputError('BAD_SHARD', `${file}: ${what}`);
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== SHARD_MAGIC)
    throw bad('not a jalad shard file (written by `jalad analyze --shard I/N`)');
  const length = buf.readUInt32LE(8);
  if (12 + length > buf.length) throw bad('truncated shard file (its header is cut off)');
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + length)) as Header;
  } catch {
    throw bad('corrupt shard file (its header is not JSON)');
  }
  if (!wellFormed(header)) throw bad('corrupt shard file (its header lacks the fields of a shard)');
  if (header.format !== 'jalad-shard' || header.formatVersion !== SHARD_FORMAT_VERSION)
    throw bad(`shard format ${String(header.formatVersion)} is not this jalad's (${SHARD_FORMAT_VERSION})`);
  const padded = Math.ceil((12 + length) / 8) * 8;
  const referenceLength = header.reference.to - header.reference.from;
  if (typeof header.grid.coder !== 'string')
    throw bad('corrupt shard file (its header lacks the fields of a shard)');
  const coders = sweepCoders(header.grid.coder).length;
  const floatCount =
    referenceLength +
    header.configs.reduce((t, c) => t + c.samples + coders * c.sizeCount + 2 * c.timeCount, 0);
  const byteCount = header.configs.reduce((t, c) => t + c.samples, 0);
  const expected = padded + 8 * floatCount + byteCount;
  if (buf.length !== expected)
    throw bad(`truncated or padded shard file (${buf.length} bytes, its header describes ${expected})`);
  // NOTE: one aligned copy of the float64 part, then views of it.
  const floats = LITTLE_ENDIAN
    ? new Float64Array(Uint8Array.prototype.slice.call(buf, padded, padded + 8 * floatCount).buffer)
    : Float64Array.from({ length: floatCount }, (_, i) => buf.readDoubleLE(padded + 8 * i));
  let f = 0;
  const take = (n: number) => floats.subarray(f, (f += n));
  const referenceScores = take(referenceLength);
  let at = padded + 8 * floatCount;
  const configs = header.configs.map(({ samples, ...c }): RecordedConfig => {
    const scores = take(samples);
    const sizes = take(coders * c.sizeCount);
    const codecMs = take(2 * c.timeCount);
    const agrees = new Uint8Array(buf.subarray(at, (at += samples)));
    return { ...c, bits: c.bits as BitWidth, agrees, scores, sizes, codecMs };
  });
  const { format: _f, formatVersion: _v, reference, labelled, configs: _c, ...rest } = header;
  return { ...rest, recorded: { reference, referenceScores, labelled, configs } };
}
