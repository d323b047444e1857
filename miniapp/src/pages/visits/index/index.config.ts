export default definePageConfig({ navigationBarTitleText: '我的走访', enablePullDownRefresh: true });
