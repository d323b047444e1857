import {
  MISSED_VISITS_PATH,
  MY_VISITS_PATH,
  VISITS_PATH,
  VISIT_COVERAGE_PATH,
  VISIT_COVERAGE_XLSX_PATH,
  VISIT_PLANS_PATH,
  type MissedVisitsDto,
  type RecordVisitDto,
  type SetVisitPlanDto,
  type VisitCoverageDto,
  type VisitCoverageQuery,
  type VisitDto,
  type VisitPlanDto,
  MY_POINTS_PATH,
  POINTS_PATH,
  type CreateShopItemDto,
  type ListRedemptionsQuery,
  type PointsEntryDto,
  type PointsRuleDto,
  type PointsRuleInputDto,
  type PointsRulesDto,
  type PointsSummaryDto,
  type RankingDto,
  type RankingQuery,
  type RedemptionDto,
  type ShopDto,
  type ShopItemDto,
  type ShopQuery,
  type UpdateShopItemDto,
  ACCESS_LOG_PATH,
  API_PREFIX,
  APPLICATIONS_PATH,
  MY_APPLICATIONS_PATH,
  REGION_NEAREST_PATH,
  REGION_SEARCH_PATH,
  AUDIT_PATH,
  AUTH_LOGOUT_ALL_PATH,
  AUTH_LOGOUT_PATH,
  AUTH_SMS_CODE_PATH,
  AUTH_SMS_LOGIN_PATH,
  AUTH_WECHAT_PATH,
  ME_PATH,
  ME_PHONE_PATH,
  ME_PHONE_WECHAT_PATH,
  MY_FAMILY_PATH,
  NOTIFICATION_PREFERENCES_PATH,
  NOTIFICATIONS_PATH,
  NOTIFICATIONS_READ_PATH,
  ORDERS_PATH,
  SERVICE_CATEGORIES_PATH,
  STATS_PATH,
  TASKS_PATH,
  SUBSCRIPTIONS_PATH,
  UPLOADS_PATH,
  DUTY_PATH,
  type AccessLogEntryDto,
  type AddSquadMemberDto,
  type CreateSquadDto,
  type DutyPersonDto,
  type GrantableRolesDto,
  type ListDutyQuery,
  type RosterDto,
  type SquadDto,
  type UpdateSquadDto,
  type UpdateUserDto,
  type ApplicationDto,
  type CreateApplicationDto,
  type ListApplicationsQuery,
  type RecallOrderDto,
  type RegionHitDto,
  type AuditEntryDto,
  type BatchDispatchResultDto,
  type CandidateListDto,
  type CreateOrderDto,
  type CreateUserDto,
  type FamilyContactDto,
  type FamilyContactInputDto,
  type FollowedResidentDto,
  type DispatchOrderDto,
  type DispatchSettingsDto,
  type DutyStatusDto,
  type ListOrdersQuery,
  type ListLogQuery,
  type ListUsersQuery,
  type LoginResponse,
  type MeDto,
  type MarkReadDto,
  type MyTasksQuery,
  type NotificationPageDto,
  type NotificationPageQuery,
  type NotificationPreferencesDto,
  type OrderDto,
  type OrderEventDto,
  type OrderNotificationDto,
  type Page,
  type RegionDto,
  type RegionMoveResultDto,
  type CreateRegionDto,
  type UpdateRegionDto,
  type CreateServiceCategoryDto,
  type UpdateServiceCategoryDto,
  type DispatchMode,
  type ServiceCategoryDto,
  type ServiceRecordDto,
  type SmsPurpose,
  type StatsOverviewDto,
  type StatsByPlaceDto,
  type StatsByPlaceQuery,
  type ExportFormat,
  type ExportKind,
  EXPORT_KIND_NAMES,
  STATS_BY_PLACE_PATH,
  exportPath,
  type StatsQuery,
  type SubscriptionsDto,
  type TaskPoolDto,
  type UpdateMeDto,
  type UpdateNotificationPreferencesDto,
  type UploadDto,
  type UserDto,
  type ReportSubscriptionsDto,
} from '@bangbang/shared';
import { download, request, upload } from './api';
import { IMPORT_KIND_NAMES, importPath, importTemplatePath, type ImportKind, type ImportResultDto } from '@bangbang/shared';
import {
  MY_PARTY_REGISTRATION_PATH,
  MY_PROJECTS_PATH,
  PARTY_REGISTRATIONS_PATH,
  PROJECTS_PATH,
  THREE_LISTS_PATH,
  type ConfirmAttendanceDto,
  type CreateProjectDto,
  type ListPartyRegistrationsQuery,
  type ListProjectsQuery,
  type PartyRegistrationDto,
  type ProjectDto,
  type RegisterPartyMemberDto,
  type ThreeListsDto,
  type UpdateProjectDto,
} from '@bangbang/shared';

