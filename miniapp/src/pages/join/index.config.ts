export default definePageConfig({
  navigationBarTitleText: '加入帮帮团',
});
