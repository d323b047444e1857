import { View, Text } from '@tarojs/components';
import { Step, Steps } from '@nutui/nutui-react-taro';
import type { OrderEventDto } from '@bangbang/shared';
import { eventDetail, eventTitle, formatTime } from '../services/labels';

/** An order's timeline (`GET /orders/:id/events`), newest first: what happened, when, who and why. */
export function OrderTimeline({ events }: { events: readonly OrderEventDto[] }) {
  const newestFirst = [...events].reverse();
  return (
    <View className='order-timeline'>
      {/* every step already happened: all marked done */}
      <Steps direction='vertical' type='dot' value={newestFirst.length + 1}>
        {newestFirst.map((e, i) => (
          <Step
            key={e.seq}
            value={i + 1}
            title={
              <View className='order-timeline__title'>
                <Text className={e.type === 'dispatch' && e.data.overLevel === true ? 'order-timeline__over-level' : undefined}>{eventTitle(e)}</Text>
                <Text className='order-timeline__time'>{formatTime(e.at)}</Text>
              </View>
            }
            description={eventDetail(e)}
          />
        ))}
      </Steps>
    </View>
  );
}
