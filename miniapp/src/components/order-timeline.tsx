import { View, Text } from '@tarojs/components';
import { Step, Steps } from '@nutui/nutui-react-taro';
import type { OrderEventDto } from '@bangbang/shared';
import { eventDetail, eventTitle, formatTime, plainEventDetail, plainEventTitle } from '../services/labels';

/**
 * An order's timeline (`GET /orders/:id/events`), newest first: what happened, when, who and why. `plain`: the
 * resident's and family's words (see plainEventTitle); without it, the precise words staff and volunteers work with.
 */
export function OrderTimeline({ events, plain = false }: { events: readonly OrderEventDto[]; plain?: boolean }) {
  const newestFirst = [...events].reverse();
  const title = plain ? plainEventTitle : eventTitle;
  const detail = plain ? plainEventDetail : eventDetail;
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
                <Text className={!plain && e.type === 'dispatch' && e.data.overLevel === true ? 'order-timeline__over-level' : undefined}>{title(e)}</Text>
                <Text className='order-timeline__time'>{formatTime(e.at)}</Text>
              </View>
            }
            description={detail(e)}
          />
        ))}
      </Steps>
    </View>
  );
}
