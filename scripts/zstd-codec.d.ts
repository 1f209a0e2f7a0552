// Types of the part of the zstd-codec package (zstd compiled to WebAssembly) the codec benchmark uses.
declare module 'zstd-codec' {
  /** zstd's one-shot API. */
  export interface ZstdSimple {
    compress(data: Uint8Array, level?: number): Uint8Array;
    decompress(data: Uint8Array): Uint8Array;
  }
  export const ZstdCodec: {
    run(callback: (zstd: { Simple: new () => ZstdSimple }) => void): void;
  };
}
