/** Where the CLI reads and writes; injectable so tests can run commands in-process. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly cwd: string;
  readonly stderrIsTty: boolean;
  readonly stderrStream?: NodeJS.WriteStream;
}
