export default defineAppConfig({
  pages: ['pages/index/index'],
  window: {
    backgroundTextStyle: 'light',
    navigationBarBackgroundColor: '#ffffff',
    navigationBarTitleText: '帮帮团',
    navigationBarTextStyle: 'black',
    backgroundColor: '#f5f6f7',
  },
});
