import type { PropsWithChildren } from 'react';
import Taro from '@tarojs/taro';
import { Image, Text, View } from '@tarojs/components';
import './photo-tiles.css';

/**
 * Up to `count` photos taken or chosen on the phone (compressed), as local paths to upload; empty when the person
 * closed the picker.
 */
export async function choosePhotos(count: number): Promise<string[]> {
  try {
    const chosen = await Taro.chooseImage({ count, sizeType: ['compressed'], sourceType: ['camera', 'album'] });
    return chosen.tempFilePaths.slice(0, count);
  } catch {
    return []; // the person closed the picker
  }
}

/** Photos side by side, wrapping: a service's photos, a shop item's picture. */
export function PhotoRow({ children }: PropsWithChildren) {
  return <View className='staff-photos'>{children}</View>;
}

/** One photo as a square tile; with `onRemove`, a 移除 corner to take it away before the form is sent. */
export function PhotoTile({ src, onRemove, className = '' }: { src: string; onRemove?: () => void; className?: string }) {
  return (
    <View className={`staff-photo ${className}`}>
      <Image src={src} mode='aspectFill' style={{ width: '100%', height: '100%' }} />
      {onRemove && (
        <Text className='staff-photo__remove' onClick={onRemove}>
          ×
        </Text>
      )}
    </View>
  );
}

/** The dashed tile that takes a photo or picks one from the album; says 上传中… while one is being uploaded. */
export function AddPhotoTile({ busy, onAdd, className = '' }: { busy: boolean; onAdd: () => void; className?: string }) {
  return (
    <View className={`staff-photo staff-photo--add ${className}`} onClick={() => (busy ? undefined : onAdd())}>
      <Text>{busy ? '上传中…' : '＋ 拍照/选图'}</Text>
    </View>
  );
}
