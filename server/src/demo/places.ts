import { randomUUID } from 'node:crypto';
import type { RegionLevel } from '../modules/regions/region.entity';
import { round6, type Prng } from './random';

export interface LatLng {
  lat: number;
  lng: number;
}

/** A region row as inserted. */
export interface PlaceRow {
  id: string;
  parentId: string | null;
  level: RegionLevel;
  name: string;
  /** `/ancestor-ids…/own-id/` */
  path: string;
  center: LatLng;
}

interface CommunitySpec {
  name: string;
  center: LatLng;
  grids: number;
  /** A village (嘎查村: households by 社, farm work) rather than an urban community (社区: blocks of flats). */
  rural?: boolean;
}

interface TownSpec {
  name: string;
  center: LatLng;
  communities: CommunitySpec[];
}

/**
 * The demo place tree: 巴彦淖尔市 → 杭锦后旗 → three towns → eight communities/villages → forty grids.
 * Bayannur is the city of article 002 (140 communities, 652 villages, 5,780 grids); 杭锦后旗 is a farming banner
 * of the Hetao plain whose seat is 陕坝镇. Town and community centres are approximate (towns within ~15 km of the
 * seat, communities within ~3 km of their town); community and village names are illustrative.
 */
export const DEMO_CITY = { name: '巴彦淖尔市', center: { lat: 40.7574, lng: 107.3877 } };
export const DEMO_COUNTY = { name: '杭锦后旗', center: { lat: 40.8864, lng: 107.1511 } };
const TOWNS: TownSpec[] = [
  {
    name: '陕坝镇',
    center: { lat: 40.8857, lng: 107.146 },
    communities: [
      { name: '北城社区', center: { lat: 40.8961, lng: 107.1478 }, grids: 7 },
      { name: '民主社区', center: { lat: 40.8868, lng: 107.1392 }, grids: 7 },
      { name: '新华社区', center: { lat: 40.8812, lng: 107.1553 }, grids: 6 },
      { name: '西园社区', center: { lat: 40.8921, lng: 107.1302 }, grids: 6 },
    ],
  },
  {
    name: '头道桥镇',
    center: { lat: 40.9652, lng: 107.2047 },
    communities: [
      { name: '民建村', center: { lat: 40.9738, lng: 107.2198 }, grids: 4, rural: true },
      { name: '联丰村', center: { lat: 40.9531, lng: 107.1869 }, grids: 3, rural: true },
    ],
  },
  {
    name: '双庙镇',
    center: { lat: 40.8548, lng: 107.0186 },
    communities: [
      { name: '太荣村', center: { lat: 40.8691, lng: 107.0047 }, grids: 4, rural: true },
      { name: '建设村', center: { lat: 40.8417, lng: 107.0342 }, grids: 3, rural: true },
    ],
  },
];

const NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

export interface DemoTown {
  row: PlaceRow;
  communities: DemoCommunity[];
}

export interface DemoCommunity {
  row: PlaceRow;
  town: DemoTown;
  rural: boolean;
  grids: DemoGrid[];
}

export interface DemoGrid {
  row: PlaceRow;
  /** 1-based, within its community. */
  index: number;
  community: DemoCommunity;
}

export interface DemoTree {
  city: PlaceRow;
  county: PlaceRow;
  towns: DemoTown[];
  communities: DemoCommunity[];
  grids: DemoGrid[];
  /** Every place, parents before children. */
  rows: PlaceRow[];
}

/** The counts the demo tree has, per level (for messages and tests). */
export const DEMO_PLACE_COUNTS = {
  city: 1,
  county: 1,
  town: TOWNS.length,
  community: TOWNS.reduce((n, t) => n + t.communities.length, 0),
  grid: TOWNS.reduce((n, t) => n + t.communities.reduce((m, c) => m + c.grids, 0), 0),
} as const satisfies Record<RegionLevel, number>;

export const DEMO_PLACE_TOTAL = Object.values(DEMO_PLACE_COUNTS).reduce((a, b) => a + b, 0);

function place(level: RegionLevel, name: string, center: LatLng, parent: PlaceRow | null): PlaceRow {
  const id = randomUUID();
  return { id, parentId: parent?.id ?? null, level, name, path: `${parent?.path ?? '/'}${id}/`, center };
}

/** A grid's centre: on a ring 180–300 m around its community's centre, one grid per direction. */
function gridCenter(c: LatLng, i: number, n: number): LatLng {
  const angle = (2 * Math.PI * i) / n + 0.4;
  const metres = 180 + 60 * (i % 3);
  return {
    lat: round6(c.lat + (metres * Math.cos(angle)) / 111_320),
    lng: round6(c.lng + (metres * Math.sin(angle)) / (111_320 * Math.cos((c.lat * Math.PI) / 180))),
  };
}

/** Builds the tree with fresh ids (the ids differ per database; names and coordinates are always the same). */
export function buildDemoTree(): DemoTree {
  const city = place('city', DEMO_CITY.name, DEMO_CITY.center, null);
  const county = place('county', DEMO_COUNTY.name, DEMO_COUNTY.center, city);
  const rows: PlaceRow[] = [city, county];
  const towns: DemoTown[] = [];
  const communities: DemoCommunity[] = [];
  const grids: DemoGrid[] = [];
  for (const t of TOWNS) {
    const town: DemoTown = { row: place('town', t.name, t.center, county), communities: [] };
    towns.push(town);
    rows.push(town.row);
    for (const c of t.communities) {
      const community: DemoCommunity = { row: place('community', c.name, c.center, town.row), town, rural: c.rural ?? false, grids: [] };
      town.communities.push(community);
      communities.push(community);
      rows.push(community.row);
      for (let i = 0; i < c.grids; i++) {
        const row = place('grid', `第${NUMERALS[i] ?? i + 1}网格`, gridCenter(c.center, i, c.grids), community.row);
        const grid: DemoGrid = { row, index: i + 1, community };
        community.grids.push(grid);
        grids.push(grid);
        rows.push(row);
      }
    }
  }
  return { city, county, towns, communities, grids, rows };
}

/**
 * A household address in a grid, as a grid worker writes it in the ledger: flats by block in a town community
 * (each grid a run of six blocks), houses by 社 (the village's old production team, one per grid) in a village.
 */
export function addressIn(grid: DemoGrid, rng: Prng): string {
  const c = grid.community;
  const prefix = `${DEMO_COUNTY.name}${c.town.row.name}${c.row.name}`;
  if (c.rural) return `${prefix}${NUMERALS[grid.index - 1] ?? grid.index}社${rng.int(1, 60)}号`;
  const block = (grid.index - 1) * 6 + rng.int(1, 6);
  return `${prefix}${block}号楼${rng.int(1, 4)}单元${rng.int(1, 6)}0${rng.int(1, 2)}`;
}
