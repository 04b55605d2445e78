import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface DeadProperty {
  namespace: string;
  name: string;
  value: string;
}

/** One PROPPATCH instruction: a set (value given) or a remove. */
export interface PropertyChange {
  namespace: string;
  name: string;
  value?: string;
}

/**
 * `dav_properties`. Reads by item, or for a folder's children in one query (joined to
 * `asset_items` read-only, to find them by path); a COPY copies a subtree's in one statement.
 */
@Injectable()
export class DavPropertiesRepository {
  constructor(private readonly dataSource: DataSource) {}

  list(itemId: string): Promise<DeadProperty[]> {
    return this.dataSource.query(
      `SELECT namespace, name, value FROM dav_properties WHERE item_id = $1 ORDER BY namespace, name`,
      [itemId],
    );
  }

  /** The dead properties of a folder's children, by the child's lower-case path. */
  async forChildren(feedId: number, parentLower: string): Promise<Map<string, DeadProperty[]>> {
    const rows: (DeadProperty & { path_lower: string })[] = await this.dataSource.query(
      `SELECT i.path_lower, p.namespace, p.name, p.value FROM dav_properties p
         JOIN asset_items i ON i.id = p.item_id
        WHERE i.feed_id = $1 AND i.parent_lower = $2`,
      [feedId, parentLower],
    );
    const map = new Map<string, DeadProperty[]>();
    for (const r of rows) {
      const list = map.get(r.path_lower) ?? [];
      list.push({ namespace: r.namespace, name: r.name, value: r.value });
      map.set(r.path_lower, list);
    }
    return map;
  }

  /**
   * Sets (with a value) and removes (without), in the order given, in one transaction; refused with
   * `tooMany()` (rolled back) when the item would hold more than `max`.
   */
  async apply(itemId: string, ops: PropertyChange[], max: number, tooMany: () => Error): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      for (const s of ops)
        if (s.value === undefined)
          await m.query(`DELETE FROM dav_properties WHERE item_id = $1 AND namespace = $2 AND name = $3`, [
            itemId,
            s.namespace,
            s.name,
          ]);
        else
          await m.query(
            `INSERT INTO dav_properties (item_id, namespace, name, value) VALUES ($1, $2, $3, $4)
           ON CONFLICT (item_id, namespace, name) DO UPDATE SET value = EXCLUDED.value`,
            [itemId, s.namespace, s.name, s.value],
          );
      const [{ n }]: { n: number }[] = await m.query(
        `SELECT count(*)::int AS n FROM dav_properties WHERE item_id = $1`,
        [itemId],
      );
      if (n > max) throw tooMany();
    });
  }

  /** Copies the properties of a subtree onto the same relative paths under `to` (after a COPY). */
  async copySubtree(from: { feedId: number; lower: string }, to: { feedId: number; lower: string }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO dav_properties (item_id, namespace, name, value)
       SELECT t.id, p.namespace, p.name, p.value FROM dav_properties p
         JOIN asset_items s ON s.id = p.item_id
         JOIN asset_items t ON t.feed_id = $3 AND t.path_lower = $4 || substr(s.path_lower, length($2) + 1)
        WHERE s.feed_id = $1 AND (s.path_lower = $2 OR left(s.path_lower, length($2) + 1) = $2 || '/')
       ON CONFLICT (item_id, namespace, name) DO UPDATE SET value = EXCLUDED.value`,
      [from.feedId, from.lower, to.feedId, to.lower],
    );
  }
}
