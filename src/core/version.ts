/** jalad's version, recorded in every output. Kept in step with package.json by a test. */
export const JALAD_VERSION = '0.1.0';