/**
 * One typed function per API route the app uses, built on the one request path (`api.ts`). Request bodies are the
 * shared DTO classes' shapes and answers the shared response types, so a renamed field breaks the build.
 */

/** A DTO class's fields as a plain object (the client sends plain JSON; the server validates with the class). */
type Body<T> = { [K in keyof T]: T[K] };
const enc = encodeURIComponent;

// ---------- auth and me ----------

export const wechatLogin = (code: string) => request<LoginResponse>('POST', AUTH_WECHAT_PATH, { code });
/** 获取验证码: a 6-digit code by SMS, for logging in or for binding the phone to the account (204). */
export const sendSmsCode = (phone: string, purpose: SmsPurpose) => request<void>('POST', AUTH_SMS_CODE_PATH, { phone, purpose });
/** Logs in with the phone and the code sent to it (an unknown phone becomes a resident). */
export const smsLogin = (phone: string, code: string) => request<LoginResponse>('POST', AUTH_SMS_LOGIN_PATH, { phone, code });
/** Binds (or changes) the logged-in person's phone with a code sent for binding; answers a new login. */
export const bindPhoneBySms = (phone: string, code: string) => request<LoginResponse>('POST', ME_PHONE_PATH, { phone, code });
/** Binds the phone WeChat verified (the getPhoneNumber button's `detail.code`); answers a new login. */
export const bindPhoneByWechat = (code: string) => request<LoginResponse>('POST', ME_PHONE_WECHAT_PATH, { code });
export const getMe = () => request<MeDto>('GET', ME_PATH);
/** Ends this login on the server (the token stops working at once); 204. */
export const logoutOnServer = () => request<void>('POST', AUTH_LOGOUT_PATH);
/** Ends every login of the person, on every device; 204. */
export const logoutEverywhereOnServer = () => request<void>('POST', AUTH_LOGOUT_ALL_PATH);
export const updateMe = (patch: Body<UpdateMeDto>) => request<MeDto>('PATCH', ME_PATH, patch);
/** 上岗 / 下岗 (volunteers and grid workers). */
export const setDuty = (onDuty: boolean) => request<DutyStatusDto>('PUT', `${ME_PATH}/duty`, { onDuty });

// ---------- catalogue and places ----------

export const listServiceCategories = () => request<{ items: ServiceCategoryDto[] }>('GET', SERVICE_CATEGORIES_PATH);
export const getRegion = (id: string) => request<RegionDto>('GET', `${API_PREFIX}/regions/${enc(id)}`);
/** The children of a place (the cities without one), by name. */
export const listRegions = (parentId?: string) => request<Page<RegionDto>>('GET', `${API_PREFIX}/regions`, parentId === undefined ? {} : { parentId });
/** Places whose name contains the text, each with its full name. */
export const searchRegions = (q: string, limit = 20) => request<{ items: RegionHitDto[] }>('GET', REGION_SEARCH_PATH, { q, limit });
/** The 5 grids nearest to a point (「使用我的位置」). */
export const nearestRegions = (lat: number, lng: number) =>
  request<{ items: RegionHitDto[] }>('GET', REGION_NEAREST_PATH, { lat: String(lat), lng: String(lng) });

// ---------- management: places, the catalogue, dispatch modes (管理) ----------

