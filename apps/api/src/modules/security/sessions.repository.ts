import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../database/unit-of-work';
import { SessionEntity } from './session.entity';

export interface SessionRow {
  id: number;
  csrfToken: string;
  userId: number;
  userName: string;
  stale: boolean;
}

/**
 * `sessions` of the console. The lookup on every cookie request reads the user's name and whether
 * it is enabled in the same round trip (read only; users are UsersRepository's).
 */
@Injectable()
export class SessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insertSession(values: Pick<SessionEntity, 'tokenHash' | 'csrfToken' | 'userId' | 'address'>): Promise<void> {
    await this.dataSource.getRepository(SessionEntity).insert({ ...values, lastSeenAt: new Date() });
  }

  /** Sessions past their idle or absolute limit. */
  async purgeExpiredSessions(idleMinutes: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM sessions WHERE last_seen_at < now() - make_interval(mins => $1) OR created_at < now() - interval '7 days'`,
      [idleMinutes],
    );
  }

  async deleteSession(id: number): Promise<void> {
    await this.dataSource.getRepository(SessionEntity).delete({ id });
  }

  async deleteSessionsOfUser(tx: Tx, userId: number): Promise<void> {
    await tx.delete(SessionEntity, { userId });
  }

  async findByToken(tokenHash: Buffer, idleMinutes: number): Promise<SessionRow | null> {
    const rows: SessionRow[] = await this.dataSource.query(
      `SELECT s.id, s.csrf_token AS "csrfToken", s.user_id AS "userId", u.user_name AS "userName",
              s.last_seen_at < now() - interval '1 minute' AS stale
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND u.enabled
          AND s.last_seen_at > now() - make_interval(mins => $2)
          AND s.created_at > now() - interval '7 days'`,
      [tokenHash, idleMinutes],
    );
    return rows[0] ?? null;
  }

  async touch(id: number): Promise<void> {
    await this.dataSource.query(`UPDATE sessions SET last_seen_at = now() WHERE id = $1`, [id]);
  }
}
