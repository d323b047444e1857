import { useEffect, useRef, useState } from 'react';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Tag } from '@nutui/nutui-react-taro';
import type { NotificationDto, Page } from '@bangbang/shared';
import { AppPage, LoadMore, PageState, firstLoad, showError, showSuccess, usePagedLoader } from '../../../components';
import { listNotifications, markNotificationsRead } from '../../../services/endpoints';
import { formatTime } from '../../../services/labels';
import { live, useUnread } from '../../../services/live';
import { newerId } from '../../../services/live-client';
import { orderPageOf } from '../../../services/notification-pages';
import './index.css';

const PAGE_SIZE = 20;

/** The count after marking read: the server's when it answered one, else worked out here. */
function unreadAfter(answer: { unread?: number } | undefined, fallback: number): number {
  return typeof answer?.unread === 'number' ? answer.unread : fallback;
}

/**
 * 消息中心: everything the app told me (by any channel), newest first, the unread ones marked. A tap marks it read and
 * opens the order it is about; 「全部已读」 clears them all; a new one appears at the top as it arrives.
 */
export default function Inbox() {
  const list = usePagedLoader<NotificationDto>(
    async (cursor): Promise<Page<NotificationDto>> => {
      const page = await listNotifications({ limit: String(PAGE_SIZE), ...(cursor === undefined ? {} : { before: cursor }) });
      // the first page's count is the inbox's truth: the badge follows it
      if (cursor === undefined) live.setUnread(page.unread);
      return { items: page.items, nextCursor: page.nextBefore };
    },
    [],
    { refreshOnShow: true },
  );
  const [marking, setMarking] = useState(false);

  // a new notification goes on top at once (the list in a ref: the listener outlives renders)
  const current = useRef(list);
  current.current = list;
  useEffect(
    () =>
      live.onNotification((n) => {
        const { data, setData } = current.current;
        if (!data || data.items.some((x) => x.id === n.id)) return;
        // newest first: a catch-up after a reconnect may bring ones older than the newest shown
        setData({ ...data, items: [n, ...data.items].sort((x, y) => (newerId(x.id, y.id) ? -1 : 1)) });
      }),
    [],
  );

  usePullDownRefresh(() => {
    void list.reload().finally(() => Taro.stopPullDownRefresh());
  });

  const items = list.data?.items ?? [];
  const unread = useUnread();

  const open = (n: NotificationDto) => {
    if (n.readAt === null && list.data) {
      const readAt = new Date().toISOString();
      list.setData({ ...list.data, items: list.data.items.map((x) => (x.id === n.id ? { ...x, readAt } : x)) });
      const before = live.unread();
      live.setUnread(before - 1);
      // not waited for: the order opens at once; a failure leaves it unread on the server, shown so next time
      markNotificationsRead({ ids: [n.id] }).then(
        (answer) => live.setUnread(unreadAfter(answer, live.unread())),
        () => live.setUnread(before),
      );
    }
    const url = orderPageOf(n);
    if (url !== undefined) void Taro.navigateTo({ url });
  };

  const markAll = async () => {
    setMarking(true);
    try {
      const answer = await markNotificationsRead({ all: true });
      const readAt = new Date().toISOString();
      if (list.data) list.setData({ ...list.data, items: list.data.items.map((x) => (x.readAt === null ? { ...x, readAt } : x)) });
      live.setUnread(unreadAfter(answer, 0));
      showSuccess('已全部标为已读');
    } catch (error) {
      showError(error);
    } finally {
      setMarking(false);
    }
  };

  return (
    <AppPage className='inbox'>
      <View className='inbox__bar'>
        <Text className='inbox__count'>{unread > 0 ? `${unread} 条未读` : '没有未读消息'}</Text>
        <Button
          className='inbox__read-all'
          size='normal'
          fill='outline'
          type='primary'
          loading={marking}
          disabled={marking || unread === 0}
          onClick={() => void markAll()}
        >
          全部已读
        </Button>
      </View>
      <PageState {...firstLoad(list)} empty={list.data !== undefined && items.length === 0} emptyText='还没有消息。需求有了进展，会在这里告诉您'>
        <View className='inbox__list'>
          {items.map((n) => {
            const link = orderPageOf(n);
            return (
              <View key={n.id} className={`inbox__item ${n.readAt === null ? 'inbox__item--unread' : ''}`} onClick={() => open(n)}>
                <View className='inbox__head'>
                  {n.readAt === null && <View className='inbox__dot' />}
                  <Text className='inbox__title'>{n.title}</Text>
                  {n.urgent && (
                    <Tag className='inbox__urgent' type='danger'>
                      紧急
                    </Tag>
                  )}
                </View>
                {n.body !== '' && <Text className='inbox__body'>{n.body}</Text>}
                <View className='inbox__foot'>
                  <Text className='inbox__time'>{formatTime(n.createdAt)}</Text>
                  {link !== undefined && <Text className='inbox__link'>查看需求 ›</Text>}
                </View>
              </View>
            );
          })}
        </View>
        <LoadMore list={list} />
      </PageState>
    </AppPage>
  );
}
