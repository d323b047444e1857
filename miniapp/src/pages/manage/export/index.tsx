import { useState } from 'react';
import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import {
  EXPORT_KINDS,
  EXPORT_KIND_HAS_PERIOD,
  EXPORT_KIND_NAMES,
  ExportPeriodQuery,
  ExportPlaceQuery,
  validateDto,
  type ExportFormat,
  type ExportKind,
  type RegionHitDto,
} from '@bangbang/shared';
// the shared widgets first (their stylesheets before the workspace's), as every page imports them
import { PlacePicker, errorMessage } from '../../../components';
import { Hint, Section, SectionTitle, StaffPage } from '../../../components/staff-page';
import { PeriodPicker, defaultPeriod, periodRange, periodWords, type PeriodValue } from '../../../components/period-picker';
import { ApiError } from '../../../services/api';
import { downloadExport } from '../../../services/endpoints';
import './index.css';

/** What each ledger holds, in a line under its name. */
const KIND_NOTES: Record<ExportKind, string> = {
  'service-ledger': '时段内的每一件需求：居民、电话、地址、服务、派单、接单人、各环节时间、评价',
  'volunteer-hours': '本地区每位志愿者、网格员在时段内完成的服务次数、时长和评分',
  households: '有台账标签或包联干部的居民：标签、包联干部、家属联系人',
  stats: '本地区合计与每个下级地区：需求数、服务居民、时长、按时率、评分…',
};

const IS_H5 = process.env.TARO_ENV === 'h5';

/**
 * 导出台账: choose the ledger (服务台账, 志愿服务时长, 重点人员台账, 分地区统计), the place (default: all of my
 * jurisdiction) and the period, then 下载. Checked with the shared DTO before asking; the server's messages shown
 * beside the field they are about. In the browser the file is saved (Excel or CSV); in WeChat the Excel file opens,
 * with the menu to forward or save it.
 */
export default function ManageExport() {
  const [kind, setKind] = useState<ExportKind>('service-ledger');
  const [place, setPlace] = useState<RegionHitDto>();
  const [picking, setPicking] = useState(false);
  const [period, setPeriod] = useState<PeriodValue>(() => ({ ...defaultPeriod(), key: 'last-month' }));
  const [format, setFormat] = useState<ExportFormat>('xlsx');
  const [busy, setBusy] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState('');

  const hasPeriod = EXPORT_KIND_HAS_PERIOD[kind];
  const query = { ...(place ? { regionId: place.id } : {}), ...(hasPeriod ? periodRange(period) : {}) };
  const checked = hasPeriod ? validateDto(ExportPeriodQuery, query) : validateDto(ExportPlaceQuery, query);
  const errors: Record<string, string> = { ...serverErrors, ...(checked.ok ? {} : Object.fromEntries(checked.details.map((d) => [d.field, d.message]))) };

  const run = async () => {
    if (!checked.ok) return;
    setBusy(true);
    setServerErrors({});
    setDone('');
    try {
      const name = await downloadExport(kind, format, query);
      setDone(`已导出：${name}`);
    } catch (error) {
      if (error instanceof ApiError && error.details.length > 0) setServerErrors(Object.fromEntries(error.details.map((d) => [d.field, d.message])));
      void Taro.showToast({ title: errorMessage(error), icon: 'none', duration: 3000 });
    } finally {
      setBusy(false);
    }
  };

  return (
    <StaffPage className='manage-export'>
      <View className='manage-export__columns'>
        <View className='manage-export__column'>
          <SectionTitle>台账</SectionTitle>
          <Section>
            <View className='manage-export__kinds'>
              {EXPORT_KINDS.map((k) => (
                <View
                  key={k}
                  className={`manage-export__kind manage-export__kind--${k} ${kind === k ? 'manage-export__kind--on' : ''}`}
                  onClick={() => setKind(k)}
                >
                  <Text className='manage-export__kind-name'>{EXPORT_KIND_NAMES[k]}</Text>
                  <Text className='manage-export__kind-note'>{KIND_NOTES[k]}</Text>
                </View>
              ))}
            </View>
          </Section>
        </View>

        <View className='manage-export__column'>
          <SectionTitle>地区</SectionTitle>
          <Section>
            <View className='manage-export__place'>
              <Text className='manage-export__place-name'>{place ? place.label : '我管辖的全部地区'}</Text>
              <Button className='manage-export__pick' size='small' onClick={() => setPicking(!picking)}>
                {picking ? '收起' : '选择地区'}
              </Button>
            </View>
            {picking && (
              <PlacePicker
                anyLevel
                onPick={(hit) => {
                  setPlace(hit);
                  setPicking(false);
                  setServerErrors({});
                }}
              />
            )}
            {errors.regionId && <Text className='manage-export__error'>{errors.regionId}</Text>}
          </Section>

          {hasPeriod && (
            <>
              <SectionTitle>时间段</SectionTitle>
              <Section>
                <PeriodPicker value={period} onChange={(p) => (setPeriod(p), setServerErrors({}))} errors={{ from: errors.from, to: errors.to }} />
              </Section>
            </>
          )}

          <SectionTitle>格式</SectionTitle>
          <Section>
            <View className='manage-export__formats'>
              <View className={`manage-export__format ${format === 'xlsx' ? 'manage-export__format--on' : ''}`} onClick={() => setFormat('xlsx')}>
                <Text>Excel（.xlsx）</Text>
              </View>
              {IS_H5 && (
                <View className={`manage-export__format ${format === 'csv' ? 'manage-export__format--on' : ''}`} onClick={() => setFormat('csv')}>
                  <Text>CSV</Text>
                </View>
              )}
            </View>
          </Section>

          <Section>
            <Button className='manage-export__go' type='primary' size='large' block loading={busy} disabled={busy || !checked.ok} onClick={() => void run()}>
              {`下载${EXPORT_KIND_NAMES[kind]}`}
            </Button>
            <Hint>
              {hasPeriod ? `${periodWords(period)}（北京时间）。` : ''}
              时间均为北京时间；电话按您的查看权限显示；每次导出都会记入访问记录。{IS_H5 ? '' : '微信中导出后直接打开，可转发或保存。'}
            </Hint>
            {done !== '' && <Text className='manage-export__done'>{done}</Text>}
          </Section>
        </View>
      </View>
    </StaffPage>
  );
}
