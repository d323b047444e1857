import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the matching engine at region scale (2,000,000 volunteers, 26,000 squads; `pnpm bench:match`).
 *
 * - Nearest first (就近): a GiST index over on-duty volunteers' locations, so that a county-level order walks outward
 *   from the door (`ORDER BY … <-> point`, a k-nearest-neighbour index scan) instead of scoring everyone in the county.
 *   PostgreSQL's own `point` type, no extension (PostGIS, earthdistance), so it runs on any PostgreSQL. The plane is
 *   longitude × cos 42° by latitude, in degrees: close to metres ÷ 111,195 around Inner Mongolia (37°–53° N); the
 *   engine converts it to a safe lower bound of the true distance (server/src/modules/matching/candidates.ts, which
 *   must write the expression exactly as here for the planner to use the index).
 * - On-duty people of a place: a partial index by place for those on duty (a third of them), one for those on duty
 *   with no location (they cannot be found by the walk). Squads by place use the unique (region_id, name) key.
 */
export class AddMatchingIndexes1795392500000 implements MigrationInterface {
  name = 'AddMatchingIndexes1795392500000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX app_user_duty_geo_idx ON app_user USING gist (point(location_lng * 0.743144825477394, location_lat))
       WHERE on_duty AND location_lat IS NOT NULL`,
    );
    await q.query(`CREATE INDEX app_user_duty_region_idx ON app_user (region_id) WHERE on_duty`);
    await q.query(`CREATE INDEX app_user_duty_nowhere_idx ON app_user (region_id) WHERE on_duty AND location_lat IS NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX app_user_duty_nowhere_idx`);
    await q.query(`DROP INDEX app_user_duty_region_idx`);
    await q.query(`DROP INDEX app_user_duty_geo_idx`);
  }
}
