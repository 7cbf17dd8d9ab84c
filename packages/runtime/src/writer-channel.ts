/**
 * Feeds one SinkWriter: events accumulate while the previous write() is in flight and go out as the next
 * batch, so the source keeps reading while the sink works. Past `maxPending` events the producer waits
 * (back-pressure), so memory stays bounded when the sink is slow.
 */
import type { Event, SinkWriter } from '@cdc/core';

export class WriterChannel {
  private pending: Event[] = [];
  private inflight: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    readonly writer: SinkWriter,
    private readonly maxPending: number,
  ) {}

  push(e: Event): void {
    this.pending.push(e);
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Starts a write of what is pending if none is in flight; waits when too much is pending. */
  async dispatch(): Promise<void> {
    this.throwIfFailed();
    if (!this.inflight && this.pending.length) this.start();
    while (this.pending.length >= this.maxPending && this.inflight) {
      await this.inflight;
      this.throwIfFailed();
      if (!this.inflight && this.pending.length) this.start();
    }
  }

  /** Waits until everything pushed so far has been written. */
  async drain(): Promise<void> {
    for (;;) {
      this.throwIfFailed();
      if (this.inflight) {
        await this.inflight;
        continue;
      }
      if (!this.pending.length) return;
      this.start();
    }
  }

  private start(): void {
    const batch = this.pending;
    this.pending = [];
    this.inflight = this.writer.write(batch).then(
      () => {
        this.inflight = undefined;
        if (this.pending.length && this.failure === undefined) this.start();
      },
      (e: unknown) => {
        this.failure = e;
        this.inflight = undefined;
      },
    );
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