/** Admins: every service, the deactivated ones too. */
export const listAllServiceCategories = () => request<{ items: ServiceCategoryDto[] }>('GET', SERVICE_CATEGORIES_PATH, { all: 'true' });
export const createServiceCategory = (body: Body<CreateServiceCategoryDto>) => request<ServiceCategoryDto>('POST', SERVICE_CATEGORIES_PATH, body);
export const updateServiceCategory = (code: string, patch: Body<UpdateServiceCategoryDto>) =>
  request<ServiceCategoryDto>('PATCH', `${SERVICE_CATEGORIES_PATH}/${enc(code)}`, patch);
export const createRegion = (body: Body<CreateRegionDto>) => request<RegionDto>('POST', `${API_PREFIX}/regions`, body);
/** Rename a place, set or clear its centre. */
export const updateRegion = (id: string, patch: Body<UpdateRegionDto>) => request<RegionDto>('PATCH', `${API_PREFIX}/regions/${enc(id)}`, patch);
/** Move a grid under another community, with its people. */
export const moveRegion = (id: string, parentId: string) => request<RegionMoveResultDto>('POST', `${API_PREFIX}/regions/${enc(id)}/move`, { parentId });
export const setDispatchMode = (regionId: string, mode: DispatchMode | null) =>
  request<DispatchSettingsDto>('PUT', `${API_PREFIX}/regions/${enc(regionId)}/dispatch-mode`, { mode });

// ---------- applications (我要当志愿者 · 迁移申请) ----------

export const applyFor = (body: Body<CreateApplicationDto>) => request<ApplicationDto>('POST', MY_APPLICATIONS_PATH, body);
export const myApplications = () => request<Page<ApplicationDto>>('GET', MY_APPLICATIONS_PATH);
export const withdrawApplication = (id: string) => request<ApplicationDto>('POST', `${MY_APPLICATIONS_PATH}/${enc(id)}/withdraw`);
/** Staff: the applications of their jurisdiction. */
export const listApplications = (query: Body<ListApplicationsQuery> = {}) => request<Page<ApplicationDto>>('GET', APPLICATIONS_PATH, query);
export const approveApplication = (id: string) => request<ApplicationDto>('POST', `${APPLICATIONS_PATH}/${enc(id)}/approve`);
export const declineApplication = (id: string, reason: string) => request<ApplicationDto>('POST', `${APPLICATIONS_PATH}/${enc(id)}/decline`, { reason });
export const getDispatchMode = (regionId: string) => request<DispatchSettingsDto>('GET', `${API_PREFIX}/regions/${enc(regionId)}/dispatch-mode`);

// ---------- orders (点单 · 派单 · 接单) ----------

/**
 * 点单. `idempotencyKey`: one key per order the person means to place (kept while they retry), so a double tap or a
 * retry after a dropped connection gives the same order — which is also why this POST may be retried.
 */
export const createOrder = (body: Body<CreateOrderDto>, idempotencyKey: string) =>
  request<OrderDto>('POST', ORDERS_PATH, body, { headers: { 'Idempotency-Key': idempotencyKey }, retry: true });

export const listOrders = (query: Body<ListOrdersQuery> = {}) => request<Page<OrderDto>>('GET', ORDERS_PATH, query);
export const getOrder = (id: string) => request<OrderDto>('GET', `${ORDERS_PATH}/${enc(id)}`);
export const getOrderEvents = (id: string) => request<{ items: OrderEventDto[] }>('GET', `${ORDERS_PATH}/${enc(id)}/events`);

const act = <B extends object>(id: string, name: string, body: B) => request<OrderDto>('POST', `${ORDERS_PATH}/${enc(id)}/${name}`, body);

