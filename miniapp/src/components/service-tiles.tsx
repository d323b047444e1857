import { Text, View } from '@tarojs/components';
import type { ServiceCategoryDto } from '@bangbang/shared';
import { TEAM_COLOR_HEX } from '../services/labels';
import { ServiceIcon } from './service-icon';
import './service-tiles.css';

/**
 * The services as coloured tiles, three to a row, in their team's colour, the picked one outlined: how staff choose
 * the service of an order they place for a resident (代下单, and a need found on a visit). One place for the tiles,
 * because a subpackage's page cannot share another subpackage's styles.
 */
export function ServiceTiles(props: { services: ServiceCategoryDto[]; picked: string | undefined; onPick: (service: ServiceCategoryDto) => void }) {
  return (
    <View className='service-tiles'>
      {props.services.map((c) => (
        <View
          key={c.code}
          className={`service-tile ${props.picked === c.code ? 'service-tile--picked' : ''}`}
          style={{ background: TEAM_COLOR_HEX[c.color] }}
          onClick={() => props.onPick(c)}
        >
          <ServiceIcon icon={c.icon} size={26} />
          <Text>{c.name}</Text>
        </View>
      ))}
    </View>
  );
}
