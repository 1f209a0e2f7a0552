/**
 * The bound on a validation set held whole in memory. An image folder becomes one float32 array
 * for the commands that pass over it several times (analyze's sweep, split, eval --metric):
 * 50,000 ImageNet images at 3x224x224 are 30 GB. The size is known from the first image's header
 * (or the crop), so the load is refused with one line before any image is decoded, instead of the
 * process running out of memory later.
 */
import * as os from 'os';
import { InputError } from '../core/errors';

/** The default bound: half of this machine's physical memory. */
export function defaultInMemoryBytes(): number {
  return Math.floor(os.totalmem() / 2);
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/**
 * Refuse a set of `samples` samples of `shape` (float32) over `boundBytes`.
 * @param role the message prefix, e.g. `--data val/`
 * @param why what the bound is, for the message (e.g. "half of this machine's memory")
 * @throws InputError BAD_DATA naming the size, the bound and the largest `--samples` that fits
 */
export function checkInMemorySize(
  samples: number,
  shape: readonly number[],
  boundBytes: number,
  role: string,
  why: string,
): void {
  const sampleBytes = 4 * shape.reduce((a, b) => a * b, 1);
  const bytes = samples * sampleBytes;
  if (bytes <= boundBytes) return;
  const fits = Math.floor(boundBytes / sampleBytes);
  throw new InputError(
    'BAD_DATA',
    `${role}: ${samples} images of ${shape.join('x')} float32 need ${gib(bytes)} in memory, over the bound of ` +
      `${gib(boundBytes)} (${why}); this command holds the whole set in memory: ` +
      `${fits > 0 ? `pass --samples ${fits} or fewer` : 'not one sample fits'} (jalad eval streams a folder of any size)`,
  );
}