export const dispatchOrder = (id: string, to: Body<DispatchOrderDto>) => act(id, 'dispatch', to);
export const acceptOrder = (id: string, note?: string) => act(id, 'accept', note === undefined ? {} : { note });
export const rejectOrder = (id: string, reason: string) => act(id, 'reject', { reason });
export const releaseOrder = (id: string, reason: string) => act(id, 'release', { reason });
export const checkInOrder = (id: string, location?: { lat: number; lng: number }) => act(id, 'check-in', location === undefined ? {} : { location });
export const completeOrder = (id: string, note: string, photoUrls: string[] = []) => act(id, 'complete', { note, photoUrls });
/** `resolved: false` = 问题未解决: the same order reopens. */
export const confirmOrder = (id: string, body: { resolved: boolean; rating?: number; comment?: string }) => act(id, 'confirm', body);
export const cancelOrder = (id: string, reason: string) => act(id, 'cancel', { reason });
/** 撤回改派: take a dispatch or an accepted order back, with a reason, and (optionally) send it to someone else at once. */
export const recallOrder = (id: string, body: Body<RecallOrderDto>) => act(id, 'recall', body);
/** 催一下: the order becomes urgent and the staff are told (at most once in URGE_MIN_INTERVAL_MINUTES). */
export const urgeOrder = (id: string) => act(id, 'urge', {});
export const markContentReviewed = (id: string) => request<OrderDto>('POST', `${ORDERS_PATH}/${enc(id)}/content-reviewed`);

/** The matching engine's suggestions, best first, with reasons. */
export const getCandidates = (id: string, limit = 10) => request<CandidateListDto>('GET', `${ORDERS_PATH}/${enc(id)}/candidates`, { limit });
/** 一键派单: every waiting order of the place at once. */
export const batchDispatch = (regionId: string) => request<BatchDispatchResultDto>('POST', `${API_PREFIX}/dispatch/batch`, { regionId });

// ---------- tasks (接单) ----------

export const getTaskPool = () => request<TaskPoolDto>('GET', `${TASKS_PATH}/pool`);
export const getMyTasks = (query: Body<MyTasksQuery> = {}) => request<Page<OrderDto>>('GET', `${TASKS_PATH}/mine`, query);
export const getServiceRecord = (userId: string) => request<ServiceRecordDto>('GET', `${API_PREFIX}/users/${enc(userId)}/service-record`);

// ---------- people (the ledger, 台账) ----------

/** `q` matches the start of a name or phone. */
export const listUsers = (query: Body<ListUsersQuery> = {}) => request<Page<UserDto>>('GET', `${API_PREFIX}/users`, query);
export const getUser = (id: string) => request<UserDto>('GET', `${API_PREFIX}/users/${enc(id)}`);
/** 登记人员 (staff): a resident may come with a landline or family contacts instead of a mobile. */
export const registerUser = (body: Body<Omit<CreateUserDto, 'familyContacts'>> & { familyContacts?: Array<Body<FamilyContactInputDto>> }) =>
  request<UserDto>('POST', `${API_PREFIX}/users`, body);
export const addFamilyContact = (userId: string, body: Body<FamilyContactInputDto>) =>
  request<FamilyContactDto>('POST', `${API_PREFIX}/users/${enc(userId)}/family-contacts`, body);
export const listChildRegions = (parentId: string) => request<Page<RegionDto>>('GET', `${API_PREFIX}/regions`, { parentId });

/** 我的家人: the residents whose family contact I am (my phone). */
export const myFamily = () => request<{ items: FollowedResidentDto[] }>('GET', MY_FAMILY_PATH);

// ---------- statistics ----------

export const getStatsOverview = (query: Body<StatsQuery> = {}) => request<StatsOverviewDto>('GET', `${STATS_PATH}/overview`, query);

// ---------- photos ----------

/** One photo from `Taro.chooseImage` (its temp file path) → its address on the server, for `photoUrls`. */
export const uploadPhoto = (filePath: string) => upload<UploadDto>(UPLOADS_PATH, filePath, 'file');

// ---------- notifications (消息中心 · 消息设置 · 微信订阅消息) ----------

/** Staff: who was told what about an order, by which channel, and how it went (通知记录). */
export const getOrderNotifications = (id: string) => request<{ items: OrderNotificationDto[] }>('GET', `${ORDERS_PATH}/${enc(id)}/notifications`);
/** 消息中心: my notifications, newest first; `before` = the previous page's `nextBefore`. */
export const listNotifications = (query: Body<NotificationPageQuery> = {}) => request<NotificationPageDto>('GET', NOTIFICATIONS_PATH, query);
/**
 * Marks the given notifications read, or all (`{all: true}`). The contract names no answer: a body with the new
 * `unread` count is used when the server sends one (otherwise 204).
 */
