import type { PropsWithChildren, ReactNode } from 'react';
import { Image, Text, View } from '@tarojs/components';
import { Button, Loading } from '@nutui/nutui-react-taro';
import emptyImage from '../assets/empty.svg';
import offlineImage from '../assets/offline.svg';
import { errorMessage } from './feedback';
import type { Loader } from './use-loader';

interface PageStateProps {
  /** Still waiting for the first answer. */
  loading: boolean;
  /** The first load failed (nothing to show): its message and a retry button replace the content. */
  error?: unknown;
  onRetry?: () => void;
  /** Loaded, and there is nothing: `emptyText` (and `emptyAction`) instead of the content. */
  empty?: boolean;
  emptyText?: string;
  emptyAction?: ReactNode;
}

/**
 * PageState's `loading`, `error` and `onRetry` for a page whose content stays on screen while it refreshes (the
 * workspaces' lists and details): the spinner or the error replace the content only until the first answer.
 */
export function firstLoad(loader: Pick<Loader<unknown>, 'data' | 'loading' | 'error' | 'reload'>): Pick<PageStateProps, 'loading' | 'error' | 'onRetry'> {
  const none = loader.data === undefined;
  return { loading: loader.loading && none, error: none ? loader.error : undefined, onRetry: () => void loader.reload() };
}

/**
 * A picture and a sentence in place of content. Not NutUI's Empty: its pictures come from a CDN
 * (storage.360buyimg.com), broken on an intranet and a request outside the deployment; ours are in the build.
 */
function Blank({ image, title }: { image: string; title: string }) {
  return (
    <View className='page-state__blank'>
      <Image className='page-state__image' src={image} mode='aspectFit' />
      <Text className='page-state__title'>{title}</Text>
    </View>
  );
}

/**
 * Loading, error-with-retry and empty, the same on every page: never a blank page or a raw error. The content is
 * drawn once there is data, and stays while a refresh runs.
 */
export function PageState({ loading, error, onRetry, empty, emptyText = '暂无内容', emptyAction, children }: PropsWithChildren<PageStateProps>) {
  if (error !== undefined) {
    return (
      <View className='page-state'>
        <Blank image={offlineImage as string} title={errorMessage(error)} />
        {onRetry && (
          <Button className='page-state__retry' type='primary' size='large' onClick={onRetry}>
            重试
          </Button>
        )}
      </View>
    );
  }
  if (loading && empty === undefined) {
    return (
      <View className='page-state'>
        <Loading direction='vertical'>加载中…</Loading>
      </View>
    );
  }
  if (empty) {
    return (
      <View className='page-state'>
        <Blank image={emptyImage as string} title={emptyText} />
        {emptyAction}
      </View>
    );
  }
  return <>{children}</>;
}
