import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UPLOAD_NAME, UPLOADS_PATH } from '@bangbang/shared';
import type { DataSource } from 'typeorm';
import { dropUpload, reserveUpload, settleUpload, sweepUnreferenced, type UploadLimits } from './uploads.repo';

/**
 * The photos' store (完成服务的照片): one file per image under `<dir>/<uuid>.<ext>`, never a database row. What the
 * routes need: save an upload (refusing what is not an image or is too large), and find one by its name.
 */

interface ImageType {
  ext: 'jpg' | 'png' | 'webp';
  contentType: string;
}

const IMAGE_TYPES: Record<ImageType['ext'], ImageType> = {
  jpg: { ext: 'jpg', contentType: 'image/jpeg' },
  png: { ext: 'png', contentType: 'image/png' },
  webp: { ext: 'webp', contentType: 'image/webp' },
};

/** Bytes needed to recognise every accepted type (WebP: `RIFF` + size + `WEBP`). */
const SNIFF_BYTES = 12;

/**
 * The type an image really is, from its first bytes. The file name and the declared content type are the
 * client's word and are ignored: an HTML page renamed `a.jpg` must never be served back as anything.
 */
export function detectImageType(head: Buffer): ImageType | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return IMAGE_TYPES.jpg;
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return IMAGE_TYPES.png;
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return IMAGE_TYPES.webp;
  return undefined;
}

/** The upload's first bytes are no JPEG, PNG or WebP (nothing was kept). */
export class NotAnImage extends Error {}

/** The upload went past the size limit (nothing was kept). */
export class TooLarge extends Error {}

/** The person has used up a daily allowance (nothing was read or kept): which one. */
export class DailyLimitReached extends Error {
  constructor(readonly limit: 'count' | 'bytes') {
    super(`daily upload ${limit} limit reached`);
  }
}

/** Passes the stream through once its first bytes are a known image type; fails it otherwise. */
class ImageSniffer extends Transform {
  type: ImageType | undefined;
  private head = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.type) return done(null, chunk);
    this.head = Buffer.concat([this.head, chunk]);
    if (this.head.length < SNIFF_BYTES) return done();
    this.type = detectImageType(this.head);
    if (!this.type) return done(new NotAnImage());
    const head = this.head;
    this.head = Buffer.alloc(0);
    done(null, head);
  }

  override _flush(done: TransformCallback): void {
    // a file shorter than SNIFF_BYTES: a 3-byte JPEG marker alone is no image either
    if (!this.type) return done(new NotAnImage());
    done();
  }
}

/** A stored photo, ready to be sent. */
export interface StoredImage {
  size: number;
  contentType: string;
  open(): Readable;
}

export interface UploadServiceDeps {
  dir: string;
  db: DataSource;
  /** The largest photo accepted (UPLOAD_MAX_BYTES). */
  maxBytes: number;
  /** Per person, in any 24 hours (UPLOAD_DAILY_COUNT, UPLOAD_DAILY_BYTES). */
  limits: UploadLimits;
  clock: () => Date;
}

/** Makes the directory (once, at start) and answers the store. */
export async function createUploadService({ dir, db, maxBytes, limits, clock }: UploadServiceDeps) {
  await mkdir(dir, { recursive: true });
  return {
    /**
     * Stores the image the stream carries for the person and answers its name. `file.truncated` is the multipart
     * parser's mark of a part cut at the size limit. Throws DailyLimitReached before reading anything when the
     * person's allowance is used up; NotAnImage or TooLarge (and leaves nothing behind) for what is refused.
     */
    async save(ownerId: string, file: Readable & { truncated?: boolean }): Promise<string> {
      const id = randomUUID();
      const reserved = await reserveUpload(db, { id, ownerId, maxBytes, limits, now: clock() });
      if (reserved !== 'ok') throw new DailyLimitReached(reserved);
      let name: string;
      try {
        name = await store(id, file);
      } catch (err) {
        await dropUpload(db, id).catch(() => undefined);
        throw err;
      }
      const size = (await stat(path.join(dir, name))).size;
      await settleUpload(db, id, name, size);
      return name;
    },

    /**
     * Deletes the photos that no order's completion refers to 24 hours after their upload (a batch at a time until
     * none is left); answers how many went. Safe with any number of processes (uploads.repo.ts).
     */
    async sweep(now: Date, batch = 500): Promise<number> {
      let total = 0;
      for (;;) {
        const gone = await sweepUnreferenced(db, now, batch, `${UPLOADS_PATH}/`);
        for (const g of gone) {
          if (g.name !== null) await unlink(path.join(dir, g.name)).catch(() => undefined);
          // a process that died while the bytes arrived leaves its partial file
          await unlink(path.join(dir, `.${g.id}.part`)).catch(() => undefined);
        }
        total += gone.length;
        if (gone.length < batch) return total;
      }
    },

    /** The photo of that name; undefined when there is none (or the name is not one this store gives). */
    find,
  };

  /** Writes the image the stream carries under its name; throws NotAnImage or TooLarge, leaving nothing behind. */
  async function store(id: string, file: Readable & { truncated?: boolean }): Promise<string> {
    // written under a temporary name and renamed once complete: a half-written photo is never served
    const partial = path.join(dir, `.${id}.part`);
    const sniffer = new ImageSniffer();
    const out = createWriteStream(partial, { flags: 'wx', mode: 0o644 });
    try {
      await pipeline(file, sniffer, out);
    } catch (err) {
      // the file is opened asynchronously: wait until the stream has opened and closed it, or it could be created
      // after the unlink below and stay behind
      if (!out.closed) await once(out, 'close').catch(() => undefined);
      await unlink(partial).catch(() => undefined);
      throw err;
    }
    // busboy stops at the limit and marks the part truncated: the partial file goes
    if (file.truncated === true) {
      await unlink(partial).catch(() => undefined);
      throw new TooLarge();
    }
    const name = `${id}.${sniffer.type!.ext}`;
    await rename(partial, path.join(dir, name));
    return name;
  }

  async function find(name: string): Promise<StoredImage | undefined> {
    // the strict pattern is the traversal guard: no slash, no dot segment, nothing but a uuid and a known extension
    if (!UPLOAD_NAME.test(name)) return undefined;
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const type = IMAGE_TYPES[name.slice(name.lastIndexOf('.') + 1) as ImageType['ext']];
    return { size: info.size, contentType: type.contentType, open: () => createReadStream(file) };
  }
}

export type UploadService = Awaited<ReturnType<typeof createUploadService>>;
