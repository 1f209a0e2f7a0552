/**
 * The checks every decoded image of a folder passes, in order, on the thread that keeps the
 * samples: its geometry against the first kept image and the size limit; and the one-line reason
 * an image could not be read or decoded.
 */
import { InputError } from '../core/errors';
import { MAX_IMAGE_PIXELS } from './image-limits';
import type { ResolvedDataOptions } from './options';
import { planGeometry, type SampleGeometry } from './preprocess';

/** The first kept image's geometry: every later image must give the same sample size. */
export interface FirstImage {
  readonly geometry: SampleGeometry;
  readonly file: string;
}

/** The geometry of a decoded image, checked against the first one and the size limit. */
export function imageGeometry(
  h: number,
  w: number,
  outC: 1 | 3,
  opts: ResolvedDataOptions,
  what: string,
  first: FirstImage | undefined,
): SampleGeometry {
  const g = planGeometry(h, w, outC, opts, what);
  if (g.resizeH * g.resizeW > MAX_IMAGE_PIXELS) {
    throw new InputError(
      'BAD_DATA',
      `${what}: ${h}x${w} resized to ${g.resizeH}x${g.resizeW} is over the limit of ${MAX_IMAGE_PIXELS} pixels`,
    );
  }
  if (first !== undefined && (g.outH !== first.geometry.outH || g.outW !== first.geometry.outW)) {
    throw new InputError(
      'BAD_DATA',
      `${what} is ${h}x${w}, giving ${g.outH}x${g.outW} samples, but ` +
        `${first.file} gives ${first.geometry.outH}x${first.geometry.outW}; pass a resize HxW or a crop`,
    );
  }
  return g;
}

/** A one-line reason from a decoder's or the file system's error. */
export function errorReason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const text =
    e.code !== undefined && e.code.startsWith('E') ? e.code : e instanceof Error ? e.message : String(e);
  return text.split('\n')[0];
}

/**
 * An image that could not be read or decoded: under `--on-bad-image stop` one line naming it (an
 * InputError); under `skip` a warning, and the caller goes on.
 * @throws InputError BAD_DATA under stop
 */
export function badImage(
  role: string,
  file: string,
  error: unknown,
  onBadImage: ResolvedDataOptions['onBadImage'],
  warnings: string[],
): void {
  const reason = `image ${file}: cannot read or decode (${errorReason(error)})`;
  if (onBadImage === 'stop') throw new InputError('BAD_DATA', `${role}: ${reason}`);
  warnings.push(`${role}: skipped ${reason}`);
}
