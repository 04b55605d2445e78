import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type {
  CacheHeader,
  ConnectorSettings,
  FileHistorySettings,
  StorageSettings,
  WritePolicy,
} from '@stockroom/contracts';

/** An asset directory. Feeds share one namespace, unique case-insensitively. */
@Entity('feeds')
export class FeedEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Index('ux_feeds_name_lower', { unique: true })
  @Column({ name: 'name_lower', type: 'varchar', length: 100 })
  nameLower!: string;

  @Column({ name: 'feed_type', type: 'varchar', length: 20, default: 'asset' })
  feedType!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @Column({ name: 'retention_rules', type: 'jsonb', default: () => "'[]'" })
  retentionRules!: unknown[];

  @Column({ name: 'retention_rules_enabled', type: 'boolean', default: false })
  retentionRulesEnabled!: boolean;

  /** Runs of this directory only log what they would delete (as does the global switch). */
  @Column({ name: 'retention_dry_run', type: 'boolean', default: false })
  retentionDryRun!: boolean;

  /**
   * [ext] Active files (HTML, SVG, XML, script) render inline, still sandboxed; otherwise they are
   * attachments. Only an administrator may change it.
   */
  @Column({ name: 'inline_content', type: 'boolean', default: false })
  inlineContent!: boolean;

  /**
   * [ext] `create-only`: a path once written is never overwritten or deleted; `read-only`: no write at
   * all. Only an administrator may set or lift either (DirectoryPolicy enforces them).
   */
  @Column({ name: 'write_policy', type: 'varchar', length: 20, default: 'allow' })
  writePolicy!: WritePolicy;

  /** [ext] The most bytes the directory's files may take (null: no quota); only an administrator sets it. */
  @Column({
    name: 'quota_bytes',
    type: 'bigint',
    nullable: true,
    transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  quotaBytes!: number | null;
  /** [ext] File history settings; null = off. */
  @Column({ name: 'file_history', type: 'jsonb', nullable: true })
  fileHistory!: FileHistorySettings | null;

  /** The directory's default cache setting (null = `public`). */
  @Column({ name: 'cache_header', type: 'jsonb', nullable: true })
  cacheHeader!: CacheHeader | null;

  /** Storage settings; null = disk under the server's data root. */
  @Column({ type: 'jsonb', nullable: true })
  storage!: Record<string, unknown> | null;

  /**
   * While a storage move runs: where the files come from. New files go to `storage`; reads that
   * miss there fall back here (see StorageMovesService).
   */
  @Column({ name: 'storage_previous', type: 'jsonb', nullable: true })
  storagePrevious!: StorageSettings | null;

  /**
   * [ext] The directory's upstream (ConnectorSettings, `password`/`apiKey` encrypted like storage
   * secrets); null = none. Only an administrator sets it.
   */
  @Column({ type: 'jsonb', nullable: true })
  connector!: ConnectorSettings | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
