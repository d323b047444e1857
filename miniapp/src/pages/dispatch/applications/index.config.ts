export default definePageConfig({
  navigationBarTitleText: '审核申请',
});
