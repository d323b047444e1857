import { useState } from 'react';
import { Image, Text, View } from '@tarojs/components';
import { Button, Input, Switch } from '@nutui/nutui-react-taro';
import { CreateShopItemDto, type RegionHitDto, type ShopItemDto } from '@bangbang/shared';
import { AddPhotoTile, PageState, choosePhotos, PhotoRow, PhotoTile, PlacePicker, firstLoad, showError, showSuccess, useLoader } from '../../../components';
import { FieldError, FormProblem, useFieldErrors } from '../../../components/field-errors';
import { FormLabel, StaffForm } from '../../../components/staff-form';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { assetUrl } from '../../../services/api';
import { createShopItem, getShop, updateShopItem, uploadPhoto } from '../../../services/endpoints';
import { useCurrentUser } from '../../../services/session';
import '../../points/points.css';

/** A whole number typed in a box; anything else goes to the DTO as typed, which names the field. */
function int(text: string): number {
  const t = text.trim();
  return (/^-?\d+$/.test(t) ? Number(t) : t) as number;
}

/** A picture from the camera or the album, uploaded at once: its address, or undefined when the picker was closed. */
async function pickPicture(): Promise<string | undefined> {
  const [local] = await choosePhotos(1);
  return local === undefined ? undefined : (await uploadPhoto(local)).url;
}

/** The community a picked place belongs to: itself, or a grid's parent. */
function communityOf(hit: RegionHitDto): { id: string; name: string } | undefined {
  if (hit.level === 'community') return { id: hit.id, name: hit.name };
  if (hit.level === 'grid' && hit.pathIds.length >= 2) return { id: hit.pathIds.at(-2)!, name: hit.pathNames.at(-2)! };
  return undefined;
}

/**
 * 积分超市商品 (community staff: the dispatchers and admins whose area covers the community): the items of a
 * community's shop — put one on the shelf (name, points, stock, a picture residents recognise), add stock (入库),
 * change its picture, take one off the shelf. Checked by
 * the DTO the server checks with; the server's answer beside its field.
 */
