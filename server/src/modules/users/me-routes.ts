import { ME_PATH, type MeDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { docs } from '../../http/openapi';
import { meSchema } from '../../http/response-schemas';
import { requireActor } from '../auth/actor';
import { toMeDto } from './user.entity';

/** `GET /me`: the logged-in person, nothing masked (it is their own record). */
export default async function meRoutes(app: FastifyInstance): Promise<void> {
  const schema = docs({ tags: ['me'], summary: '我的资料', auth: 'required', response: { 200: meSchema } });
  app.get(ME_PATH, { schema }, async (request): Promise<MeDto> => toMeDto(requireActor(request).user));
}
