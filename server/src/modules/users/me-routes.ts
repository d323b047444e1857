import { ME_PATH, type MeDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { requireActor } from '../auth/plugin';
import { toMeDto } from './user.entity';

/** `GET /me`: the logged-in person, nothing masked (it is their own record). */
export default async function meRoutes(app: FastifyInstance): Promise<void> {
  app.get(ME_PATH, async (request): Promise<MeDto> => toMeDto(requireActor(request).user));
}
