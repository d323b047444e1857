import Taro from '@tarojs/taro';

/** A workbook the person picked: where it is (a temp path in WeChat, a blob: URL in a browser) and its name. */
export interface PickedFile {
  path: string;
  name: string;
  size: number;
}

/**
 * Lets the person pick an .xlsx file. In WeChat a file comes from a chat (`chooseMessageFile`: a ledger is usually
 * sent from a PC to oneself); in a browser from the computer, through a file input made for the tap (a browser
 * opens its file dialog only inside the tap that asked). Resolves undefined when the person cancels.
 */
export function chooseWorkbook(): Promise<PickedFile | undefined> {
  if (process.env.TARO_ENV === 'h5') {
    return new Promise((resolve) => {
      const input = document.createElement('input');
      input.type = 'file';
      input.accept = '.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
      input.style.display = 'none';
      input.addEventListener('change', () => {
        const file = input.files?.[0];
        input.remove();
        resolve(file ? { path: URL.createObjectURL(file), name: file.name, size: file.size } : undefined);
      });
      input.addEventListener('cancel', () => {
        input.remove();
        resolve(undefined);
      });
      document.body.appendChild(input);
      input.click();
    });
  }
  return Taro.chooseMessageFile({ count: 1, type: 'file', extension: ['xlsx'] }).then(
    (res) => {
      const file = res.tempFiles[0];
      return file ? { path: file.path, name: file.name, size: file.size } : undefined;
    },
    () => undefined,
  );
}
