import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The on-duty people of a place, read from the index alone. A grid- or community-level search reads everyone eligible
 * in the area (server/src/modules/matching/candidates.repo.ts, `peopleInScope` and `everyoneInArea`): by the index by
 * place those were one heap page per person, as people who join over the years lie scattered through the table — a
 * community's ~1,000 on-duty people about 1,000 pages, 8.9 ms of a 10 ms search. With the columns the search reads
 * in the index (INCLUDE) it is an index-only scan: about 140 pages, 2.3 ms (bench:match's kept dataset).
 *
 * The price: the index holds those columns for on-duty people (about 210 MB at 600,000 on duty, against 5 MB), and a
 * change of one of them (a roster, a skill, a name) writes it — rare beside the searches. `on_duty` is included
 * though the predicate implies it, because the search returns it.
 */
export class CoverDutyPeopleByPlace1795401400000 implements MigrationInterface {
  name = 'CoverDutyPeopleByPlace1795401400000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX app_user_duty_region_idx`);
    await q.query(
      `CREATE INDEX app_user_duty_region_idx ON app_user (region_id)
       INCLUDE (id, name, on_duty, roster, party_member, location_lat, location_lng, skills, roles) WHERE on_duty`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX app_user_duty_region_idx`);
    await q.query(`CREATE INDEX app_user_duty_region_idx ON app_user (region_id) WHERE on_duty`);
  }
}
