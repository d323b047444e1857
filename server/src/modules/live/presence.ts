import type { DataSource } from 'typeorm';
import { removeProcessPresence, removeStalePresence, writePresence } from './live.repo';

/**
 * This process's rows of live_presence, kept equal to its sockets. One writer at a time writes the latest counts of
 * the people whose sockets changed (never increments, never two writes racing), so whatever order sockets open and
 * close in, the rows end as the hub is. A write that fails (the database away) leaves those people to write again
 * at the next refresh.
 */
export class PresenceWriter {
  private readonly dirty = new Set<string>();
  private running: Promise<void> | undefined;
  private closed = false;
  /** Whether this process ever wrote a row (an app nobody connected to leaves the table alone, also at close). */
  private wrote = false;

  constructor(
    private readonly db: DataSource,
    readonly processId: string,
    /** The person's socket count in this process now. */
    private readonly countOf: (userId: string) => number,
    /** Everyone with a socket here now. */
    private readonly present: () => string[],
    private readonly onError: (err: unknown) => void,
  ) {}

  /** The person's sockets changed: their row follows soon. */
  changed(userId: string): void {
    if (this.closed) return;
    this.dirty.add(userId);
    this.kick();
  }

  /** Every present person seen now (and rows of dead processes removed): every 30 s. */
  async refresh(): Promise<void> {
    if (this.closed) return;
    for (const id of this.present()) this.dirty.add(id);
    this.kick();
    await this.running;
    if (!this.wrote) return;
    try {
      await removeStalePresence(this.db);
    } catch (err) {
      this.onError(err);
    }
  }

  /** Waits for writes under way. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** No more writes; this process's rows are removed. */
  async close(): Promise<void> {
    this.closed = true;
    this.dirty.clear();
    await this.idle();
    if (this.wrote) await removeProcessPresence(this.db, this.processId);
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.drain().then((ok) => {
      this.running = undefined;
      // a change that came after the loop's last look but before this line
      if (ok && this.dirty.size > 0 && !this.closed) this.kick();
    });
  }

  /** Writes until nothing is left to write; false when a write failed. */
  private async drain(): Promise<boolean> {
    while (this.dirty.size > 0 && !this.closed) {
      const batch = [...this.dirty];
      this.dirty.clear();
      this.wrote = true;
      try {
        await writePresence(
          this.db,
          this.processId,
          batch.map((id) => [id, this.countOf(id)] as const),
        );
      } catch (err) {
        // written again at the next refresh (or the next change), not in a loop against a database that is away
        for (const id of batch) this.dirty.add(id);
        this.onError(err);
        return false;
      }
    }
    return true;
  }
}
