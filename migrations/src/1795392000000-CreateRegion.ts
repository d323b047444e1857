import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The place tree (盟市 city → 旗县区 county → 苏木乡镇/街道 town → 嘎查村/社区 community → 网格 grid).
 * A person's authority covers the subtree of their place, so every row keeps its materialised path of ids
 * (`/root-id/…/own-id/`): "everything under X" is one indexed prefix match instead of a recursive query.
 */
export class CreateRegion1795392000000 implements MigrationInterface {
  name = 'CreateRegion1795392000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE region (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        parent_id   uuid REFERENCES region(id) ON DELETE RESTRICT,
        level       text NOT NULL CHECK (level IN ('city', 'county', 'town', 'community', 'grid')),
        name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
        path        text NOT NULL,
        center_lat  double precision CHECK (center_lat BETWEEN -90 AND 90),
        center_lng  double precision CHECK (center_lng BETWEEN -180 AND 180),
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        -- only a city is a root; every other level hangs under a parent
        CONSTRAINT region_root_is_city CHECK ((parent_id IS NULL) = (level = 'city')),
        -- a centre is both coordinates or none
        CONSTRAINT region_center_pair CHECK ((center_lat IS NULL) = (center_lng IS NULL)),
        CONSTRAINT region_sibling_name_unique UNIQUE NULLS NOT DISTINCT (parent_id, name)
      )
    `);
    await q.query(`CREATE INDEX region_parent_idx ON region (parent_id)`);
    await q.query(`CREATE UNIQUE INDEX region_path_idx ON region (path text_pattern_ops)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE region`);
  }
}
