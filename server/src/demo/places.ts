import type { RegionLevel } from '../modules/regions/region.entity';

/** A place of the demo tree, with its children. Coordinates are approximate centres. */
export interface DemoPlace {
  name: string;
  level: RegionLevel;
  center: { lat: number; lng: number };
  children?: DemoPlace[];
}

/** Three grids per community, spread a few hundred metres around its centre. */
function grids(lat: number, lng: number): DemoPlace[] {
  return ['第一网格', '第二网格', '第三网格'].map((name, i) => ({
    name,
    level: 'grid' as const,
    center: { lat: +(lat + 0.003 * (i - 1)).toFixed(6), lng: +(lng + 0.004 * (i - 1)).toFixed(6) },
  }));
}

function community(name: string, lat: number, lng: number): DemoPlace {
  return { name, level: 'community', center: { lat, lng }, children: grids(lat, lng) };
}

/**
 * Demo places named after the places in the source articles (呼和浩特市玉泉区, 赛罕区; 后炭社区 is in
 * article 000). Communities and grids below the streets are illustrative.
 */
export const DEMO_PLACES: DemoPlace[] = [
  {
    name: '呼和浩特市',
    level: 'city',
    center: { lat: 40.842585, lng: 111.749181 },
    children: [
      {
        name: '玉泉区',
        level: 'county',
        center: { lat: 40.752851, lng: 111.674812 },
        children: [
          {
            name: '小召前街街道',
            level: 'town',
            center: { lat: 40.802, lng: 111.664 },
            children: [community('后炭社区', 40.8035, 111.6612), community('大南街社区', 40.8004, 111.6689)],
          },
          {
            name: '西菜园街道',
            level: 'town',
            center: { lat: 40.7921, lng: 111.6478 },
            children: [community('石羊桥社区', 40.7952, 111.6423), community('南茶坊社区', 40.7889, 111.6531)],
          },
        ],
      },
      {
        name: '赛罕区',
        level: 'county',
        center: { lat: 40.792, lng: 111.701 },
        children: [
          {
            name: '大学西路街道',
            level: 'town',
            center: { lat: 40.8156, lng: 111.6905 },
            children: [community('民族社区', 40.8169, 111.6874), community('昭乌达社区', 40.8128, 111.6951)],
          },
          {
            name: '巴彦镇',
            level: 'town',
            center: { lat: 40.7751, lng: 111.7683 },
            children: [community('塔利村', 40.7802, 111.7811), community('前不塔气村', 40.7689, 111.7598)],
          },
        ],
      },
    ],
  },
];

/** How many places the demo tree holds (for messages and tests). */
export function countPlaces(places: DemoPlace[] = DEMO_PLACES): number {
  return places.reduce((n, p) => n + 1 + countPlaces(p.children ?? []), 0);
}
