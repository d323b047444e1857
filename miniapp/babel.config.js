// babel-preset-taro options: https://docs.taro.zone/docs/next/babel-config
// It also compiles ../shared/src (see config/index.ts), whose DTOs use legacy decorators.
module.exports = {
  presets: [
    [
      'taro',
      {
        framework: 'react',
        ts: true,
        compiler: 'webpack5',
      },
    ],
  ],
};
