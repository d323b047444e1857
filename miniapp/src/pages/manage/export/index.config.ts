export default definePageConfig({ navigationBarTitleText: '导出台账' });
