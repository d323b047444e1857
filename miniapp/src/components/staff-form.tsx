import type { ReactNode } from 'react';
import { Text, View } from '@tarojs/components';
import { TextArea, type TextAreaProps } from '@nutui/nutui-react-taro';
import './staff-form.css';

/** A form on a white card (完成服务, 代下单): labels over their fields, the buttons at the end. */
export function StaffForm({ className, children }: { className?: string; children: ReactNode }) {
  return <View className={className ? `staff-form ${className}` : 'staff-form'}>{children}</View>;
}

/** The label over a field of a StaffForm. */
export function FormLabel({ children }: { children: ReactNode }) {
  return <Text className='staff-form__label'>{children}</Text>;
}

/** A text box of a StaffForm, outlined. */
export function FormTextArea({ className, ...props }: Partial<TextAreaProps>) {
  return <TextArea {...props} className={className ? `staff-form__text ${className}` : 'staff-form__text'} />;
}
