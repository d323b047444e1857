import { useCallback, useState } from 'react';
import { View } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import type { Page } from '@bangbang/shared';
import { showError } from './feedback';
import { useLoader, type Loader } from './use-loader';

export interface PagedLoader<T> extends Loader<Page<T>> {
  /** Appends the next page (the API's cursor); a failure is told in a toast and the list stays as it was. */
  loadMore: () => Promise<void>;
  loadingMore: boolean;
}

/**
 * A list the API pages with a cursor (`{items, nextCursor}`): the first page like `useLoader` (reloaded on show with
 * `refreshOnShow`), then more on request. `loadPage(undefined)` is the first page.
 */
export function usePagedLoader<T>(
  loadPage: (cursor?: string) => Promise<Page<T>>,
  deps: readonly unknown[],
  options: { refreshOnShow?: boolean } = {},
): PagedLoader<T> {
  const list = useLoader<Page<T>>(() => loadPage(), deps, options);
  const [loadingMore, setLoadingMore] = useState(false);
  const { data, setData } = list;

  const loadMore = useCallback(async () => {
    if (!data?.nextCursor) return;
    setLoadingMore(true);
    try {
      const next = await loadPage(data.nextCursor);
      setData({ items: [...data.items, ...next.items], nextCursor: next.nextCursor });
    } catch (error) {
      showError(error);
    } finally {
      setLoadingMore(false);
    }
    // loadPage follows the caller's deps, like useLoader's load
  }, [data, setData, ...deps]);

  return { ...list, loadMore, loadingMore };
}

/** 加载更多 under a paged list, shown only while the API says there is more. */
export function LoadMore<T>({ list, className = 'staff-more' }: { list: PagedLoader<T>; className?: string }) {
  if (!list.data?.nextCursor) return null;
  return (
    <View className={className}>
      <Button block size='large' loading={list.loadingMore} onClick={() => void list.loadMore()}>
        加载更多
      </Button>
    </View>
  );
}
