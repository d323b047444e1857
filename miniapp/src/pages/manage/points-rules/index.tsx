import { useState } from 'react';
import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Input, Radio } from '@nutui/nutui-react-taro';
import { PointsRuleInputDto, type PointsRuleDto } from '@bangbang/shared';
import { PageState, firstLoad, showError, showSuccess, useLoader } from '../../../components';
import { FieldError, FormProblem, useFieldErrors } from '../../../components/field-errors';
import { FormLabel, StaffForm } from '../../../components/staff-form';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { getPointsRules, listServiceCategories, removePointsRule, setPointsRule } from '../../../services/endpoints';
import { useCurrentUser } from '../../../services/session';
import '../../points/points.css';

/** A whole number typed in a box; anything else goes to the DTO as typed, which names the field. */
function int(text: string): number {
  const t = text.trim();
  return (/^-?\d+$/.test(t) ? Number(t) : t) as number;
}

function describe(r: PointsRuleDto): string {
  return `基础 ${r.base} 分 + 每小时 ${r.perHour} 分 + ${r.goodRatingMin} 星及以上好评 ${r.goodRatingBonus} 分`;
}

const DEFAULT = 'default';

/**
 * 积分规则 (admins set them; every staff member may read them): the default rule and the services with their own. A
 * confirmed order earns each person who served it 基础分 + 每小时分 × 服务时长 + 好评奖励. Projects carry their own rule.
 */
export default function PointsRules() {
  const me = useCurrentUser();
  const isAdmin = (me?.roles ?? []).includes('admin');
  const rules = useLoader(() => getPointsRules(), []);
  const services = useLoader(async () => (await listServiceCategories()).items, []);
  const [code, setCode] = useState<string>(DEFAULT);
  const [d, setD] = useState({ base: '', perHour: '', goodRatingBonus: '', goodRatingMin: '5' });
  const [saving, setSaving] = useState(false);
  const form = useFieldErrors({ base: '基础积分', perHour: '每小时积分', goodRatingBonus: '好评奖励积分', goodRatingMin: '好评标准' });

  const pick = (next: string) => {
    setCode(next);
    form.clear();
    const r = next === DEFAULT ? rules.data?.default : (rules.data?.overrides.find((o) => o.categoryCode === next) ?? rules.data?.default);
    if (r) setD({ base: String(r.base), perHour: String(r.perHour), goodRatingBonus: String(r.goodRatingBonus), goodRatingMin: String(r.goodRatingMin) });
  };

  const save = async () => {
    const body = { base: int(d.base), perHour: int(d.perHour), goodRatingBonus: int(d.goodRatingBonus), goodRatingMin: int(d.goodRatingMin) };
    if (!form.check(PointsRuleInputDto, body)) return;
    setSaving(true);
    try {
      await setPointsRule(code === DEFAULT ? null : code, body);
      showSuccess('已保存');
      await rules.reload();
    } catch (error) {
      form.take(error);
    } finally {
      setSaving(false);
    }
  };

  const remove = async (c: string) => {
    const { confirm } = await Taro.showModal({ title: '改用默认规则', content: '删除这项服务单独的积分规则？', confirmText: '删除' });
    if (!confirm) return;
    try {
      await removePointsRule(c);
      showSuccess('已改用默认规则');
      await rules.reload();
    } catch (error) {
      showError(error);
    }
  };

  const r = rules.data;
  const overridden = new Set(r?.overrides.map((o) => o.categoryCode));
  return (
    <StaffPage className='manage-points-rules'>
      <PageState {...firstLoad(rules)}>
        {r && (
          <View>
            <SectionTitle>默认规则</SectionTitle>
            <View className='points-card manage-points-rules__default'>
              <Text className='points-card__title'>{describe(r.default)}</Text>
            </View>
            <SectionTitle>单独设置的服务</SectionTitle>
            {r.overrides.length === 0 && <Hint>所有服务都按默认规则。</Hint>}
            {r.overrides.map((o) => (
              <View key={o.categoryCode ?? DEFAULT} className='points-card manage-points-rules__override'>
                <View className='points-card__main'>
                  <Text className='points-card__title'>{o.categoryName}</Text>
                  <Text className='points-card__sub'>{describe(o)}</Text>
                </View>
                {isAdmin && (
                  <Button size='small' onClick={() => void remove(o.categoryCode!)}>
                    删除
                  </Button>
                )}
              </View>
            ))}
            <Hint>只影响此后居民确认的需求；项目的积分在项目上设置。需求确认后 7 天内被重新打开，积分扣回。</Hint>

            {isAdmin ? (
              <StaffForm>
                <FormLabel>设置哪一项</FormLabel>
                <Radio.Group className='staff-choice manage-points-rules__which' value={code} direction='horizontal' onChange={(v) => pick(String(v))}>
                  <Radio value={DEFAULT} shape='button'>
                    默认规则
                  </Radio>
                  {(services.data ?? []).map((s) => (
                    <Radio key={s.code} value={s.code} shape='button'>
                      {s.name}
                      {overridden.has(s.code) ? '*' : ''}
                    </Radio>
                  ))}
                </Radio.Group>
                <FormLabel>基础积分</FormLabel>
                <Input className='manage-points-rules__base' type='number' value={d.base} onChange={(v) => setD({ ...d, base: v })} />
                <FieldError errors={form} field='base' />
                <FormLabel>每小时积分（按签到到完成的时长）</FormLabel>
                <Input className='manage-points-rules__per-hour' type='number' value={d.perHour} onChange={(v) => setD({ ...d, perHour: v })} />
                <FieldError errors={form} field='perHour' />
                <FormLabel>好评奖励积分</FormLabel>
                <Input className='manage-points-rules__bonus' type='number' value={d.goodRatingBonus} onChange={(v) => setD({ ...d, goodRatingBonus: v })} />
                <FieldError errors={form} field='goodRatingBonus' />
                <FormLabel>好评标准（几星及以上）</FormLabel>
                <Input className='manage-points-rules__min' type='number' value={d.goodRatingMin} onChange={(v) => setD({ ...d, goodRatingMin: v })} />
                <FieldError errors={form} field='goodRatingMin' />
                <FormProblem errors={form} />
                <Button
                  className='manage-points-rules__submit'
                  type='primary'
                  size='large'
                  block
                  loading={saving}
                  disabled={saving}
                  onClick={() => void save()}
                >
                  保存
                </Button>
              </StaffForm>
            ) : (
              <Hint>积分规则由管理员设置。</Hint>
            )}
          </View>
        )}
      </PageState>
    </StaffPage>
  );
}
