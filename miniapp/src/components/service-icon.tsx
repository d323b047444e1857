import {
  Articles,
  Ask,
  Cart,
  Comment,
  Designer,
  Doctor,
  Gardener,
  Health,
  Heart,
  Home,
  Phone,
  Plus,
  Repairman,
  Service,
  ShieldCheck,
  Store,
  Transit,
  VolumeMax,
} from '@nutui/icons-react-taro';
import type { ComponentType } from 'react';

type IconComponent = ComponentType<{ size?: string | number; color?: string; className?: string }>;

/** The catalogue's icon keys (service_category.icon) drawn with NutUI's icon set; an unknown key gets a generic one. */
const ICONS: Record<string, IconComponent> = {
  medicine: Health,
  cart: Cart,
  bowl: Store,
  syringe: Plus,
  hospital: Transit,
  heart: Heart,
  chat: Comment,
  wrench: Repairman,
  house: Home,
  scale: Ask,
  stethoscope: Doctor,
  scissors: Designer,
  wheat: Gardener,
  document: Articles,
  shield: ShieldCheck,
  phone: Phone,
  music: VolumeMax,
};

export function ServiceIcon({ icon, size = 32, color = '#ffffff' }: { icon: string; size?: number; color?: string }) {
  const Icon = ICONS[icon] ?? Service;
  return <Icon className='service-icon' size={size} color={color} />;
}