export const markNotificationsRead = (body: Body<MarkReadDto>) => request<{ unread?: number } | undefined>('POST', NOTIFICATIONS_READ_PATH, body);
export const getNotificationPreferences = () => request<NotificationPreferencesDto>('GET', NOTIFICATION_PREFERENCES_PATH);
export const updateNotificationPreferences = (patch: Body<UpdateNotificationPreferencesDto>) =>
  request<NotificationPreferencesDto | undefined>('PUT', NOTIFICATION_PREFERENCES_PATH, patch);
/** The WeChat subscription templates by kind (configured on the server) and the sends each acceptance left. */
export const getSubscriptions = () => request<SubscriptionsDto>('GET', SUBSCRIPTIONS_PATH);
/** After `requestSubscribeMessage`: the template ids the person accepted (each one send of quota). */
export const reportSubscriptions = (body: Body<ReportSubscriptionsDto>) => request<SubscriptionsDto | undefined>('POST', SUBSCRIPTIONS_PATH, body);

// ---------- audit (admins) ----------

/** 审计记录: changes to people, places, squads, the catalogue and dispatch settings, newest first. */
export const listAudit = (query: Body<ListLogQuery> = {}) => request<Page<AuditEntryDto>>('GET', AUDIT_PATH, query);
/** 查看记录: who saw whose full phone or address. */
export const listAccessLog = (query: Body<ListLogQuery> = {}) => request<Page<AccessLogEntryDto>>('GET', ACCESS_LOG_PATH, query);

// ---------- managing people, squads and rosters (管理: 人员 · 小分队 · 排班值班) ----------

/** Staff: change a person below them (roles only those `getGrantableRoles` lists). */
export const updateUser = (id: string, patch: Body<Omit<UpdateUserDto, 'location'>>) => request<UserDto>('PATCH', `${API_PREFIX}/users/${enc(id)}`, patch);
/** The roles the viewer may add to or take from this person (the server's own rule). */
export const getGrantableRoles = (id: string) => request<GrantableRolesDto>('GET', `${API_PREFIX}/users/${enc(id)}/grantable-roles`);
export const removeFamilyContact = (userId: string, contactId: string) =>
  request<void>('DELETE', `${API_PREFIX}/users/${enc(userId)}/family-contacts/${enc(contactId)}`);
/** A person's weekly roster and duty state. */
export const getUserRoster = (id: string) => request<DutyStatusDto>('GET', `${API_PREFIX}/users/${enc(id)}/roster`);
export const setUserRoster = (id: string, body: { slots: Array<Body<RosterDto['slots'][number]>> }) =>
  request<DutyStatusDto>('PUT', `${API_PREFIX}/users/${enc(id)}/roster`, body);
/** 在岗情况: the volunteers and grid workers of a place, with duty state and roster. */
export const listDuty = (query: Body<ListDutyQuery> = {}) => request<Page<DutyPersonDto>>('GET', DUTY_PATH, query);

export const listSquads = (regionId?: string) => request<Page<SquadDto>>('GET', `${API_PREFIX}/squads`, regionId === undefined ? {} : { regionId });
export const getSquad = (id: string) => request<SquadDto & { members: UserDto[] }>('GET', `${API_PREFIX}/squads/${enc(id)}`);
export const createSquad = (body: Body<CreateSquadDto>) => request<SquadDto>('POST', `${API_PREFIX}/squads`, body);
export const updateSquad = (id: string, patch: Body<UpdateSquadDto>) => request<SquadDto>('PATCH', `${API_PREFIX}/squads/${enc(id)}`, patch);
export const addSquadMember = (id: string, body: Body<AddSquadMemberDto>) => request<SquadDto>('POST', `${API_PREFIX}/squads/${enc(id)}/members`, body);
export const removeSquadMember = (id: string, userId: string) => request<void>('DELETE', `${API_PREFIX}/squads/${enc(id)}/members/${enc(userId)}`);

// ---------- 导入台账 (Excel) ----------

