import { mayHear, type LivePerson, type OrderNotice } from './routing';

/** What the hub needs of a socket: who is behind it, and a way to send it text or end it. */
export interface HubSocket {
  person: LivePerson;
  /**
   * Sends one serialized message (or queues it while the socket is still catching up); a notification's id comes
   * with it, so one the catch-up already sent is not sent twice.
   */
  send(text: string, notificationId?: string): void;
  close(code: number, reason: string): void;
}

/**
 * The authenticated sockets of this API process, by person. Only the sockets themselves live here: everything else
 * (who is online, what was missed) is in the database, shared by every process.
 */
export class LiveHub<S extends HubSocket = HubSocket> {
  private readonly byPerson = new Map<string, Set<S>>();

  /** Adds a socket; returns the person's socket count in this process after it. */
  add(socket: S): number {
    let set = this.byPerson.get(socket.person.id);
    if (!set) {
      set = new Set();
      this.byPerson.set(socket.person.id, set);
    }
    set.add(socket);
    return set.size;
  }

  /** Removes a socket (again: nothing); returns the person's socket count in this process after it. */
  remove(socket: S): number {
    const set = this.byPerson.get(socket.person.id);
    if (!set) return 0;
    set.delete(socket);
    if (set.size === 0) this.byPerson.delete(socket.person.id);
    return set.size;
  }

  count(userId: string): number {
    return this.byPerson.get(userId)?.size ?? 0;
  }

  /** The people with at least one socket here. */
  people(): string[] {
    return [...this.byPerson.keys()];
  }

  /** Every socket (a copy: closing one while walking is safe). */
  sockets(): S[] {
    return [...this.byPerson.values()].flatMap((set) => [...set]);
  }

  get size(): number {
    let n = 0;
    for (const set of this.byPerson.values()) n += set.size;
    return n;
  }

  /** Sends to every socket of one person; returns how many. */
  toPerson(userId: string, text: string, notificationId?: string): number {
    const set = this.byPerson.get(userId);
    if (!set) return 0;
    for (const socket of set) socket.send(text, notificationId);
    return set.size;
  }

  /** Sends to every socket whose person may see the order (see `mayHear`); returns how many. */
  toOrder(order: Pick<OrderNotice, 'region' | 'scope' | 'people'>, text: string): number {
    let n = 0;
    for (const set of this.byPerson.values()) {
      for (const socket of set) {
        if (!mayHear(socket.person, order)) continue;
        socket.send(text);
        n += 1;
      }
    }
    return n;
  }
}
