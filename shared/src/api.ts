/** Every REST route lives under this prefix; the mini-program's client and the server both build paths from it. */
export const API_PREFIX = '/api/v1';

/** `GET /api/v1/health`: liveness plus whether PostgreSQL answers. 200 when both are fine, 503 otherwise. */
export interface HealthResponse {
  status: 'ok' | 'unavailable';
  db: 'ok' | 'down';
  version: string;
}

export const HEALTH_PATH = `${API_PREFIX}/health`;
