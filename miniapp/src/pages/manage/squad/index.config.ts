export default definePageConfig({ navigationBarTitleText: '小分队详情' });
