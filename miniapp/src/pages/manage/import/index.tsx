import { useState } from 'react';
import { Text, View } from '@tarojs/components';
import { Button, Radio } from '@nutui/nutui-react-taro';
import { IMPORT_COLUMNS, IMPORT_KIND_NAMES, IMPORT_KINDS, type ErrorDetail, type ImportKind, type ImportResultDto } from '@bangbang/shared';
import { errorMessage, showError } from '../../../components';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { StaffForm } from '../../../components/staff-form';
import { ApiError } from '../../../services/api';
import { downloadImportTemplate, importWorkbook } from '../../../services/endpoints';
import { useCurrentUser } from '../../../services/session';
import { chooseWorkbook, type PickedFile } from './choose-file';
import './index.css';

/** Problems shown in the table at most; the rest are counted (a wrong column in 10,000 rows is 10,000 lines). */
const SHOWN = 200;

function sizeOf(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

type Outcome = { kind: 'done'; result: ImportResultDto } | { kind: 'problems'; message: string; details: ErrorDetail[] } | { kind: 'failed'; message: string };

/**
 * 导入台账: staff bring their ledgers in from Excel — download the template (Chinese headers, 填写说明), fill it,
 * pick the file, 先检查 (every problem as row, column, message; nothing changes), then 导入. All or nothing: one
 * wrong row and nothing is imported. Grid workers import residents only.
 */
export default function ImportPage() {
  const me = useCurrentUser();
  const roles = me?.roles ?? [];
  const kinds: ImportKind[] = roles.includes('admin') || roles.includes('dispatcher') ? [...IMPORT_KINDS] : ['residents'];
  const [kind, setKind] = useState<ImportKind>('residents');
  const [file, setFile] = useState<PickedFile>();
  const [busy, setBusy] = useState<'' | 'template' | 'check' | 'import'>('');
  const [outcome, setOutcome] = useState<Outcome>();

  const pickKind = (k: ImportKind) => {
    setKind(k);
    setOutcome(undefined);
  };

  const template = async () => {
    setBusy('template');
    try {
      await downloadImportTemplate(kind);
    } catch (error) {
      showError(error);
    } finally {
      setBusy('');
    }
  };

  const pick = async () => {
    const picked = await chooseWorkbook();
    if (!picked) return;
    setFile(picked);
    setOutcome(undefined);
  };

  const send = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(dryRun ? 'check' : 'import');
    setOutcome(undefined);
    try {
      const result = await importWorkbook(kind, file.path, dryRun);
      // the counts say it: no toast over them
      setOutcome({ kind: 'done', result });
    } catch (error) {
      if (error instanceof ApiError && error.details.some((d) => d.row !== undefined || d.field === 'file')) {
        setOutcome({ kind: 'problems', message: error.message, details: error.details });
      } else {
        setOutcome({ kind: 'failed', message: errorMessage(error) });
        showError(error);
      }
    } finally {
      setBusy('');
    }
  };

  const required = IMPORT_COLUMNS[kind].filter((c) => c.required).map((c) => c.header);

  return (
    <StaffPage className='import-page'>
      <SectionTitle>导入台账</SectionTitle>
      <Hint>用 Excel 模板批量登记居民、志愿者和网格员。已登记的人按手机号（没有手机号时按身份证号）找到并更新，不会重复登记。</Hint>

      <View className='import-page__body'>
        <StaffForm className='import-page__steps'>
          <Text className='import-page__step'>1. 选择台账</Text>
          <Radio.Group className='staff-choice import-page__kinds' value={kind} direction='horizontal' onChange={(v) => pickKind(v as ImportKind)}>
            {kinds.map((k) => (
              <Radio key={k} value={k} shape='button'>
                {IMPORT_KIND_NAMES[k]}
              </Radio>
            ))}
          </Radio.Group>

          <Text className='import-page__step'>2. 下载模板，按“填写说明”填写</Text>
          <Hint className='import-page__hint'>
            必填：{required.join('、')}。模板中还有可选的地区列表{kind === 'volunteers' ? '和服务目录' : ''}。
          </Hint>
          <Button className='import-page__template' size='large' block loading={busy === 'template'} disabled={busy !== ''} onClick={() => void template()}>
            下载模板（{IMPORT_KIND_NAMES[kind]}）
          </Button>

          <Text className='import-page__step'>3. 选择填好的文件（.xlsx）</Text>
          <Button className='import-page__choose' size='large' block disabled={busy !== ''} onClick={() => void pick()}>
            {file ? '换一个文件' : '选择文件'}
          </Button>
          {file && (
            <Text className='import-page__file'>
              {file.name}（{sizeOf(file.size)}）
            </Text>
          )}

          <Text className='import-page__step'>4. 先检查，再导入</Text>
          <View className='import-page__actions'>
            <Button className='import-page__check' size='large' disabled={!file || busy !== ''} loading={busy === 'check'} onClick={() => void send(true)}>
              先检查
            </Button>
            <Button
              className='import-page__import'
              type='primary'
              size='large'
              disabled={!file || busy !== ''}
              loading={busy === 'import'}
              onClick={() => void send(false)}
            >
              导入
            </Button>
          </View>
          <Hint className='import-page__hint'>只要有一处错误，就不会导入任何数据；改正后重新选择文件再导入。</Hint>
        </StaffForm>

        <View className='import-page__outcome'>
          {outcome?.kind === 'done' && <Result result={outcome.result} />}
          {outcome?.kind === 'problems' && <Problems message={outcome.message} details={outcome.details} />}
          {outcome?.kind === 'failed' && <Text className='import-page__failed'>{outcome.message}</Text>}
        </View>
      </View>
    </StaffPage>
  );
}

