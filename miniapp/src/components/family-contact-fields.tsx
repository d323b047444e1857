import type { ReactNode } from 'react';
import { Input, Radio } from '@nutui/nutui-react-taro';
import { FAMILY_RELATIONS, FAMILY_RELATION_NAMES, type FamilyRelation } from '@bangbang/shared';

export interface FamilyContactValue {
  name: string;
  relation: FamilyRelation;
  phone: string;
}

/**
 * One family contact's fields (姓名, 关系, 手机号), as registering a person and a person's screen both ask for them.
 * `classPrefix` names the inputs (`<prefix>__family-name`, `…-relation`, `…-phone`) for each screen's styles; `below`
 * puts what a field needs under it (its error message).
 */
export function FamilyContactFields({
  value,
  onChange,
  classPrefix,
  inputClassName,
  below = {},
}: {
  value: FamilyContactValue;
  onChange: (patch: Partial<FamilyContactValue>) => void;
  classPrefix: string;
  inputClassName: string;
  below?: { name?: ReactNode; phone?: ReactNode };
}) {
  return (
    <>
      <Input
        className={`${inputClassName} ${classPrefix}__family-name`}
        value={value.name}
        maxLength={40}
        placeholder='家属姓名'
        onChange={(name) => onChange({ name })}
      />
      {below.name}
      <Radio.Group
        className={`staff-choice ${classPrefix}__family-relation`}
        value={value.relation}
        direction='horizontal'
        onChange={(v) => onChange({ relation: v as FamilyRelation })}
      >
        {FAMILY_RELATIONS.map((r) => (
          <Radio key={r} value={r} shape='button'>
            {FAMILY_RELATION_NAMES[r]}
          </Radio>
        ))}
      </Radio.Group>
      <Input
        className={`${inputClassName} ${classPrefix}__family-phone`}
        type='tel'
        maxLength={11}
        value={value.phone}
        placeholder='家属的 11 位手机号码'
        onChange={(phone) => onChange({ phone })}
      />
      {below.phone}
    </>
  );
}
