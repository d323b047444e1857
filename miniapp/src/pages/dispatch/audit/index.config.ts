export default definePageConfig({ navigationBarTitleText: '审计记录', enablePullDownRefresh: true });
