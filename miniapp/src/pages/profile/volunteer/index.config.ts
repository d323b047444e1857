export default definePageConfig({
  navigationBarTitleText: '我要当志愿者',
});
