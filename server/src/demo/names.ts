import type { Prng } from './random';

/** The most common surnames, most frequent first (weights fall off with rank, as they do in the population). */
const SURNAMES = [
  ...'王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐韩冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文',
];
const SURNAME_WEIGHTS = SURNAMES.map((s, i) => [s, 1 / Math.pow(i + 1, 0.6)] as const);

const MALE_GIVEN = [
  '伟',
  '强',
  '军',
  '磊',
  '勇',
  '杰',
  '涛',
  '斌',
  '鹏',
  '超',
  '明',
  '辉',
  '刚',
  '平',
  '峰',
  '亮',
  '波',
  '宇',
  '浩',
  '龙',
  '建国',
  '建军',
  '志强',
  '海龙',
  '永刚',
  '国华',
  '振华',
  '德胜',
  '宝山',
  '文斌',
  '俊杰',
  '晓东',
  '志刚',
  '建华',
  '永平',
  '海军',
  '国庆',
  '春生',
  '玉林',
  '占军',
  '二虎',
  '满仓',
  '利民',
  '卫东',
  '金山',
  '晓明',
  '子轩',
  '浩然',
  '宇航',
  '思远',
];
const FEMALE_GIVEN = [
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '艳',
  '娟',
  '霞',
  '燕',
  '玲',
  '慧',
  '婷',
  '雪',
  '莉',
  '红',
  '梅',
  '英',
  '萍',
  '洁',
  '琳',
  '桂英',
  '秀兰',
  '秀英',
  '玉兰',
  '凤英',
  '淑珍',
  '桂兰',
  '丽华',
  '海燕',
  '晓燕',
  '春梅',
  '红梅',
  '雪梅',
  '二花',
  '美玲',
  '玉梅',
  '秀珍',
  '金花',
  '翠兰',
  '丽娟',
  '晓丽',
  '艳红',
  '雅琴',
  '欣怡',
  '梓涵',
  '佳怡',
  '雨萱',
  '诗琪',
  '婉婷',
  '晓雪',
];

/** Mongolian given names, common across Inner Mongolia; often used alone or after 包/白/韩/宝. */
const MONGOLIAN_MALE = [
  '巴特尔',
  '额尔敦',
  '那日苏',
  '苏和',
  '宝音',
  '朝鲁',
  '呼和',
  '巴图',
  '阿拉坦',
  '特木尔',
  '孟和',
  '布和',
  '毕力格',
  '达来',
  '吉日嘎拉',
  '额日和木',
];
const MONGOLIAN_FEMALE = [
  '其其格',
  '乌云',
  '萨仁',
  '斯琴',
  '图雅',
  '娜仁',
  '高娃',
  '塔娜',
  '乌兰',
  '格日勒',
  '萨日娜',
  '苏日娜',
  '乌日娜',
  '托娅',
  '阿拉腾',
  '敖登',
];
const MONGOLIAN_SURNAMES = ['包', '白', '韩', '宝', '鲍', '吴'];

export type Gender = 'male' | 'female';

/** A Chinese name: mostly Han (surname + one or two characters), some Mongolian. */
export function personName(rng: Prng, gender: Gender = rng.chance(0.5) ? 'male' : 'female'): string {
  if (rng.chance(0.08)) {
    const given = rng.pick(gender === 'male' ? MONGOLIAN_MALE : MONGOLIAN_FEMALE);
    return rng.chance(0.5) ? `${rng.pick(MONGOLIAN_SURNAMES)}${given}` : given;
  }
  return `${rng.weighted(SURNAME_WEIGHTS)}${rng.pick(gender === 'male' ? MALE_GIVEN : FEMALE_GIVEN)}`;
}

/** Prefixes of mainland mobile numbers in use (China Mobile, Unicom, Telecom). */
const MOBILE_PREFIXES = [
  '130',
  '131',
  '132',
  '133',
  '134',
  '135',
  '136',
  '137',
  '138',
  '139',
  '147',
  '150',
  '151',
  '152',
  '153',
  '155',
  '156',
  '157',
  '158',
  '159',
  '166',
  '173',
  '176',
  '177',
  '178',
  '180',
  '181',
  '182',
  '183',
  '184',
  '185',
  '186',
  '187',
  '188',
  '189',
  '191',
  '198',
  '199',
];

/** The block the fixed demo phones live in; generated phones stay out of it. */
export const DEMO_PHONE_BLOCK = '1380000';

/** Unique mobile numbers: each call a new one, never one already in `taken` (which it extends). */
export function phoneMaker(rng: Prng, taken: Set<string>): () => string {
  return () => {
    for (;;) {
      const phone = `${rng.pick(MOBILE_PREFIXES)}${String(rng.int(0, 99_999_999)).padStart(8, '0')}`;
      if (!taken.has(phone) && !phone.startsWith(DEMO_PHONE_BLOCK)) {
        taken.add(phone);
        return phone;
      }
    }
  };
}
