import { OrderAssignment, OrderEvent, ServiceOrder } from '../modules/orders/order.entity';
import { ServiceCategory } from '../modules/catalogue/service-category.entity';
import { Region } from '../modules/regions/region.entity';
import { Squad, SquadMember } from '../modules/squads/squad.entity';
import { User } from '../modules/users/user.entity';

/** Every entity, listed explicitly (no globs), so what TypeORM knows is what this file says. */
export const entities = [Region, ServiceCategory, User, Squad, SquadMember, ServiceOrder, OrderAssignment, OrderEvent];
