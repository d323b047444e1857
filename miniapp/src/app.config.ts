/**
 * The main package holds only the entry (login), joining (加入: phone, place, name) and 「我的」; each role's workspace is a WeChat subpackage, loaded
 * when first opened, so the main package stays small (WeChat: at most 2 MB) whatever the workspaces grow to.
 */
export default defineAppConfig({
  pages: ['pages/index/index', 'pages/me/index', 'pages/join/index'],
  subPackages: [
    { root: 'pages/resident', pages: ['home/index', 'order-new/index', 'orders/index', 'order/index'] },
    { root: 'pages/volunteer', pages: ['hall/index', 'tasks/index', 'task/index', 'record/index'] },
    {
      root: 'pages/dispatch',
      pages: ['board/index', 'order/index', 'proxy-order/index', 'register-person/index', 'stats/index', 'audit/index', 'applications/index'],
    },
    { root: 'pages/profile', pages: ['edit/index', 'volunteer/index', 'inbox/index', 'notifications/index'] },
    // 走访: paired cadres' and grid workers' visits of ledger households (我的走访, one visit at the door)
    { root: 'pages/visits', pages: ['index/index', 'visit/index'] },
    // 社区项目 and 在职党员双报到 (issue 22): the claimant's side; the organiser's is under 管理
    { root: 'pages/projects', pages: ['index/index', 'project/index', 'register/index'] },
    // 积分: my points and history, the community's points shop (积分超市), the 爱心榜
    { root: 'pages/points', pages: ['index/index', 'shop/index', 'ranking/index'] },
    // 管理: staff set up places, the catalogue, people, squads, rosters and the ledgers (one page a line, for merging)
    // prettier-ignore
    {
      root: 'pages/manage',
      pages: [
        'index/index',
        'places/index',
        'catalogue/index',
        'service/index',
        'people/index',
        'person/index',
        'squads/index',
        'squad/index',
        'rosters/index',
        'import/index',
        'export/index',
        'visit-plans/index',
        'projects/index',
        'project/index',
        'points-rules/index',
        'shop-items/index',
        'redemptions/index',
      ],
    },
  ],
  window: {
    backgroundTextStyle: 'dark',
    navigationBarBackgroundColor: '#c8102e',
    navigationBarTitleText: '帮帮团',
    navigationBarTextStyle: 'white',
    backgroundColor: '#f5f6f7',
    // H5: Taro's own title bar (the page's navigationBarTitleText, a back button when there is a page to go back to);
    // WeChat draws its bar whatever this says
    navigationStyle: 'default',
  },
  // chooseLocation / getLocation (check-in at the door, the order's address) need this declared in weapp
  permission: {
    'scope.userLocation': { desc: '用于确定服务地址和上门签到' },
  },
  requiredPrivateInfos: ['getLocation', 'chooseLocation'],
});
