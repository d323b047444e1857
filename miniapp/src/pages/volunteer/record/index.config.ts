export default definePageConfig({ navigationBarTitleText: '服务记录', enablePullDownRefresh: true });
