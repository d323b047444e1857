export default definePageConfig({ navigationBarTitleText: '小分队' });
