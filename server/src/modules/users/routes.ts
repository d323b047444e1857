import {
  API_PREFIX,
  CreateUserDto,
  DUTY_PATH,
  DutyDto,
  FamilyContactInputDto,
  ListDutyQuery,
  MY_FAMILY_PATH,
  ListUsersQuery,
  ME_PATH,
  RosterDto,
  UpdateMeDto,
  UpdateUserDto,
  isValidSlot,
  type DutyPersonDto,
  type DutyStatusDto,
  type GrantableRolesDto,
  type FamilyContactDto,
  type FollowedResidentDto,
  type MeDto,
  type Page,
  type UserDto,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { ValidationFailedError } from '../../errors';
import { validateBody, validateQuery } from '../../http/validate';
import { requireActor } from '../auth/actor';
import { auditContextOf } from '../audit/service';
import { toMeDto } from './user.entity';
import type { UserService } from './service';
import { docs, idParam } from '../../http/openapi';
import {
  dutyPersonPageSchema,
  dutyStatusSchema,
  familyContactListSchema,
  familyContactSchema,
  followedResidentListSchema,
  grantableRolesSchema,
  meSchema,
  userPageSchema,
  userSchema,
} from '../../http/response-schemas';

/** People over HTTP: staff manage those in their jurisdiction; everyone manages themself (see service.ts). */
export default async function userRoutes(app: FastifyInstance, { users }: { users: UserService }): Promise<void> {
  const path = `${API_PREFIX}/users`;

  app.post(
    path,
    {
      schema: docs({
        tags: ['users'],
        summary: '登记人员',
        description:
          '管理员、调度员在管辖范围内登记角色低于自己的人员（管理员可登记调度员；管理员由命令 `pnpm admin:grant` 设立）；网格员可为本网格登记居民（为没有智能手机的老人代办）。' +
          '居民可以没有手机：登记固定电话（`landline`），或家属联系人（`familyContacts`，最多 5 位，子女、监护人等用本人手机号登录后可查看并确认这位居民的需求），三者至少其一；志愿者和工作人员须有手机号。记入审计记录。',
        auth: 'required',
        response: { 201: userSchema },
        errors: [
          [400, '缺少联系方式（phone）、固定电话格式不对、家属手机号重复等'],
          [403, '角色不能登记此类人员'],
          [404, '地区不在管辖范围内'],
          [409, '该手机号已登记'],
        ],
      }),
      preValidation: validateBody(CreateUserDto),
    },
    async (request, reply) => {
      const dto = await users.register(requireActor(request), request.body as CreateUserDto, auditContextOf(request));
      return reply.code(201).send(dto);
    },
  );

  app.get(
    path,
    {
      schema: docs({
        tags: ['users'],
        summary: '人员名单（管辖范围内）',
        description: '按创建时间倒序，游标分页；`q` 匹配姓名或手机号开头，`tag` 只看带某个台账标签的人员（独居、低保…）。每个完整显示的他人都记入访问记录。',
        auth: 'required',
        response: { 200: userPageSchema },
        errors: [403, [404, '地区不在管辖范围内']],
      }),
      preValidation: validateQuery(ListUsersQuery),
    },
    async (request): Promise<Page<UserDto>> => {
      return users.list(requireActor(request), request.query as ListUsersQuery);
    },
  );

  app.get<{ Params: { id: string } }>(
    `${path}/:id`,
    {
      schema: docs({
        tags: ['users'],
        summary: '人员详情',
        description: '本人或有管辖权的工作人员可以查看；其他人 404。',
        auth: 'required',
        params: idParam,
        response: { 200: userSchema },
        errors: [404],
      }),
    },
    async (request): Promise<UserDto> => {
      return users.get(requireActor(request), request.params.id);
    },
  );

  app.patch<{ Params: { id: string } }>(
    `${path}/:id`,
    {
      schema: docs({
        tags: ['users'],
        summary: '修改人员资料（工作人员）',
        description:
          '只能修改角色低于自己、在管辖范围内的人员；本人请用 `PATCH /me`。授予或收回的角色须低于自己的角色（管理员由命令 `pnpm admin:grant` 设立）；网格员只能修改居民。能登录的人的手机号须由本人验证后自行修改（409）。每次修改都记入审计记录。',
        auth: 'required',
        params: idParam,
        response: { 200: userSchema },
        errors: [403, 404, [409, '该手机号已登记，或手机号须由本人验证后自行修改']],
      }),
      preValidation: validateBody(UpdateUserDto),
    },
    async (request) => {
      return users.update(requireActor(request), request.params.id, request.body as UpdateUserDto, auditContextOf(request));
    },
  );

  app.get<{ Params: { id: string } }>(
    `${path}/:id/family-contacts`,
    {
      schema: docs({
        tags: ['users'],
        summary: '居民的家属联系人',
        description: '本人或有管辖权的工作人员可以查看；其他人 404。完整显示的号码记入访问记录。',
        auth: 'required',
        params: idParam,
        response: { 200: familyContactListSchema },
        errors: [404],
      }),
    },
    async (request): Promise<{ items: FamilyContactDto[] }> => {
      return users.familyContacts(requireActor(request), request.params.id);
    },
  );

  app.post<{ Params: { id: string } }>(
    `${path}/:id/family-contacts`,
    {
      schema: docs({
        tags: ['users'],
        summary: '登记家属联系人',
        description:
          '网格员、调度员、管理员为管辖范围内的居民登记家属（子女、配偶、监护人、亲属）：家属用这个手机号登录后，可以查看、确认并评价这位居民的需求。每位居民最多 5 位。记入审计记录。',
        auth: 'required',
        params: idParam,
        response: { 201: familyContactSchema },
        errors: [403, 404, [409, '已是家属联系人、已满 5 位，或该人员不是居民']],
      }),
      preValidation: validateBody(FamilyContactInputDto),
    },
    async (request, reply) => {
      const dto = await users.addFamilyContact(requireActor(request), request.params.id, request.body as FamilyContactInputDto, auditContextOf(request));
      return reply.code(201).send(dto);
    },
  );

  app.delete<{ Params: { id: string; contactId: string } }>(
    `${path}/:id/family-contacts/:contactId`,
    {
      schema: docs({
        tags: ['users'],
        summary: '删除家属联系人',
        description: '与登记的规则相同。删除后这位家属不再能查看这位居民的需求。记入审计记录。',
        auth: 'required',
        params: { id: { type: 'string', format: 'uuid' }, contactId: { type: 'string', format: 'uuid' } },
        response: { 204: null },
        errors: [403, 404],
      }),
    },
    async (request, reply) => {
      await users.removeFamilyContact(requireActor(request), request.params.id, request.params.contactId, auditContextOf(request));
      return reply.code(204).send();
    },
  );

  app.get(
    MY_FAMILY_PATH,
    {
      schema: docs({
        tags: ['me'],
        summary: '我的家人',
        description: '本人手机号被登记为哪些居民的家属联系人：这些居民的姓名、所在地、未完成和待确认的需求数。用 `GET /orders?residentId=…` 查看他们的需求。',
        auth: 'required',
        response: { 200: followedResidentListSchema },
      }),
    },
    async (request): Promise<{ items: FollowedResidentDto[] }> => {
      return users.myFamily(requireActor(request));
    },
  );

  app.patch(
    ME_PATH,
    {
      schema: docs({
        tags: ['me'],
        summary: '修改本人资料',
        description:
          '姓名、地址、位置、技能；角色、台账标签由工作人员维护（发送这些字段会得到 400）。`regionId` 只用于第一次选择所属地区（还没有所属地区时）：须为网格，或没有划分网格的社区/村，否则 400；已有所属地区时 409，请提交迁移申请（`POST /me/applications`）；工作人员的地区由上级设置（403）。记入审计记录。',
        auth: 'required',
        response: { 200: meSchema },
        errors: [
          [403, '工作人员不能自己设置所属地区'],
          [409, '已有所属地区，请提交迁移申请'],
        ],
      }),
      preValidation: validateBody(UpdateMeDto),
    },
    async (request): Promise<MeDto> => {
      return toMeDto(await users.updateMe(requireActor(request), request.body as UpdateMeDto, auditContextOf(request)));
    },
  );

  app.put(
    `${ME_PATH}/duty`,
    {
      schema: docs({
        tags: ['me'],
        summary: '上岗 / 下岗',
        description: '志愿者和网格员自己切换是否接单，就像司机“出车”。',
        auth: 'required',
        response: { 200: dutyStatusSchema },
        errors: [403],
      }),
      preValidation: validateBody(DutyDto),
    },
    async (request): Promise<DutyStatusDto> => {
      const actor = requireActor(request);
      const { onDuty } = request.body as DutyDto;
      return users.setDuty(actor, onDuty);
    },
  );

  app.put<{ Params: { id: string } }>(
    `${path}/:id/roster`,
    {
      schema: docs({
        tags: ['users'],
        summary: '设置每周值班表',
        description: '本人（志愿者、网格员）或有管辖权的工作人员；空列表表示不设值班表（在岗即可接单）。',
        auth: 'required',
        params: idParam,
        response: { 200: dutyStatusSchema },
        errors: [403, 404],
      }),
      preValidation: validateBody(RosterDto),
    },
    async (request): Promise<DutyStatusDto> => {
      const actor = requireActor(request);
      const { slots } = request.body as RosterDto;
      slots.forEach((slot, i) => {
        if (!isValidSlot(slot)) {
          // said in a person's words: which slot of the week, not the field's name in the request
          throw new ValidationFailedError(`第 ${i + 1} 个值班时段的开始时间须早于结束时间（跨过午夜请分成两段）。`, [
            { field: `slots[${i}].end`, message: '开始时间须早于结束时间' },
          ]);
        }
      });
      return users.setRoster(actor, request.params.id, slots, auditContextOf(request));
    },
  );

  app.get<{ Params: { id: string } }>(
    `${path}/:id/roster`,
    {
      schema: docs({
        tags: ['users'],
        summary: '每周值班表与在岗状态',
        description: '本人或有管辖权的工作人员可以查看；其他人 404。',
        auth: 'required',
        params: idParam,
        response: { 200: dutyStatusSchema },
        errors: [404],
      }),
    },
    async (request): Promise<DutyStatusDto> => {
      return users.roster(requireActor(request), request.params.id);
    },
  );

  app.get<{ Params: { id: string } }>(
    `${path}/:id/grantable-roles`,
    {
      schema: docs({
        tags: ['users'],
        summary: '我可以授予或收回这个人的哪些角色',
        description:
          '与 `PATCH /users/:id` 同一条规则：只能修改角色低于自己、在管辖范围内的人员，授予或收回的角色须低于自己的角色（调度员、管理员角色只有管理员可以授予；管理员由命令 `pnpm admin:grant` 设立），网格员只能修改居民。`editable` 为 false 时 `reason` 说明原因。页面只显示这些角色，服务器仍会拒绝其他角色。',
        auth: 'required',
        params: idParam,
        response: { 200: grantableRolesSchema },
        errors: [403, 404],
      }),
    },
    async (request): Promise<GrantableRolesDto> => {
      return users.grantableRoles(requireActor(request), request.params.id);
    },
  );

  app.get(
    DUTY_PATH,
    {
      schema: docs({
        tags: ['users'],
        summary: '在岗情况与值班表（管辖范围内）',
        description:
          '管辖范围内（或 `regionId` 地区及以下）的志愿者和网格员：是否上岗、此刻是否可接单（在岗且在值班时段内，或未设值班表）、每周值班表。`state=on_duty` 只看已上岗的，`state=available` 只看此刻可接单的（按北京时间）。按创建时间倒序，游标分页。不含手机号和地址。',
        auth: 'required',
        response: { 200: dutyPersonPageSchema },
        errors: [403, [404, '地区不在管辖范围内']],
      }),
      preValidation: validateQuery(ListDutyQuery),
    },
    async (request): Promise<Page<DutyPersonDto>> => {
      return users.duty(requireActor(request), request.query as ListDutyQuery);
    },
  );
}
