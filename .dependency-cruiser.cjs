/**
 * The allowed dependencies between the workspace's parts and between the server's layers, checked by `pnpm lint`
 * (`depcruise …`, see package.json). A rule here is a decision written down: when one fails, fix the import, or
 * change the rule together with docs/architecture.md if the architecture itself changes.
 *
 * Paths are relative to the repository root. `@bangbang/shared` and `@bangbang/migrations` are workspace packages
 * exported from source: they resolve through the tsconfig paths (and pnpm's symlinks) to shared/src/index.ts and
 * migrations/src/index.ts, so they are checked as the local modules they are, not as npm packages.
 *
 * no-circular works file by file. A cycle between two server modules that no single file closes (orders/routes.ts →
 * matching/auto-dispatch.ts → orders/lifecycle.ts) is caught by the layer rules below instead.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const path = require('node:path');

/**
 * The server's modules in layers, bottom first (docs/architecture.md). A module's code may import only modules of
 * LOWER layers; route files (the HTTP layer, on top of every module) and entities (the schema, which every layer
 * reads) are outside this order and have rules of their own below. Adding a module means placing it here.
 */
const MODULE_LAYERS = [
  ['auth'], // who is asking: the actor contract, login, tokens
  ['access'], // jurisdiction, the privacy rules, the access log
  ['audit'], // the audit trail (every change to people, places, squads, the catalogue, dispatch settings) and its reading
  ['catalogue', 'health', 'uploads', 'moderation', 'phone', 'live'], // service categories; the database's pulse; photos; WeChat's check of written text; SMS codes and phone binding; the live WebSocket
  ['regions'], // the place tree
  ['users'], // people, their profile, duty and roster, and how they are shown
  ['squads'], // 小分队
  ['applications'], // 我要当志愿者 and 迁移申请: requests a person makes to staff, decided by them
  ['imports'], // 导入台账: people from Excel, checked with the users' rules
  ['points'], // 积分: the ledger orders and projects credit (so below them), the rules, the shop, the 爱心榜
  ['orders'], // 点单 and every transition, who may see an order
  ['matching'], // finding and ranking candidates for orders
  ['tasks', 'stats'], // the volunteer's side of orders; the figures
  ['dispatching', 'notifications'], // who gets an order: auto-dispatch, escalation, batch dispatch, suggestions; who hears what, and how
  ['projects'], // 项目清单, 认领 and 双报到: a demand turned into a project is closed by the orders' cancel transition; claimants are told through notifications
  ['visits'], // 走访: visit plans, visits of ledger households, a need found becoming an order, missed visits alarmed, coverage
  ['exports'], // the ledgers taken out as Excel/CSV (服务台账, 志愿服务时长, 台账户, 分地区统计), streamed
];

const ROUTE_FILE = 'routes\\.ts$'; // routes.ts and me-routes.ts
const ENTITY_FILE = '\\.entity\\.ts$';

/** One rule per module: nothing it imports may come from its own layer or a higher one (entities excepted). */
const moduleLayerRules = MODULE_LAYERS.flatMap((layer, i) =>
  layer.map((name) => {
    const notBelow = MODULE_LAYERS.slice(i)
      .flat()
      .filter((other) => other !== name);
    return {
      name: `module-layers: ${name}`,
      severity: 'error',
      comment: `${name} is in layer ${i + 1} of MODULE_LAYERS: it may use ${MODULE_LAYERS.slice(0, i).flat().join(', ') || 'no other module'}, never ${notBelow.join(', ')}.`,
      from: { path: `^server/src/modules/${name}/`, pathNot: ROUTE_FILE },
      to: { path: `^server/src/modules/(${notBelow.join('|')})/`, pathNot: ENTITY_FILE },
    };
  }),
);