function Result({ result }: { result: ImportResultDto }) {
  return (
    <View className={`import-page__result ${result.dryRun ? 'import-page__result--check' : ''}`}>
      <Text className='import-page__result-title'>
        {result.dryRun ? `检查通过：共 ${result.rows} 行，没有错误，可以导入` : `导入完成：共 ${result.rows} 行`}
      </Text>
      <View className='import-page__counts'>
        <Count label={result.dryRun ? '将新登记' : '新登记'} value={result.created} />
        <Count label={result.dryRun ? '将更新' : '已更新'} value={result.updated} />
        <Count label='无变化' value={result.unchanged} />
      </View>
      <Hint>工作表：{result.sheet}</Hint>
    </View>
  );
}

function Count({ label, value }: { label: string; value: number }) {
  return (
    <View className='import-page__count'>
      <Text className='import-page__count-value'>{value}</Text>
      <Text className='import-page__count-label'>{label}</Text>
    </View>
  );
}

function Problems({ message, details }: { message: string; details: ErrorDetail[] }) {
  const shown = details.slice(0, SHOWN);
  return (
    <View className='import-page__problems'>
      <Text className='import-page__problems-title'>{message}</Text>
      <View className='import-table'>
        <View className='import-table__row import-table__row--head'>
          <Text className='import-table__cell import-table__cell--row'>行</Text>
          <Text className='import-table__cell import-table__cell--column'>列</Text>
          <Text className='import-table__cell import-table__cell--message'>问题</Text>
        </View>
        {shown.map((d, i) => (
          <View key={`${d.row ?? 0}-${d.column ?? ''}-${i}`} className='import-table__row'>
            <Text className='import-table__cell import-table__cell--row'>{d.row ?? '—'}</Text>
            <Text className='import-table__cell import-table__cell--column'>{d.column ?? '文件'}</Text>
            <Text className='import-table__cell import-table__cell--message'>{d.message}</Text>
          </View>
        ))}
      </View>
      {details.length > shown.length && <Hint>另有 {details.length - shown.length} 处错误未列出：请先改正以上各处，再检查一次。</Hint>}
    </View>
  );
}
