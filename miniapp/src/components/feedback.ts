import Taro from '@tarojs/taro';
import { DEFAULT_ERROR_MESSAGES } from '@bangbang/shared';
import { ApiError } from '../services/api';

/**
 * What a person is told when something fails: the server's Chinese message, or 「网络不给力，请重试」 — never a raw
 * error. Anything that is not an ApiError is a bug of ours: it is said in general terms rather than blamed on the
 * network.
 */
export function errorMessage(error: unknown): string {
  return error instanceof ApiError ? error.message : DEFAULT_ERROR_MESSAGES.INTERNAL;
}

/**
 * A failed action: a conflict (someone else was faster, the order moved on) is a dialog that must be read and
 * dismissed; anything else a toast.
 */
export function showError(error: unknown): void {
  const message = errorMessage(error);
  if (error instanceof ApiError && error.status === 409) {
    void Taro.showModal({ title: '提示', content: message, showCancel: false, confirmText: '知道了' });
    return;
  }
  void Taro.showToast({ title: message, icon: 'none', duration: 3000 });
}

export function showSuccess(title: string): void {
  void Taro.showToast({ title, icon: 'success', duration: 1500 });
}

/** Runs a person's action: a success toast when it went through, the failure told as `showError` tells it. */
export async function withFeedback(action: () => Promise<unknown>, success: string): Promise<boolean> {
  try {
    await action();
    showSuccess(success);
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}
