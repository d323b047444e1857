import fastifyMultipart from '@fastify/multipart';
import { UPLOAD_NAME, UPLOADS_PATH, type UploadDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '@bangbang/shared';
import { AppError, NotFoundError, ValidationFailedError } from '../../errors';
import { shape, docs } from '../../http/openapi';
import { requireActor } from '../auth/actor';
import { DailyLimitReached, NotAnImage, TooLarge, type UploadService } from './service';

/**
 * Photos a volunteer takes when completing a service (完成服务的照片): `POST /uploads` stores one image under
 * `DATA_DIR/uploads/<uuid>.<ext>` and answers its address, which the app then sends in `photoUrls`.
 * `GET /uploads/:name` serves it without a token: WeChat's <image> and the browser's <img> cannot send one, and the
 * name is a random uuid that only the order's participants are ever shown.
 */

/** The form part that carries the image. */
export const FILE_FIELD = 'file';

const TYPE_MESSAGE = '只能上传 JPEG、PNG 或 WebP 图片';

/** The contract's VALIDATION_FAILED with another status (413 too large, 415 not an image), naming `file`. */
function fileError(status: 400 | 413 | 415, message: string, summary = `${message}。`): ValidationFailedError {
  return Object.assign(new ValidationFailedError(summary, [{ field: FILE_FIELD, message }]), { statusCode: status });
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  return `${Math.round(bytes / 1024)} KB`;
}

const uploadSchema = shape<UploadDto>('Upload', {
  description: '图片的地址（服务器上的路径），完成服务时放进 `photoUrls`',
  properties: {
    url: {
      type: 'string',
      pattern: `^${UPLOADS_PATH}/${UPLOAD_NAME.source.slice(1, -1)}$`,
      example: `${UPLOADS_PATH}/0b7e3a52-3c1e-4d0e-9a53-2f1c7f0a9d11.jpg`,
    },
  },
});

export default async function uploadRoutes(app: FastifyInstance, { uploads }: { uploads: UploadService }): Promise<void> {
  const maxBytes = app.config.uploadMaxBytes;
  const tooLarge = `图片太大，请选择不超过 ${formatBytes(maxBytes)} 的图片`;
  const dailyLimitMessage = (limit: 'count' | 'bytes') =>
    limit === 'count'
      ? `今天上传的照片已达 ${app.config.uploadDailyCount} 张的上限，请明天再传。`
      : `今天上传的照片已达 ${formatBytes(app.config.uploadDailyBytes)} 的上限，请明天再传。`;

  // Registered inside this plugin only: every other route still accepts JSON alone (415 for a form).
  await app.register(fastifyMultipart, {
    limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 1024, parts: 11, headerPairs: 100 },
  });

  app.post(
    UPLOADS_PATH,
    {
      schema: docs({
        tags: ['uploads'],
        summary: '上传一张照片',
        description: [
          `登录后可用。以 \`multipart/form-data\` 提交，图片放在字段 \`${FILE_FIELD}\` 中（每次一张）。`,
          `只接受 JPEG、PNG、WebP（按文件内容识别，不看文件名），不超过 \`UPLOAD_MAX_BYTES\`（默认 5 MB）。`,
          '返回的 `url` 放进完成服务的 `photoUrls`。',
        ].join(''),
        auth: 'required',
        multipart: {
          properties: { [FILE_FIELD]: { type: 'string', format: 'binary', description: 'JPEG、PNG 或 WebP 图片' } },
          required: [FILE_FIELD],
        },
        response: { 201: uploadSchema },
        errors: [
          [400, `没有上传文件（字段 ${FILE_FIELD}）`],
          [413, '图片超过大小上限（UPLOAD_MAX_BYTES）'],
          [415, `不是 multipart/form-data，或 ${FILE_FIELD} 不是 JPEG、PNG、WebP 图片`],
          [429, '今天上传的照片数或字节数已达每人每天的上限（UPLOAD_DAILY_COUNT、UPLOAD_DAILY_BYTES）'],
        ],
      }),
    },
    async (request, reply) => {
      const actor = requireActor(request);
      if (!request.isMultipart()) throw fileError(415, `请以 multipart/form-data 上传，图片放在字段 ${FILE_FIELD} 中`);
      const part = await request.file({ throwFileSizeLimit: false });
      if (!part) throw fileError(400, '请选择要上传的图片');
      if (part.fieldname !== FILE_FIELD) {
        void reply.header('connection', 'close'); // the body is not read to its end
        throw fileError(400, `图片须放在字段 ${FILE_FIELD} 中`);
      }

      let name: string;
      try {
        name = await uploads.save(actor.id, part.file);
      } catch (err) {
        if (err instanceof DailyLimitReached) {
          void reply.header('connection', 'close'); // the body is not read
          throw new AppError(ErrorCode.RATE_LIMITED, dailyLimitMessage(err.limit));
        }
        if (err instanceof NotAnImage) {
          void reply.header('connection', 'close'); // the body is not read to its end
          throw fileError(415, TYPE_MESSAGE);
        }
        if (err instanceof TooLarge) {
          // the rest of a too-large body is not read: end the connection after the answer rather than leave it open
          void reply.header('connection', 'close');
          throw fileError(413, tooLarge, `${tooLarge}。`);
        }
        throw err;
      }
      const body: UploadDto = { url: `${UPLOADS_PATH}/${name}` };
      return reply.code(201).header('cache-control', 'no-store').send(body);
    },
  );

  app.get(
    `${UPLOADS_PATH}/:name`,
    {
      schema: docs({
        tags: ['uploads'],
        summary: '查看已上传的照片',
        description: '不需要令牌（小程序的图片组件无法携带）；文件名是随机的 uuid，只在需求详情中出现。内容类型按图片实际类型返回，可长期缓存。',
        params: { name: { type: 'string', pattern: UPLOAD_NAME.source, example: '0b7e3a52-3c1e-4d0e-9a53-2f1c7f0a9d11.jpg' } },
        response: { 200: { type: 'string', format: 'binary', description: '图片内容（image/jpeg、image/png 或 image/webp）' } },
        errors: [[404, '没有这张照片']],
      }),
    },
    async (request, reply) => {
      const { name } = request.params as { name: string };
      const image = await uploads.find(name);
      if (!image) throw new NotFoundError('没有这张照片。');
      return (
        reply
          .header('content-type', image.contentType)
          .header('content-length', image.size)
          // a name is never reused for other bytes
          .header('cache-control', 'public, max-age=31536000, immutable')
          .header('x-content-type-options', 'nosniff')
          .send(image.open())
      );
    },
  );
}
