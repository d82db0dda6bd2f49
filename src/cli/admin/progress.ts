/**
 * Progress of long admin operations on stderr, as npm shows it: only when stderr is a
 * terminal (one line redrawn in place, at most every 100 ms), silent when piped so scripts
 * and logs get clean output.
 */

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  update(done: number, total?: number): void;
  /** Clears the line. */
  done(): void;
}

const REDRAW_MS = 100;
const SILENT: Progress = { update: () => undefined, done: () => undefined };

export function createProgress(stream: ProgressStream, label: string): Progress {
  if (stream.isTTY !== true) return SILENT;
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < REDRAW_MS && done !== total) return;
      last = now;
      shown = true;
      stream.write(`\r\u001b[2K${label}: ${done}${total === undefined ? '' : `/${total}`}`);
    },
    done() {
      if (shown) stream.write('\r\u001b[2K');
      shown = false;
    },
  };
}
