/** Ranges of the numbers users give jalad (flags and the files it reads), with their units. */

/**
 * Uplink bandwidth, Mbps: 1 kbit/s (a congested GPRS link) to 1 Tbit/s. Beyond these the transfer
 * term is noise or overflows the solver's numeric range (`--bandwidth 1e-20` once reached HiGHS).
 */
export const BANDWIDTH_RANGE_MBPS = { min: 0.001, max: 1e6 } as const;
