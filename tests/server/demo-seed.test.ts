import 'reflect-metadata';
import { createDataSource, initializeDataSource } from '../../server/src/db/data-source';
import { countPlaces } from '../../server/src/demo/places';
import { seedDemoData } from '../../server/src/demo/seed';
import { REGION_LEVELS } from '../../server/src/modules/regions/region.entity';
import { createTestDatabase, type TestDatabase } from '../support/db';

interface Row {
  id: string;
  parent_id: string | null;
  level: string;
  name: string;
  path: string;
}

describe('demo data', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await database.drop();
  });

  it('fills an empty database with a consistent place tree, once', async () => {
    const first = await seedDemoData(database.db);
    expect(first).toEqual({ seeded: true, places: countPlaces() });
    expect(countPlaces()).toBe(39);
    expect(await seedDemoData(database.db)).toEqual({ seeded: false, places: 0 });

    const rows = await database.db.query<Row[]>('SELECT id, parent_id, level, name, path FROM region');
    expect(rows).toHaveLength(39);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const r of rows) {
      if (r.parent_id === null) {
        expect(r.level).toBe('city');
        expect(r.path).toBe(`/${r.id}/`);
      } else {
        const parent = byId.get(r.parent_id)!;
        // one level below its parent, and the path extends the parent's
        expect(REGION_LEVELS.indexOf(r.level as never)).toBe(REGION_LEVELS.indexOf(parent.level as never) + 1);
        expect(r.path).toBe(`${parent.path}${r.id}/`);
      }
    }
    expect(rows.filter((r) => r.level === 'grid')).toHaveLength(24);
    const yuquan = rows.find((r) => r.name === '玉泉区')!;
    const under = await database.db.query<[{ n: number }]>(`SELECT count(*)::int AS n FROM region WHERE path LIKE $1 || '%'`, [yuquan.path]);
    expect(under[0].n).toBe(1 + 2 + 4 + 12);
  });

  it('never touches a database someone already uses', async () => {
    await database.db.query(`INSERT INTO region (level, name, path) VALUES ('city', '包头市', '/x/')`);
    expect(await seedDemoData(database.db)).toEqual({ seeded: false, places: 0 });
    const [row] = await database.db.query<[{ n: number }]>('SELECT count(*)::int AS n FROM region');
    expect(row.n).toBe(1);
  });

  it('is seeded by exactly one of several processes starting at once', async () => {
    const others = await Promise.all([1, 2, 3].map(() => initializeDataSource(createDataSource({ url: database.url, poolSize: 2 }), () => undefined)));
    try {
      const results = await Promise.all([database.db, ...others].map((ds) => seedDemoData(ds)));
      expect(results.filter((r) => r.seeded)).toHaveLength(1);
      const [row] = await database.db.query<[{ n: number }]>('SELECT count(*)::int AS n FROM region');
      expect(row.n).toBe(39);
    } finally {
      await Promise.all(others.map((ds) => ds.destroy()));
    }
  });
});
