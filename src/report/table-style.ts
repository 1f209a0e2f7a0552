/** Shared cli-table3 style: plain headers, no rule between rows (long models stay readable). */
export const COMPACT = {
  style: { head: [] as string[], border: [] as string[] },
  chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
};
