import { Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';

/** How retention runs and storage moves went on this node. */
@Injectable()
export class JobMetrics {
  private readonly retentionRuns: Counter<'outcome' | 'dry_run'>;
  private readonly retentionDeletedFiles: Counter;
  private readonly retentionDeletedBytes: Counter;
  private readonly moves: Counter<'outcome'>;
  private readonly moveFiles: Counter<'outcome'>;
  private readonly moveBytes: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.retentionRuns = new Counter({
      name: 'stockroom_retention_runs_total',
      help: 'Retention runs finished (completed or failed)',
      labelNames: ['outcome', 'dry_run'],
      registers,
    });
    for (const outcome of ['completed', 'failed']) {
      for (const dryRun of ['false', 'true']) this.retentionRuns.inc({ outcome, dry_run: dryRun }, 0);
    }
    this.retentionDeletedFiles = new Counter({
      name: 'stockroom_retention_deleted_files_total',
      help: 'Files deleted by retention runs',
      registers,
    });
    this.retentionDeletedBytes = new Counter({
      name: 'stockroom_retention_deleted_bytes_total',
      help: 'Bytes freed by retention runs',
      registers,
    });
    this.moves = new Counter({
      name: 'stockroom_storage_moves_total',
      help: 'Storage moves finished: completed, failed (some files could not be copied) or stopped by an error',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of ['completed', 'failed', 'error']) this.moves.inc({ outcome }, 0);
    this.moveFiles = new Counter({
      name: 'stockroom_storage_move_files_total',
      help: 'Files handled by storage moves: copied (and verified), skipped (deleted meanwhile) or failed',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of ['copied', 'skipped', 'failed']) this.moveFiles.inc({ outcome }, 0);
    this.moveBytes = new Counter({
      name: 'stockroom_storage_move_bytes_total',
      help: 'Bytes copied by storage moves',
      registers,
    });
  }

  retentionRunFinished(outcome: 'completed' | 'failed', dryRun: boolean): void {
    this.retentionRuns.inc({ outcome, dry_run: String(dryRun) });
  }

  retentionDeleted(files: number, bytes: number): void {
    this.retentionDeletedFiles.inc(files);
    this.retentionDeletedBytes.inc(bytes);
  }

  storageMoveFinished(outcome: 'completed' | 'failed' | 'error'): void {
    this.moves.inc({ outcome });
  }

  storageMoveProgress(files: { copied: number; skipped: number; failed: number }, bytes: number): void {
    for (const [outcome, n] of Object.entries(files)) this.moveFiles.inc({ outcome }, n);
    this.moveBytes.inc(bytes);
  }
}
