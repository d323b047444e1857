import type { OrderReasonDto, Urgency } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../modules/auth/actor';
import { escalateDue } from '../modules/dispatching/escalation';
import { nextEscalationAt } from '../modules/dispatching/dispatching.repo';
import { createOrder } from '../modules/orders/creation';
import * as transitions from '../modules/orders/transitions';
import { loadViewer, type Viewer } from '../modules/orders/standing';
import { User } from '../modules/users/user.entity';
import { DEMO_ACCOUNTS } from './accounts';
import { Prng } from './random';

/** How many orders the demo's last two weeks hold. */
export const DEMO_ORDERS = 160;
const DAYS = 14;
const MINUTE = 60_000;

/** What residents ask for, roughly as often as the articles tell it (送药、代购、助餐 most). */
const DEMAND: ReadonlyArray<readonly [string, number]> = [
  ['medicine_delivery', 16],
  ['errands', 14],
  ['meal_delivery', 12],
  ['companionship', 8],
  ['paperwork', 8],
  ['appliance_repair', 7],
  ['hospital_escort', 6],
  ['smartphone_lessons', 5],
  ['house_repair', 4],
  ['haircut', 4],
  ['emotional_support', 4],
  ['legal_consultation', 3],
  ['home_vaccination', 3],
  ['anti_fraud', 2],
  ['harvest_help', 2],
];

const WHAT: Record<string, string[]> = {
  medicine_delivery: ['降压药快吃完了，腿脚不便，麻烦帮忙到卫生院取药', '帮忙去药店买感冒药和体温计'],
  errands: ['帮忙买点米面和青菜送到家', '帮忙交一下水电费'],
  meal_delivery: ['老伴住院，这几天中午需要送一份午饭', '一个人住，想订一周的助餐'],
  companionship: ['子女在外地，想有人陪着说说话', '周末陪老人去公园走走'],
  paperwork: ['帮忙办理养老保险认证', '帮忙申请高龄补贴'],
  appliance_repair: ['洗衣机不转了', '电视没有信号了'],
  hospital_escort: ['下周二去旗医院复查，需要有人陪同', '陪同去市医院转诊'],
  smartphone_lessons: ['想学用微信视频和孙子说话', '教一下手机挂号'],
  house_repair: ['下雨屋顶漏水，需要几个人帮忙补一补', '院墙塌了一块，需要帮忙砌上'],
  haircut: ['卧床老人需要上门理发', '想理个发，出门不方便'],
  emotional_support: ['最近心情不好，想找人聊聊', '家里有矛盾，想请人帮忙调解'],
  legal_consultation: ['想咨询一下赡养费的问题', '土地承包合同有纠纷，想咨询'],
  home_vaccination: ['卧床老人需要上门接种疫苗', '行动不便，需要上门打疫苗'],
  anti_fraud: ['接到可疑电话，想请人讲讲防骗知识'],
  harvest_help: ['葵花熟了，家里人手不够，需要帮忙抢收', '玉米要收了，想请几个人帮忙'],
};

type Fate = 'closed' | 'completed' | 'in_service' | 'accepted' | 'dispatched' | 'pending' | 'cancelled' | 'reopened_closed';
/** The fates that leave an order open (待接单 … 服务中). */
const OPEN_FATES: readonly Fate[] = ['pending', 'dispatched', 'accepted', 'in_service'];

interface Person {
  actor: Actor;
}

/**
 * Two weeks of orders in the demo county, made by the real lifecycle (so every event, place and figure is what the
 * API itself would have written): residents order, grid workers dispatch to volunteers of their community,
 * volunteers accept, check in at the door, complete; residents confirm and rate. Some are still open, a few were
 * cancelled or reopened, the oldest open ones escalated. The demo resident 孙桂兰 has one closed, one in progress
 * with the demo volunteer 李海龙 and one waiting. Deterministic (seeded) apart from `now`.
 */
