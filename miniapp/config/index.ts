import path from 'node:path';
import { defineConfig, type UserConfigExport } from '@tarojs/cli';
import devConfig from './dev';
import prodConfig from './prod';

type TaroEnv = NonNullable<typeof process.env.TARO_ENV>;

/**
 * `@bangbang/shared` is a workspace package exported as TypeScript source. pnpm links it under node_modules, but
 * webpack resolves the symlink to `<repo>/shared/src`, outside `src/` — and Taro's script rule only compiles
 * `src/` and Taro's own packages, so without this include its `import type` / interfaces reach webpack's parser raw.
 */
const SHARED_SRC = path.resolve(__dirname, '../../shared/src');

/**
 * The API origin the client prefixes to every path (`TARO_APP_API_BASE`, set in the shell or a `.env` file).
 * H5 is served by the API server itself, so empty (= same origin) is right there; a mini-program has no origin and
 * needs an absolute URL — the local server by default (tick 「不校验合法域名」 in WeChat DevTools for it).
 */
function apiBase(taroEnv: TaroEnv | undefined): string {
  const given = process.env.TARO_APP_API_BASE;
  if (given !== undefined) return given.replace(/\/+$/, '');
  return taroEnv === 'h5' ? '' : 'http://127.0.0.1:3000';
}

// https://docs.taro.zone/docs/config
export default defineConfig<'webpack5'>(async (merge) => {
  const taroEnv = process.env.TARO_ENV;
  const outputRoot = process.env.TARO_OUTPUT_ROOT ?? `dist/${taroEnv ?? 'unknown'}`;
  const baseConfig: UserConfigExport<'webpack5'> = {
    projectName: 'bangbang',
    date: '2026-11-23',
    // NutUI's styles are drawn for a 375 px design, ours for Taro's default 750 px.
    designWidth(input) {
      const file = typeof input === 'object' && input !== null ? input.file : undefined;
      if (file !== undefined && file.replace(/\\+/g, '/').includes('@nutui')) return 375;
      return 750;
    },
    deviceRatio: {
      640: 2.34 / 2,
      750: 1,
      375: 2,
      828: 1.81 / 2,
    },
    sourceRoot: 'src',
    // weapp and h5 side by side, never overwriting each other: dist/weapp, dist/h5. TARO_OUTPUT_ROOT sends a build
    // elsewhere (a scratch build that must not replace the one a running server or test is reading).
    outputRoot,
    plugins: [],
    env: {
      TARO_APP_API_BASE: JSON.stringify(apiBase(taroEnv)),
    },
    defineConstants: {},
    // H5: the favicon index.html links, served by the API server with the rest of dist/h5
    copy: { patterns: taroEnv === 'h5' ? [{ from: 'src/favicon.svg', to: `${outputRoot}/favicon.svg` }] : [], options: {} },
    framework: 'react',
    compiler: {
      type: 'webpack5',
      // Dependency pre-bundling (dev/watch only) runs esbuild over bare imports; the shared package is our own
      // TypeScript source and must go through babel with the rest of the app (decorator metadata, one copy).
      prebundle: { exclude: ['@bangbang/shared'] },
    },
    cache: { enable: false },
    mini: {
      compile: { include: [SHARED_SRC] },
      postcss: {
        pxtransform: {
          enable: true,
          // NutUI sizes its own components; `nut-` selectors keep their px.
          config: { selectorBlackList: ['nut-'] },
        },
        cssModules: { enable: false, config: { namingPattern: 'module', generateScopedName: '[name]__[local]___[hash:base64:5]' } },
      },
    },
    h5: {
      publicPath: '/',
      staticDirectory: 'static',
      // The server serves real files only; the hash router (`/#/pages/index/index`) needs no fallback route.
      router: { mode: 'hash' },
      compile: { include: [SHARED_SRC] },
      output: {
        filename: 'js/[name].[contenthash:8].js',
        chunkFilename: 'js/[name].[chunkhash:8].js',
      },
      miniCssExtractPluginOption: {
        ignoreOrder: true,
        filename: 'css/[name].[contenthash:8].css',
        chunkFilename: 'css/[name].[chunkhash:8].css',
      },
      postcss: {
        pxtransform: {
          enable: true,
          config: { selectorBlackList: ['nut-'] },
        },
        autoprefixer: { enable: true, config: {} },
        cssModules: { enable: false, config: { namingPattern: 'module', generateScopedName: '[name]__[local]___[hash:base64:5]' } },
      },
    },
  };

  if (process.env.NODE_ENV === 'development') {
    // Local watch builds: no minification.
    return merge({}, baseConfig, devConfig);
  }
  // Production builds: minified.
  return merge({}, baseConfig, prodConfig);
});
