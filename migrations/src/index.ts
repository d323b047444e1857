import { CreateRegion1795392000000 } from './1795392000000-CreateRegion';
import { CreatePeopleAndCatalogue1795392100000 } from './1795392100000-CreatePeopleAndCatalogue';
import { SeedServiceCatalogue1795392200000 } from './1795392200000-SeedServiceCatalogue';
import { CreateOrders1795392300000 } from './1795392300000-CreateOrders';
import { AddDispatchModes1795392400000 } from './1795392400000-AddDispatchModes';
import { AddMatchingIndexes1795392500000 } from './1795392500000-AddMatchingIndexes';
import { AddDutySkillsByPlaceIndex1795392600000 } from './1795392600000-AddDutySkillsByPlaceIndex';
import { AddDutySkillSpots1795392700000 } from './1795392700000-AddDutySkillSpots';
import { GuardOrderReferencesFromParents1795392800000 } from './1795392800000-GuardOrderReferencesFromParents';
import { CreateAuditLog1795392900000 } from './1795392900000-CreateAuditLog';
import { AddTokenVersion1795393000000 } from './1795393000000-AddTokenVersion';
import { AddUploadLedger1795393050000 } from './1795393050000-AddUploadLedger';
import { CreatePhoneCode1795393100000 } from './1795393100000-CreatePhoneCode';
import { CreateApplications1795393200000 } from './1795393200000-CreateApplications';
import { AddFamilyContacts1795393300000 } from './1795393300000-AddFamilyContacts';
import { AddOrderLimitIndexes1795393400000 } from './1795393400000-AddOrderLimitIndexes';
import { AddContentReview1795393450000 } from './1795393450000-AddContentReview';
import { CreateNotifications1795393500000 } from './1795393500000-CreateNotifications';
import { AddOffersAndServiceKinds1795400000000 } from './1795400000000-AddOffersAndServiceKinds';
import { AddRecall1795400100000 } from './1795400100000-AddRecall';
import { AddResponsibleAndNoShows1795400200000 } from './1795400200000-AddResponsibleAndNoShows';
import { AddOrderUrges1795400300000 } from './1795400300000-AddOrderUrges';
import { AddUnacceptedOrderIndex1795400400000 } from './1795400400000-AddUnacceptedOrderIndex';
import { AddIdCardNumber1795400500000 } from './1795400500000-AddIdCardNumber';
import { AddExportsToAccessLog1795400600000 } from './1795400600000-AddExportsToAccessLog';
import { CreateVisits1795401000000 } from './1795401000000-CreateVisits';
import { CreateProjects1795401100000 } from './1795401100000-CreateProjects';
import { CreatePoints1795401200000 } from './1795401200000-CreatePoints';
import { ReopenStartsANewWait1795401300000 } from './1795401300000-ReopenStartsANewWait';
import { CoverDutyPeopleByPlace1795401400000 } from './1795401400000-CoverDutyPeopleByPlace';
import { HallOffersFreedPlaces1795401500000 } from './1795401500000-HallOffersFreedPlaces';

/**
 * Every migration, oldest first. Listed explicitly (no globs) so the server, the tests and the CLI run exactly
 * the same set. Name new ones `<timestamp>-<Verb><Thing>.ts`, with `up`, `down` and a comment saying why.
 */
export const migrations = [
  CreateRegion1795392000000,
  CreatePeopleAndCatalogue1795392100000,
  SeedServiceCatalogue1795392200000,
  CreateOrders1795392300000,
  AddDispatchModes1795392400000,
  AddMatchingIndexes1795392500000,
  AddDutySkillsByPlaceIndex1795392600000,
  AddDutySkillSpots1795392700000,
  GuardOrderReferencesFromParents1795392800000,
  CreateAuditLog1795392900000,
  AddTokenVersion1795393000000,
  AddUploadLedger1795393050000,
  CreatePhoneCode1795393100000,
  CreateApplications1795393200000,
  AddFamilyContacts1795393300000,
  AddOrderLimitIndexes1795393400000,
  AddContentReview1795393450000,
  CreateNotifications1795393500000,
  AddOffersAndServiceKinds1795400000000,
  AddRecall1795400100000,
  AddResponsibleAndNoShows1795400200000,
  AddOrderUrges1795400300000,
  AddUnacceptedOrderIndex1795400400000,
  AddIdCardNumber1795400500000,
  AddExportsToAccessLog1795400600000,
  CreateVisits1795401000000,
  CreateProjects1795401100000,
  CreatePoints1795401200000,
  ReopenStartsANewWait1795401300000,
  CoverDutyPeopleByPlace1795401400000,
  HallOffersFreedPlaces1795401500000,
];