export async function seedDemoOrders(m: EntityManager, now: Date): Promise<number> {
  const rng = new Prng(20261123);
  const users = await m.getRepository(User).find({ relations: { region: true }, order: { phone: 'ASC' } });
  const toPerson = (u: User): Person => ({ actor: { id: u.id, roles: u.roles, regionId: u.regionId, regionPath: u.region?.path ?? null, user: u } });
  const people = users.map(toPerson);
  const residents = people.filter((p) => p.actor.roles.includes('resident') && p.actor.user.region?.level === 'grid');
  const gridWorkerOf = new Map(people.filter((p) => p.actor.roles.includes('grid_worker')).map((p) => [p.actor.regionId, p]));
  const volunteers = people.filter((p) => p.actor.roles.includes('volunteer') && !p.actor.roles.includes('grid_worker'));
  const byPhone = (phone: string) => people.find((p) => p.actor.user.phone === phone);
  const demoResident = byPhone(DEMO_ACCOUNTS[4].phone);
  const demoVolunteer = byPhone(DEMO_ACCOUNTS[3].phone);

  const viewer = (p: Person, at: Date): Promise<Viewer> => loadViewer(m, p.actor, at);
  const reason = (text: string): OrderReasonDto => ({ reason: text });

  let made = 0;
  // a resident has at most one open order of a service (a repeat is 催一下): the pairs the story has left open
  const open = new Set<string>();
  const pair = (resident: Person, category: string) => `${resident.actor.id} ${category}`;
  const play = async (resident: Person, category: string, createdAt: Date, fate: Fate, helper?: Person): Promise<void> => {
    const worker = gridWorkerOf.get(resident.actor.regionId);
    if (!worker) return;
    if (OPEN_FATES.includes(fate)) open.add(pair(resident, category));
    const serving =
      helper ??
      // the grid worker dispatches inside the grid: a volunteer with the skill, or takes it on themself
      rng.shuffle(volunteers.filter((v) => v.actor.regionId === resident.actor.regionId && v.actor.user.skills.includes(category)))[0] ??
      worker;
    const urgency: Urgency = rng.chance(0.2) ? 'urgent' : 'normal';
    const lines = WHAT[category] ?? ['需要帮助'];
    let t = createdAt;
    const later = (minutes: number) => (t = new Date(t.getTime() + minutes * MINUTE));
    // about one in six is ordered by the grid worker for the resident, on the phone (elderly without smartphones)
    const byProxy = rng.chance(0.17);
    const orderer = byProxy ? worker : resident;
    const created = await createOrder(
      m,
      await viewer(orderer, t),
      {
        categoryCode: category,
        description: rng.pick(lines),
        urgency,
        ...(byProxy ? { residentId: resident.actor.id, channel: 'phone' as const } : {}),
      },
      undefined,
    );
    made += 1;
    const id = created.id;
    if (fate === 'pending') return;
    if (fate === 'cancelled') {
      later(rng.int(5, 90));
      await transitions.cancel(m, await viewer(orderer, t), id, reason(rng.pick(['家人已经帮忙办了', '不需要了', '时间改了，重新下单'])));
      return;
    }
    later(rng.int(2, urgency === 'urgent' ? 15 : 60));
    await transitions.dispatch(m, await viewer(worker, t), id, { assigneeId: serving.actor.id });
    if (fate === 'dispatched') return;
    later(rng.int(1, 25));
    await transitions.accept(m, await viewer(serving, t), id);
    if (fate === 'accepted') return;
    later(rng.int(15, 90));
    const door = resident.actor.user;
    const near = door.locationLat !== null && door.locationLng !== null ? rng.near({ lat: door.locationLat, lng: door.locationLng }, 60) : undefined;
    await transitions.checkIn(m, await viewer(serving, t), id, near ? { location: near } : {});
    if (fate === 'in_service') return;
    later(rng.int(20, 150));
    await transitions.complete(m, await viewer(serving, t), id, { note: '已完成，居民满意' });
    if (fate === 'completed') return;
    later(rng.int(30, 600));
    if (fate === 'reopened_closed') {
      // the resident's word, also for a proxy order (issue 18: not the staff member who placed it)
      await transitions.confirm(m, await viewer(resident, t), id, { resolved: false, comment: '过了两天又坏了' });
      later(rng.int(10, 60));
      await transitions.dispatch(m, await viewer(worker, t), id, { assigneeId: serving.actor.id });
      later(rng.int(5, 30));
      await transitions.accept(m, await viewer(serving, t), id);
      later(rng.int(30, 120));
      await transitions.checkIn(m, await viewer(serving, t), id, near ? { location: near } : {});
      later(rng.int(20, 90));
      await transitions.complete(m, await viewer(serving, t), id, { note: '换了零件，这次修好了' });
      later(rng.int(30, 300));
    }
    await transitions.confirm(m, await viewer(resident, t), id, {
      resolved: true,
      rating: rng.weighted<number>([
        [5, 70],
        [4, 25],
        [3, 5],
      ]),
      comment: rng.pick(['非常感谢！', '小伙子很热心', '来得很及时', '服务很好']),
    });
  };

  // the demo resident's own story first, so logging in as her shows one of each
  if (demoResident && demoVolunteer) {
    await play(demoResident, 'medicine_delivery', new Date(now.getTime() - 5 * 24 * 60 * MINUTE), 'closed', demoVolunteer);
    await play(demoResident, 'errands', new Date(now.getTime() - 3 * 60 * MINUTE), 'accepted', demoVolunteer);
    await play(demoResident, 'smartphone_lessons', new Date(now.getTime() - 40 * MINUTE), 'pending');
  }
  const span = DAYS * 24 * 60;
  const starts = Array.from({ length: DEMO_ORDERS - made }, () => rng.int(30, span)).sort((a, b) => b - a);
  for (const minutesAgo of starts) {
    const createdAt = new Date(now.getTime() - minutesAgo * MINUTE);
    const recent = minutesAgo < 24 * 60;
    const fate: Fate = recent
      ? rng.weighted<Fate>([
          ['pending', 25],
          ['dispatched', 10],
          ['accepted', 20],
          ['in_service', 15],
          ['completed', 15],
          ['closed', 15],
        ])
      : rng.weighted<Fate>([
          ['closed', 76],
          ['completed', 6],
          ['cancelled', 8],
          ['reopened_closed', 4],
          ['pending', 6],
        ]);
    let resident = rng.pick(residents);
    let category = rng.weighted(DEMAND);
    for (let tries = 0; open.has(pair(resident, category)) && tries < 100; tries++) {
      resident = rng.pick(residents);
      category = rng.weighted(DEMAND);
    }
    await play(resident, category, createdAt, fate);
  }
  // the orders nobody took have moved up the levels as their deadlines passed (三级联动): sweep at each deadline
  for (;;) {
    const at = await nextEscalationAt(m, now);
    if (!at) break;
    await escalateDue(m, at);
  }
  return made;
}
