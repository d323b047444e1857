import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The starting service catalogue (服务清单): the services named in the source articles, each with the colour team
 * that usually serves it and how long an order may wait for someone to accept it. Reference data every deployment
 * needs (production included), so it is a migration rather than demo data; admins edit it afterwards.
 */
const CATALOGUE: Array<[code: string, name: string, color: string, icon: string, normal: number, urgent: number, multi: boolean]> = [
  ['medicine_delivery', '送医送药', 'green', 'medicine', 120, 30, false],
  ['errands', '代购代办', 'red', 'cart', 240, 60, false],
  ['meal_delivery', '助餐送餐', 'red', 'bowl', 60, 20, false],
  ['home_vaccination', '上门接种', 'green', 'syringe', 1440, 240, false],
  ['hospital_escort', '协助就医转诊', 'green', 'hospital', 240, 60, false],
  ['companionship', '陪伴照顾', 'pink', 'heart', 1440, 240, false],
  ['emotional_support', '情绪疏导', 'pink', 'chat', 1440, 120, false],
  ['appliance_repair', '家电维修', 'other', 'wrench', 1440, 240, false],
  ['house_repair', '房屋修缮', 'other', 'house', 1440, 240, true],
  ['legal_consultation', '法律咨询', 'yellow', 'scale', 1440, 240, false],
  ['free_clinic', '义诊', 'green', 'stethoscope', 2880, 480, true],
  ['haircut', '理发', 'other', 'scissors', 1440, 480, false],
  ['harvest_help', '助农抢收', 'red', 'wheat', 720, 120, true],
  ['paperwork', '帮办代办', 'red', 'document', 1440, 240, false],
  ['anti_fraud', '反诈宣传', 'blue', 'shield', 2880, 480, false],
  ['smartphone_lessons', '智能手机教学', 'orange', 'phone', 2880, 480, false],
  ['cultural_activity', '文化文艺活动', 'purple', 'music', 2880, 480, true],
];

export class SeedServiceCatalogue1795392200000 implements MigrationInterface {
  name = 'SeedServiceCatalogue1795392200000';

  public async up(q: QueryRunner): Promise<void> {
    for (const [i, [code, name, color, icon, normal, urgent, multi]] of CATALOGUE.entries()) {
      await q.query(
        `INSERT INTO service_category (code, name, color, icon, accept_minutes_normal, accept_minutes_urgent, multi_person, sort_order)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (code) DO NOTHING`,
        [code, name, color, icon, normal, urgent, multi, (i + 1) * 10],
      );
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM service_category WHERE code = ANY($1)`, [CATALOGUE.map(([code]) => code)]);
  }
}
