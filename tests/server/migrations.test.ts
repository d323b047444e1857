import 'reflect-metadata';
import { migrations } from '@bangbang/migrations';
import { createDataSource, initializeDataSource } from '../../server/src/db/data-source';
import { entities } from '../../server/src/entities';
import { runMigrations } from '../../server/src/db/migrate';
import { createTestDatabase, type TestDatabase } from '../support/db';

describe('migrations', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase({ migrated: false });
  });
  afterEach(async () => {
    await database.drop();
  });

  it('run on an empty database, undo completely, and run again', async () => {
    const ran = await runMigrations(database.db);
    expect(ran).toEqual(migrations.map((m) => m.name));
    expect(await runMigrations(database.db)).toEqual([]);

    for (let i = 0; i < migrations.length; i++) await database.db.undoLastMigration({ transaction: 'each' });
    const tables = await database.db.query<unknown[]>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`);
    expect(tables).toEqual([]);

    expect(await runMigrations(database.db)).toHaveLength(migrations.length);
  });

  it('run exactly once when several processes start together', async () => {
    const others = await Promise.all(
      [1, 2, 3].map(() => initializeDataSource(createDataSource({ url: database.url, entities, poolSize: 2 }), () => undefined)),
    );
    try {
      const results = await Promise.all([database.db, ...others].map((ds) => runMigrations(ds)));
      expect(results.flat().sort()).toEqual(migrations.map((m) => m.name).sort());
      const rows = await database.db.query<unknown[]>('SELECT name FROM schema_migrations');
      expect(rows).toHaveLength(migrations.length);
    } finally {
      await Promise.all(others.map((ds) => ds.destroy()));
    }
  });

  it('leave the schema exactly as the entities describe it (no drift)', async () => {
    await runMigrations(database.db);
    const pending = await database.db.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });
});