/** The kind's import template (.xlsx): opened in WeChat's document viewer, saved by a browser. */
export const downloadImportTemplate = (kind: ImportKind) => download(importTemplatePath(kind), {}, `${IMPORT_KIND_NAMES[kind]}导入模板.xlsx`);
/** A filled-in workbook (a temp file path, or a blob: URL in a browser) → what was imported, or checked with `dryRun`. */
export const importWorkbook = (kind: ImportKind, filePath: string, dryRun: boolean) =>
  upload<ImportResultDto>(`${importPath(kind)}${dryRun ? '?dryRun=true' : ''}`, filePath, 'file');

// ---------- statistics by place and ledgers (导出台账) ----------

/** 按地区统计: a place's figures and one row per child place (default: the top of my jurisdiction). */
export const getStatsByPlace = (query: Body<StatsByPlaceQuery> = {}) => request<StatsByPlaceDto>('GET', STATS_BY_PLACE_PATH, query);
/**
 * Downloads a ledger (服务台账, 志愿服务时长, 重点人员台账, 分地区统计) as Excel or CSV and opens it (WeChat) or saves
 * it (browser); answers the file's name.
 */
export const downloadExport = (kind: ExportKind, format: ExportFormat, query: { regionId?: string; from?: string; to?: string }) =>
  download(exportPath(kind, format), query, `${EXPORT_KIND_NAMES[kind]}.${format}`);

// ---------- 走访 (visits of ledger households) ----------

/** 我的走访: my visits still to do (missed first) and this period's done ones. */
export const getMyVisits = () => request<VisitDto[]>('GET', MY_VISITS_PATH);
export const getVisit = (id: string) => request<VisitDto>('GET', `${VISITS_PATH}/${enc(id)}`);
export const checkInVisit = (id: string, location?: { lat: number; lng: number }) =>
  request<VisitDto>('POST', `${VISITS_PATH}/${enc(id)}/check-in`, location === undefined ? {} : { location });
/** The record at the door; a need becomes an order on the household's behalf in the same step. */
export const recordVisit = (id: string, body: Body<RecordVisitDto>) => request<VisitDto>('POST', `${VISITS_PATH}/${enc(id)}/record`, body);
/** The board's flag: missed visits under a place (default: my jurisdiction). */
export const getMissedVisits = (regionId?: string) => request<MissedVisitsDto>('GET', MISSED_VISITS_PATH, regionId === undefined ? {} : { regionId });
export const getVisitPlan = (regionId: string) => request<VisitPlanDto>('GET', VISIT_PLANS_PATH, { regionId });
export const setVisitPlan = (body: Body<SetVisitPlanDto>) => request<VisitPlanDto>('PUT', VISIT_PLANS_PATH, body);
export const getVisitCoverage = (query: Body<VisitCoverageQuery> = {}) => request<VisitCoverageDto>('GET', VISIT_COVERAGE_PATH, query);
export const downloadVisitCoverage = (query: Body<VisitCoverageQuery> = {}) => download(VISIT_COVERAGE_XLSX_PATH, { ...query }, '走访覆盖率.xlsx');
// ---------- 项目清单, 认领 and 双报到 (issue 22) ----------

/** The person's own 双报到 (null: not registered). */
export const myPartyRegistration = () => request<{ registration: PartyRegistrationDto | null }>('GET', MY_PARTY_REGISTRATION_PATH);
/** 双报到: report to the community where one lives (or change it). */
export const registerPartyMember = (body: Body<RegisterPartyMemberDto>) => request<PartyRegistrationDto>('PUT', MY_PARTY_REGISTRATION_PATH, body);
export const endPartyRegistration = () => request<void>('DELETE', MY_PARTY_REGISTRATION_PATH);
/** Staff record someone's 双报到 (a person and a community of their jurisdiction). */
export const registerPartyMemberFor = (userId: string, body: Body<RegisterPartyMemberDto>) =>
  request<PartyRegistrationDto>('PUT', `${API_PREFIX}/users/${enc(userId)}/party-registration`, body);
