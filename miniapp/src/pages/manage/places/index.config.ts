export default definePageConfig({ navigationBarTitleText: '地区与网格' });
