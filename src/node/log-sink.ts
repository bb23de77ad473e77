import { writeSync } from 'node:fs';

/**
 * A log sink on a file descriptor that can never take the process down. process.stderr turns a
 * failed write (a full disk, a closed pipe) into an 'error' event that nothing handles, and the
 * process exits; here each line is one synchronous write whose failure is counted and dropped,
 * so logging resumes by itself once the disk has room again.
 */
export interface LogSink {
  write(line: string): void;
  /** lines that could not be written since start */
  readonly dropped: number;
}

export function fdLogSink(fd = 2): LogSink {
  let dropped = 0;
  return {
    write(line: string) {
      try {
        writeSync(fd, line + '\n');
      } catch {
        dropped++;
      }
    },
    get dropped() {
      return dropped;
    },
  };
}