/** 报到党员 of the staff's jurisdiction (or of one place in it). */
export const listPartyRegistrations = (q: Body<ListPartyRegistrationsQuery> = {}) => request<Page<PartyRegistrationDto>>('GET', PARTY_REGISTRATIONS_PATH, q);
/** The published projects of the person's communities, with their own claim. */
export const myProjects = () => request<{ items: ProjectDto[] }>('GET', MY_PROJECTS_PATH);
export const listProjects = (q: Body<ListProjectsQuery> = {}) => request<Page<ProjectDto>>('GET', PROJECTS_PATH, q);
export const getProject = (id: string) => request<ProjectDto>('GET', `${PROJECTS_PATH}/${enc(id)}`);
export const createProject = (body: Body<CreateProjectDto>) => request<ProjectDto>('POST', PROJECTS_PATH, body);
export const updateProject = (id: string, patch: Body<UpdateProjectDto>) => request<ProjectDto>('PATCH', `${PROJECTS_PATH}/${enc(id)}`, patch);
export const claimProject = (id: string) => request<ProjectDto>('POST', `${PROJECTS_PATH}/${enc(id)}/claim`);
export const cancelProjectClaim = (id: string) => request<ProjectDto>('POST', `${PROJECTS_PATH}/${enc(id)}/claim/cancel`);
export const confirmProjectAttendance = (id: string, claimId: string, body: Body<ConfirmAttendanceDto>) =>
  request<ProjectDto>('POST', `${PROJECTS_PATH}/${enc(id)}/claims/${enc(claimId)}/attendance`, body);
/** 三张清单 of one community. */
export const threeLists = (regionId: string) => request<ThreeListsDto>('GET', THREE_LISTS_PATH, { regionId });
// ---------- 积分 (points), 积分超市, 爱心榜 ----------

export const getMyPoints = () => request<PointsSummaryDto>('GET', MY_POINTS_PATH);
/** My ledger, newest first (`cursor`: the previous page's). */
export const getPointsHistory = (cursor?: string) => request<Page<PointsEntryDto>>('GET', `${MY_POINTS_PATH}/history`, cursor === undefined ? {} : { cursor });
export const getMyRedemptions = () => request<Page<RedemptionDto>>('GET', `${MY_POINTS_PATH}/redemptions`);
export const redeemItem = (itemId: string) => request<RedemptionDto>('POST', `${MY_POINTS_PATH}/redemptions`, { itemId });
export const cancelMyRedemption = (id: string) => request<RedemptionDto>('POST', `${MY_POINTS_PATH}/redemptions/${enc(id)}/cancel`);
/** The shop of my community; staff: of `communityId`, with `all` the items off the shelf too. */
export const getShop = (query: Body<ShopQuery> = {}) => request<ShopDto>('GET', `${POINTS_PATH}/shop`, query);
export const createShopItem = (body: Body<CreateShopItemDto>) => request<ShopItemDto>('POST', `${POINTS_PATH}/shop-items`, body);
export const updateShopItem = (id: string, patch: Body<UpdateShopItemDto>) => request<ShopItemDto>('PATCH', `${POINTS_PATH}/shop-items/${enc(id)}`, patch);
export const listRedemptions = (query: Body<ListRedemptionsQuery> = {}) => request<Page<RedemptionDto>>('GET', `${POINTS_PATH}/redemptions`, query);
/** 核销: the item was handed over. */
export const handOverRedemption = (id: string) => request<RedemptionDto>('POST', `${POINTS_PATH}/redemptions/${enc(id)}/hand-over`);
export const cancelRedemption = (id: string, reason?: string) =>
  request<RedemptionDto>('POST', `${POINTS_PATH}/redemptions/${enc(id)}/cancel`, reason === undefined ? {} : { reason });
export const getRanking = (query: Body<RankingQuery> = {}) => request<RankingDto>('GET', `${POINTS_PATH}/ranking`, query);
export const getPointsRules = () => request<PointsRulesDto>('GET', `${POINTS_PATH}/rules`);
/** `code` null: the default rule. */
export const setPointsRule = (code: string | null, body: Body<PointsRuleInputDto>) =>
  request<PointsRuleDto>('PUT', `${POINTS_PATH}/rules/${code === null ? 'default' : enc(code)}`, body);
export const removePointsRule = (code: string) => request<void>('DELETE', `${POINTS_PATH}/rules/${enc(code)}`);