module.exports = {
  forbidden: [
    ...moduleLayerRules,
    {
      name: 'module-not-in-layers',
      severity: 'error',
      comment: 'Every server module has a place in MODULE_LAYERS (above); a new folder under modules/ must be placed there first.',
      from: {},
      to: { path: '^server/src/modules/', pathNot: `^server/src/modules/(${MODULE_LAYERS.flat().join('|')})/` },
    },
    {
      name: 'entities-are-the-schema',
      severity: 'error',
      comment:
        'Entities describe tables (the migrations are the truth; a test checks they agree). Every layer reads them, so ' +
        'they may import only other entities: an entity importing a service or a repository would tie the schema to the layers above it.',
      from: { path: ENTITY_FILE },
      to: { path: '^server/src/modules/', pathNot: ENTITY_FILE },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A cycle means neither side can be understood, tested or changed alone, and with CommonJS one side sees the ' +
        'other half-initialised. Break it by moving what both need one layer down, or by passing it in (a callback, a port).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'db-imports-no-module',
      severity: 'error',
      comment:
        'server/src/db is infrastructure (data source, migrations runner, embedded PostgreSQL, group commit): the modules ' +
        'build on it, never the other way round. An entity list or a hook the db layer needs is handed to it by the composition (app.ts).',
      from: { path: '^server/src/db/' },
      to: { path: '^server/src/(modules/|demo/|app\\.ts$)' },
    },
    {
      name: 'orders-below-matching-and-dispatching',
      severity: 'error',
      comment:
        'orders owns the order and its state machine; matching ranks candidates for an order and dispatching decides who ' +
        'gets it. Both call orders, so orders calling them back makes a cycle: orders must not know they exist.',
      from: { path: '^server/src/modules/orders/' },
      to: { path: '^server/src/modules/(matching|dispatching)/' },
    },
    {
      name: 'matching-below-dispatching',
      severity: 'error',
      comment: 'matching only finds and ranks candidates; dispatching (auto-dispatch, escalation sweep, batch dispatch) uses it, not the reverse.',
      from: { path: '^server/src/modules/matching/' },
      to: { path: '^server/src/modules/dispatching/' },
    },
    {
      name: 'routes-only-from-composition',
      severity: 'error',
      comment:
        'Route files translate HTTP and are registered by the composition root (server/src/app.ts) alone. Code another ' +
        'module or a route needs belongs in that module’s service or repository, which both can import.',
      from: { pathNot: ['^server/src/app\\.ts$', '^tests/'] },
      to: { path: ['^server/src/modules/[^/]+/routes\\.ts$', '^server/src/modules/[^/]+/[^/]+-routes\\.ts$'] },
    },
    {
      name: 'modules-not-from-composition',
      severity: 'error',
      comment:
        'app.ts and server.ts wire the modules together; a module importing them (for a type, a constant, the Clock) ' +
        'closes a loop through everything. Move the shared piece into its own file below both.',
      from: { path: '^server/src/modules/' },
      to: { path: '^server/src/(app|server)\\.ts$' },
    },
    {
      name: 'shared-is-a-leaf',
      severity: 'error',
      comment:
        'shared/ holds the DTOs and pure rules that the server, the mini-program, the simulation and the benches all ' +
        'use: it runs in Node and in WeChat, so it may not import any of them, nor a server or UI framework.',
      from: { path: '^shared/src/' },
      to: {
        path: [
          '^(server|miniapp|sim|bench|migrations|tests)/',
          '(^|/node_modules/)(typeorm|pg|fastify|fastify-[^/]+|@fastify/[^/]+|@tarojs/[^/]+|react|react-dom|@nutui/[^/]+)(/|$)',
        ],
      },
    },
    {
      name: 'miniapp-not-server',
      severity: 'error',
      comment: 'The mini-program talks to the server over HTTP only; what both need (DTOs, rules, error codes) lives in shared/.',
      from: { path: '^miniapp/src/' },
      to: { path: '^server/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'An import the cruiser cannot resolve is an import the rules above cannot see (or a missing dependency); ' +
        'fix the import or the resolution options below.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-orphans',
      severity: 'warn',
      comment: 'A file nothing imports and that imports nothing is dead code or a forgotten entry point.',
      from: {
        orphan: true,
        pathNot: ['(^|/)\\.[^/]+\\.(js|cjs|mjs|ts|json)$', '\\.d\\.ts$', '(^|/)tsconfig\\.json$', '^miniapp/src/(app|pages/.+/index)\\.(config\\.)?tsx?$'],
      },
      to: {},
    },
  ],
  options: {
    // npm packages stay in the graph as leaves (shared-is-a-leaf needs to see them); their own imports are not read.
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|\\.swc|coverage)/' },
    // Type-only imports count: they are dependencies of the design even though the compiler erases them.
    tsPreCompilationDeps: true,
    // The paths that map @bangbang/shared and @bangbang/migrations to their sources (the same ones jest and tsc use).
    // Absolute: given 'tests/tsconfig.json', dependency-cruiser 17 resolves its `extends` from tests/tests/.
    tsConfig: { fileName: path.join(__dirname, 'tests', 'tsconfig.json') },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
