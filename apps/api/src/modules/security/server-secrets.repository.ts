import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The only place that reads or writes `server_secrets`. */
@Injectable()
export class ServerSecretsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The secret called `name`, created with `generate()` when there is none yet. Nodes starting
   * together may each generate one: the first insert wins and every node reads that one back.
   */
  async getOrCreate(name: string, generate: () => Buffer): Promise<Buffer> {
    await this.dataSource.query(
      `INSERT INTO "server_secrets" ("name", "value", "created_at") VALUES ($1, $2, now())
       ON CONFLICT ("name") DO NOTHING`,
      [name, generate()],
    );
    const rows = (await this.dataSource.query(`SELECT "value" FROM "server_secrets" WHERE "name" = $1`, [name])) as {
      value: Buffer;
    }[];
    if (!rows[0]) throw new Error(`The server secret "${name}" could not be stored.`);
    return rows[0].value;
  }
}
