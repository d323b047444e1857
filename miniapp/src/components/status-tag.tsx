import { Tag } from '@nutui/nutui-react-taro';
import { type OrderStatus, type Urgency } from '@bangbang/shared';
import { STATUS_TAG_TYPE, statusName, urgencyName } from '../services/labels';

/** An order's status as a coloured tag (待接单, 已接单, 服务中, 待确认 …). */
export function StatusTag({ status }: { status: OrderStatus }) {
  return (
    <Tag className='status-tag' type={STATUS_TAG_TYPE[status]}>
      {statusName(status)}
    </Tag>
  );
}

/** 紧急 in red; nothing for a normal order (fewer things to read). */
export function UrgencyTag({ urgency }: { urgency: Urgency }) {
  if (urgency !== 'urgent') return null;
  return (
    <Tag className='status-tag' type='danger' plain>
      {urgencyName(urgency)}
    </Tag>
  );
}
