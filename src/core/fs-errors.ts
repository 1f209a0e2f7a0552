/**
 * Filesystem errors as one line: Node's system errors carry a code (EACCES, EROFS, ...) and a
 * message with the syscall and path that reads like a stack frame; users need the path and why.
 */

const REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a path component is a file, not a folder',
  EISDIR: 'is a folder, not a file',
  EEXIST: 'already exists',
  ENOENT: 'no such file or folder',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'name too long',
  EXDEV: 'on another file system',
  EBUSY: 'busy (a mount point or in use)',
  ENOTEMPTY: 'folder not empty',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  EPIPE: 'broken pipe',
};

/** The code of a Node system error (`EACCES`, ...), or undefined for anything else. */
export function systemErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * One line for a filesystem error on `file`: `"out/report.md: read-only file system (EROFS)"`.
 * Falls back to the error's own message for codes without a wording here.
 */
export function fsErrorText(file: string, err: unknown): string {
  const code = systemErrorCode(err);
  const reason = code ? (REASONS[code] ?? code) : ((err as Error)?.message ?? String(err));
  return `${file}: ${reason}${code ? ` (${code})` : ''}`;
}