export default function ShopItems() {
  const me = useCurrentUser();
  const [picked, setPicked] = useState<RegionHitDto>();
  const community = picked ? communityOf(picked) : undefined;
  const items = useLoader(async () => (community ? (await getShop({ communityId: community.id, all: 'true' })).items : []), [community?.id]);
  const [draft, setDraft] = useState<{ name: string; price: string; stock: string; pictureUrl?: string }>({ name: '', price: '', stock: '' });
  /** The item whose picture is being uploaded ('new' for the form's), or undefined. */
  const [uploading, setUploading] = useState<string>();
  const [adding, setAdding] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const form = useFieldErrors({ name: '商品名称', price: '所需积分', stock: '库存', communityId: '社区', pictureUrl: '商品图片' });

  /** Picks and uploads a picture for the form ('new') or an item on the shelf, then does `use` with its address. */
  const withPicture = async (key: string, use: (url: string) => Promise<void> | void) => {
    setUploading(key);
    try {
      const url = await pickPicture();
      if (url !== undefined) await use(url);
    } catch (error) {
      showError(error);
    } finally {
      setUploading(undefined);
    }
  };

  const create = async () => {
    if (!community) return;
    const body = {
      communityId: community.id,
      name: draft.name.trim(),
      price: int(draft.price),
      stock: int(draft.stock),
      ...(draft.pictureUrl !== undefined ? { pictureUrl: draft.pictureUrl } : {}),
    };
    if (!form.check(CreateShopItemDto, body)) return;
    setSaving(true);
    try {
      await createShopItem(body);
      showSuccess('已上架');
      form.clear();
      setDraft({ name: '', price: '', stock: '' });
      await items.reload();
    } catch (error) {
      form.take(error);
    } finally {
      setSaving(false);
    }
  };

  const change = async (item: ShopItemDto, patch: { stockChange?: number; active?: boolean; pictureUrl?: string }) => {
    try {
      await updateShopItem(item.id, patch);
      showSuccess(patch.stockChange !== undefined ? '库存已更新' : patch.pictureUrl !== undefined ? '图片已更换' : patch.active ? '已上架' : '已下架');
      setAdding({ ...adding, [item.id]: '' });
      await items.reload();
    } catch (error) {
      showError(error);
    }
  };

  const canKeep = (me?.roles ?? []).some((r) => r === 'dispatcher' || r === 'admin');
  return (
    <StaffPage className='manage-shop-items'>
      <SectionTitle>积分超市商品</SectionTitle>
      {!canKeep ? (
        <Hint>积分超市由社区（街道、旗县）的调度员和管理员管理；兑换的核销在「兑换核销」。</Hint>
      ) : (
        <View>
          <Hint>选择社区：</Hint>
          <PlacePicker picked={picked} onPick={setPicked} anyLevel />
          {picked && !community && <Hint>请选择一个社区（或它的一个网格）。</Hint>}
          {community && (
            <PageState {...firstLoad(items)}>
              <SectionTitle>{community.name}</SectionTitle>
              {(items.data ?? []).length === 0 && <Hint>还没有商品。</Hint>}
              {(items.data ?? []).map((item) => (
                <View key={item.id} className='points-card manage-shop-item'>
                  {item.pictureUrl !== null && <Image className='manage-shop-item__picture' src={assetUrl(item.pictureUrl)} mode='aspectFill' />}
                  <View className='points-card__main'>
                    <Text className='points-card__title'>
                      {item.name}
                      {item.active ? '' : '（已下架）'}
                    </Text>
                    <Text className='points-card__sub'>
                      {item.price} 分 · 库存 {item.stock}
                    </Text>
                    <View className='points-card__actions'>
                      <Input
                        className='manage-shop-item__add'
                        type='number'
                        placeholder='入库数量'
                        value={adding[item.id] ?? ''}
                        onChange={(v) => setAdding({ ...adding, [item.id]: v })}
                      />
                      <Button size='small' onClick={() => void change(item, { stockChange: int(adding[item.id] ?? '') })}>
                        入库
                      </Button>
                      <Button
                        className='manage-shop-item__picture-change'
                        size='small'
                        loading={uploading === item.id}
                        disabled={uploading !== undefined}
                        onClick={() => void withPicture(item.id, (url) => change(item, { pictureUrl: url }))}
                      >
                        {item.pictureUrl === null ? '加图片' : '换图片'}
                      </Button>
                    </View>
                  </View>
                  <Switch checked={item.active} onChange={(v) => void change(item, { active: v })} />
                </View>
              ))}

              <SectionTitle>上架新商品</SectionTitle>
              <StaffForm>
                <FormLabel>商品名称</FormLabel>
                <Input
                  className='manage-shop-items__name'
                  value={draft.name}
                  maxLength={40}
                  placeholder='如：洗衣液'
                  onChange={(v) => setDraft({ ...draft, name: v })}
                />
                <FieldError errors={form} field='name' />
                <FormLabel>所需积分</FormLabel>
                <Input className='manage-shop-items__price' type='number' value={draft.price} onChange={(v) => setDraft({ ...draft, price: v })} />
                <FieldError errors={form} field='price' />
                <FormLabel>库存（件）</FormLabel>
                <Input className='manage-shop-items__stock' type='number' value={draft.stock} onChange={(v) => setDraft({ ...draft, stock: v })} />
                <FieldError errors={form} field='stock' />
                <FormLabel>商品图片（可选，居民一看就认得）</FormLabel>
                <PhotoRow>
                  {draft.pictureUrl !== undefined ? (
                    <PhotoTile
                      className='manage-shop-items__picture'
                      src={assetUrl(draft.pictureUrl)}
                      onRemove={() => setDraft({ ...draft, pictureUrl: undefined })}
                    />
                  ) : (
                    <AddPhotoTile
                      busy={uploading !== undefined}
                      onAdd={() => void withPicture('new', (url) => setDraft((now) => ({ ...now, pictureUrl: url })))}
                    />
                  )}
                </PhotoRow>
                <FieldError errors={form} field='pictureUrl' />
                <FormProblem errors={form} />
                <Button
                  className='manage-shop-items__submit'
                  type='primary'
                  size='large'
                  block
                  loading={saving}
                  disabled={saving || uploading !== undefined}
                  onClick={() => void create()}
                >
                  上架
                </Button>
              </StaffForm>
            </PageState>
          )}
        </View>
      )}
    </StaffPage>
  );
}
