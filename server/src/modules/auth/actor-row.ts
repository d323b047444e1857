import type { DataSource } from 'typeorm';
import { Region } from '../regions/region.entity';
import { User } from '../users/user.entity';
import { actorOf, type Actor } from './actor';

/** One person as the select list of `ActorRows.select` names it: "u.<column>" and "r.<column>". */
export type ActorRow = Record<string, unknown>;

/**
 * The person behind a token as one row of SQL: every column of app_user (as "u.<column>") and of their place (as
 * "r.<column>"), named from the entities' own metadata, and back into the entities. The auth hook reads people this
 * way, and so does any statement that reads the person together with its own work (creating an order).
 */
export class ActorRows {
  private readonly userColumns;
  private readonly regionColumns;

  constructor(db: DataSource) {
    this.userColumns = db.getMetadata(User).columns;
    this.regionColumns = db.getMetadata(Region).columns;
  }

  /** The select list, for `FROM app_user <u> LEFT JOIN region <r> ON <r>.id = <u>.region_id`. */
  select(u = 'u', r = 'r'): string {
    return [
      ...this.userColumns.map((c) => `${u}.${c.databaseName} AS "u.${c.databaseName}"`),
      ...this.regionColumns.map((c) => `${r}.${c.databaseName} AS "r.${c.databaseName}"`),
    ].join(', ');
  }

  /** The row's id (its "u.id"). */
  idOf(row: ActorRow): string {
    return row['u.id'] as string;
  }

  user(row: ActorRow): User {
    const user = new User();
    for (const c of this.userColumns) (user as unknown as Record<string, unknown>)[c.propertyName] = row[`u.${c.databaseName}`];
    if (row['r.id'] === null) user.region = null;
    else {
      const region = new Region();
      for (const c of this.regionColumns) (region as unknown as Record<string, unknown>)[c.propertyName] = row[`r.${c.databaseName}`];
      user.region = region;
    }
    return user;
  }

  actor(row: ActorRow): Actor {
    return actorOf(this.user(row));
  }
}
