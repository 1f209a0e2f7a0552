/** The validation-data flags shared by `eval` and `analyze`, and their conversion to DataOptions. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseChannelValues, parseScale, parseSize, type DataOptions } from '../src/data';
import type { DataSource } from '../src/pipeline/validation-data';
import { FLAG_RANGES, parseInRange } from './parsers';
import { DEFAULT_SEED } from '../src/core/defaults';

/** Flag values as commander collects them. */
export interface DataFlags {
  data?: string;
  labels?: string;
  scale?: number | 'auto';
  mean?: number[];
  std?: number[];
  layout?: 'NCHW' | 'NHWC';
  size?: number | [number, number];
  crop?: number | [number, number];
  channels?: 1 | 3;
  samples?: number;
  seed: number;
  onBadImage?: 'stop' | 'skip';
}

/** Wraps a src/data parser so a bad value is a commander usage error naming the flag. */
function flagParser<T>(parse: (text: string) => T): (text: string) => T {
  return (text: string) => {
    try {
      return parse(text);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

/** The flags that describe --data and mean nothing without it. */
export const DATA_ONLY_FLAGS = [
  '--labels',
  '--scale',
  '--mean',
  '--std',
  '--layout',
  '--size',
  '--crop',
  '--channels',
  '--samples',
  '--seed',
  '--on-bad-image',
] as const;

/** Adds the data flags to a command. */
export function addDataFlags(cmd: Command, required: boolean): Command {
  const data = new Option(
    '--data <path>',
    'validation data: an IDX file (.gz or not), a .npy file, or a folder of PNG/JPEG images (class subfolders or --labels CSV); ' +
      'for several inputs NAME=FILE,NAME=FILE or an .npz with arrays named after them',
  );
  return cmd
    .addOption(required ? data.makeOptionMandatory() : data)
    .option(
      '--labels <path>',
      'labels: IDX, .npy, one integer per line, or file,label CSV for an image folder ' +
        '(without labels, accuracy is agreement with the unsplit model)',
    )
    .option(
      '--scale <s>',
      'multiply raw values first, e.g. 1/255 (default: 1/255 for 8-bit data, 1 for float data)',
      flagParser(parseScale),
    )
    .option(
      '--mean <m>',
      'per-channel mean subtracted after scaling, comma-separated (one value broadcasts)',
      flagParser((t) => parseChannelValues(t, '--mean')),
      [0],
    )
    .option(
      '--std <s>',
      'per-channel standard deviation divided by after the mean, comma-separated',
      flagParser((t) => parseChannelValues(t, '--std')),
      [1],
    )
    .addOption(
      new Option('--layout <layout>', 'layout of the model input').choices(['NCHW', 'NHWC']).default('NCHW'),
    )
    .option(
      '--size <HxW>',
      'resize images to HxW pixels (or one number: the shorter side), bilinear; at most 8192 per side',
      flagParser((t) => parseSize(t, '--size')),
    )
    .option(
      '--crop <HxW>',
      'center crop after resizing, HxW pixels (or one number: a square); at most 8192 per side',
      flagParser((t) => parseSize(t, '--crop')),
    )
    .addOption(
      new Option('--channels <n>', 'channels of the model input for images (1 = grayscale, 3 = RGB)')
        .choices(['1', '3'])
        .argParser((v) => Number(v) as 1 | 3),
    )
    .option(
      '--samples <n>',
      'use a class-stratified subset of n samples (seeded, deterministic)',
      parseInRange(FLAG_RANGES.samples),
    )
    .option(
      '--seed <n>',
      'seed of the subset and of every other random choice (recorded in outputs) (0..4294967295)',
      parseInRange(FLAG_RANGES.seed),
      DEFAULT_SEED,
    )
    .addOption(
      new Option(
        '--on-bad-image <what>',
        'an image that cannot be decoded: stop with an error, or skip it with a warning',
      )
        .choices(['stop', 'skip'])
        .default('stop'),
    );
}

/** DataSource from the flags. */
export function dataSource(flags: DataFlags): DataSource | undefined {
  if (!flags.data) return undefined;
  const options: DataOptions = {
    scale: flags.scale,
    mean: flags.mean,
    std: flags.std,
    layout: flags.layout,
    resize: flags.size,
    crop: flags.crop,
    channels: flags.channels,
    maxSamples: flags.samples,
    seed: flags.seed,
    onBadImage: flags.onBadImage,
  };
  return { data: flags.data, ...(flags.labels ? { labels: flags.labels } : {}), options };
}
