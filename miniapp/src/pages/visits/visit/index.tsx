import { useState } from 'react';
import Taro, { useRouter } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Checkbox, Radio } from '@nutui/nutui-react-taro';
import {
  RecordVisitDto,
  URGENCY_NAMES,
  VISIT_CONDITIONS,
  VISIT_CONDITION_NAMES,
  type ServiceCategoryDto,
  type Urgency,
  type VisitCondition,
  type VisitDto,
} from '@bangbang/shared';
import { PageState, firstLoad, showError, showSuccess, useLoader } from '../../../components';
import { whereAmI } from '../../../components/order-actions';
import { FieldError, FormProblem, useFieldErrors } from '../../../components/field-errors';
import { FormLabel, FormTextArea, StaffForm } from '../../../components/staff-form';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { VisitCard } from '../../../components/visit-card';
import { ServiceTiles } from '../../../components/service-tiles';
import { checkInVisit, getVisit, listServiceCategories, recordVisit } from '../../../services/endpoints';
import { formatDistance, formatTime } from '../../../services/labels';
import { useCurrentUser } from '../../../services/session';
import './index.css';

const LABELS = { condition: '居民状况', note: '情况说明', need: '发现的需求' };

/**
 * 走访 at the door: 签到 with the phone's location (far or without one it still counts, marked, as for an order's
 * check-in), then the record — how the household is (良好 / 需要关注 / 情况紧急) and what was seen — and, when they
 * need something, the service from the catalogue and a word: 提交 writes the record and orders it on their behalf in
 * one step; the order then waits on the board like any other. Checked with the shared DTO before sending; the
 * server's refusals shown beside their fields.
 */
export default function Visit() {
  const { params } = useRouter();
  const id = params.id ?? '';
  const me = useCurrentUser();
  const visit = useLoader(() => getVisit(id), [id]);
  const categories = useLoader(listServiceCategories, []);
  const [busy, setBusy] = useState(false);
  const [condition, setCondition] = useState<VisitCondition>();
  const [note, setNote] = useState('');
  const [needed, setNeeded] = useState(false);
  const [category, setCategory] = useState<ServiceCategoryDto>();
  const [description, setDescription] = useState('');
  const [urgency, setUrgency] = useState<Urgency>('normal');
  const errors = useFieldErrors(LABELS);

  const v = visit.data;
  const staff = (me?.roles ?? []).some((r) => r === 'grid_worker' || r === 'dispatcher' || r === 'admin');

  const checkIn = async () => {
    setBusy(true);
    try {
      const at = await whereAmI();
      visit.setData(await checkInVisit(id, at));
      showSuccess(at ? '已签到' : '已签到（未获取到位置）');
    } catch (error) {
      showError(error);
      void visit.reload();
    } finally {
      setBusy(false);
    }
  };

  const submit = async () => {
    const body = {
      condition,
      ...(note.trim() ? { note: note.trim() } : {}),
      ...(needed ? { need: { categoryCode: category?.code ?? '', description: description.trim(), urgency } } : {}),
    };
    if (!errors.check(RecordVisitDto, body)) return;
    setBusy(true);
    try {
      const done: VisitDto = await recordVisit(id, body as RecordVisitDto);
      errors.clear();
      visit.setData(done);
      showSuccess(done.orderId ? '已记录，需求已代为下单' : '走访已记录');
    } catch (error) {
      errors.take(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <StaffPage className='visit'>
      <PageState {...firstLoad(visit)}>
        {v && (
          <View>
            <VisitCard visit={v} />
            {v.checkedInAt && (
              <Text className='visit__line visit__checked-in'>
                {formatTime(v.checkedInAt)} 签到
                {v.checkInDistance !== null ? ` · 距居民家 ${formatDistance(v.checkInDistance)}` : ''}
                {v.farCheckIn ? (v.checkInDistance === null ? ' · 未获取到位置' : ' · 距离较远') : ''}
              </Text>
            )}

            {v.checkedInAt === null && v.doneAt === null && (
              <View className='visit__actions'>
                <Button className='visit__check-in' type='primary' size='large' block loading={busy} disabled={busy} onClick={() => void checkIn()}>
                  到门口了，签到
                </Button>
                <Hint>签到会记录您与居民住址的距离；获取不到位置也可以签到。</Hint>
              </View>
            )}

            {v.checkedInAt !== null && v.doneAt === null && (
              <StaffForm className='visit__form'>
                <SectionTitle>走访记录</SectionTitle>
                <FormLabel>居民状况</FormLabel>
                <Radio.Group
                  className='staff-choice visit__condition'
                  value={condition}
                  direction='horizontal'
                  onChange={(x) => {
                    setCondition(x as VisitCondition);
                    errors.clear();
                  }}
                >
                  {VISIT_CONDITIONS.map((c) => (
                    <Radio key={c} value={c} shape='button'>
                      {VISIT_CONDITION_NAMES[c]}
                    </Radio>
                  ))}
                </Radio.Group>
                <FieldError errors={errors} field='condition' />

                <FormLabel>情况说明（可不填）</FormLabel>
                <FormTextArea className='visit__note' value={note} maxLength={500} placeholder='身体、生活、住房等情况' onChange={setNote} />
                <FieldError errors={errors} field='note' />

                <View className='visit__need'>
                  <Checkbox className='visit__need-switch' checked={needed} onChange={setNeeded} label='发现需求，代居民下单' />
                </View>
                {needed && (
                  <View>
                    <FormLabel>需要什么服务</FormLabel>
                    <PageState {...firstLoad(categories)}>
                      <ServiceTiles services={(categories.data?.items ?? []).filter((c) => c.active)} picked={category?.code} onPick={setCategory} />
                    </PageState>
                    <FieldError errors={errors} field='need.categoryCode' />
                    <FormLabel>需要什么帮助</FormLabel>
                    <FormTextArea
                      className='visit__need-description'
                      value={description}
                      maxLength={500}
                      placeholder='例如：降压药快吃完了，需要帮忙取药'
                      onChange={setDescription}
                    />
                    <FieldError errors={errors} field='need.description' />
                    <FormLabel>紧急程度</FormLabel>
                    <Radio.Group className='staff-choice' value={urgency} direction='horizontal' onChange={(x) => setUrgency(x as Urgency)}>
                      {(Object.keys(URGENCY_NAMES) as Urgency[]).map((u) => (
                        <Radio key={u} value={u} shape='button'>
                          {URGENCY_NAMES[u]}
                        </Radio>
                      ))}
                    </Radio.Group>
                    <FieldError errors={errors} field='need.urgency' />
                  </View>
                )}
                <FormProblem errors={errors} />
                <Button className='visit__submit' type='primary' size='large' block loading={busy} disabled={busy} onClick={() => void submit()}>
                  {needed && category ? `提交记录并代为下单：${category.name}` : '提交走访记录'}
                </Button>
              </StaffForm>
            )}

            {v.doneAt !== null && (
              <View className='visit__actions'>
                <Text className='visit__line visit__done'>
                  {formatTime(v.doneAt)} 已走访{v.late ? '（逾期补访）' : ''}
                </Text>
                {v.orderId && staff && (
                  <Button
                    className='visit__order'
                    block
                    size='large'
                    onClick={() => void Taro.navigateTo({ url: `/pages/dispatch/order/index?id=${v.orderId}` })}
                  >
                    查看代下的需求
                  </Button>
                )}
                {v.orderId && !staff && <Hint>发现的需求已代为下单，社区会安排人员服务。</Hint>}
              </View>
            )}
          </View>
        )}
      </PageState>
    </StaffPage>
  );
}
