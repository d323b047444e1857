/// <reference types="@tarojs/taro" />

declare module '*.png';
declare module '*.gif';
declare module '*.jpg';
declare module '*.jpeg';
declare module '*.svg';
declare module '*.css';
declare module '*.less';
declare module '*.scss';
declare module '*.sass';
declare module '*.styl';

/**
 * What the build replaces in the bundle (`process.env.X` is substituted at compile time: there is no `process` at
 * run time in a mini-program). Only these keys exist; anything else reads as undefined.
 */
declare namespace NodeJS {
  interface ProcessEnv {
    /** NODE 内置环境变量：决定压缩与否 */
    NODE_ENV: 'development' | 'production';
    /** The platform being built (当前构建的平台). */
    TARO_ENV: 'weapp' | 'swan' | 'alipay' | 'h5' | 'rn' | 'tt' | 'qq' | 'jd' | 'harmony' | 'jdrn';
    /**
     * The API origin, without a trailing slash (e.g. `https://api.example.com`); empty means the page's own origin
     * (H5 served by the API server). Defaults: '' for h5, `http://127.0.0.1:3000` for weapp (see config/index.ts).
     */
    TARO_APP_API_BASE: string;
    /** 小程序 appid override for a build (Taro reads it from `.env` files). */
    TARO_APP_ID?: string;
  }
}
