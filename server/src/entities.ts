import { ServiceCategory } from './modules/catalogue/service-category.entity';
import { OrderAssignment, OrderEvent, ServiceOrder } from './modules/orders/order.entity';
import { Region } from './modules/regions/region.entity';
import { Squad, SquadMember } from './modules/squads/squad.entity';
import { FamilyContact } from './modules/users/family-contact.entity';
import { User } from './modules/users/user.entity';

/**
 * Every entity, listed explicitly (no globs), so what TypeORM knows is what this file says. Composed here, above
 * the modules, and handed to `createDataSource`: db/ knows no module.
 */
export const entities = [Region, ServiceCategory, User, Squad, SquadMember, ServiceOrder, OrderAssignment, OrderEvent, FamilyContact];
