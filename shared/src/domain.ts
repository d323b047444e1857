/** The roles a person may hold (several at once). */
export const ROLES = ['resident', 'volunteer', 'grid_worker', 'dispatcher', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_NAMES: Record<Role, string> = {
  resident: '居民',
  volunteer: '志愿者',
  grid_worker: '网格员',
  dispatcher: '调度员',
  admin: '管理员',
};

/** The seven colour teams of 七彩帮帮团 (Tongliao), plus `other` for squads outside them. */
export const TEAM_COLORS = ['red', 'orange', 'pink', 'purple', 'yellow', 'green', 'blue', 'other'] as const;
export type TeamColor = (typeof TEAM_COLORS)[number];

export const TEAM_COLOR_NAMES: Record<TeamColor, string> = {
  red: '红色·党员帮帮团',
  orange: '橙色·青年帮帮团',
  pink: '粉色·巾帼帮帮团',
  purple: '紫色·文化帮帮团',
  yellow: '黄色·法律帮帮团',
  green: '绿色·医疗帮帮团',
  blue: '蓝色·科普帮帮团',
  other: '其他小分队',
};

/** Ledger tags (重点人员台账) a grid worker keeps for a household. */
export const LEDGER_TAGS = ['living_alone', 'empty_nest', 'elderly', 'disabled', 'low_income', 'left_behind_child', 'single_mother', 'seriously_ill'] as const;
export type LedgerTag = (typeof LEDGER_TAGS)[number];

export const LEDGER_TAG_NAMES: Record<LedgerTag, string> = {
  living_alone: '独居老人',
  empty_nest: '空巢老人',
  elderly: '高龄老人',
  disabled: '残疾人',
  low_income: '低保户/困难群众',
  left_behind_child: '留守儿童',
  single_mother: '单亲贫困母亲',
  seriously_ill: '重病患者',
};

/** The codes of service categories: lower-case words joined by underscores. */
export const CATEGORY_CODE = /^[a-z][a-z0-9_]{1,39}$/;
