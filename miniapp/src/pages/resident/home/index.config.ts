export default definePageConfig({
  navigationBarTitleText: '帮帮团',
  enablePullDownRefresh: true,
});
