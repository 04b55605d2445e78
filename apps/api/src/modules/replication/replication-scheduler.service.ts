import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { ReplicationService } from './replication.service';

const TICK_MS = 30_000;

/**
 * Every node ticks: each tick takes over runs a stopped node left half-done, then starts the runs
 * whose schedule is due. The job's lock and one run row per schedule slot make each happen once,
 * however many nodes tick.
 */
@Injectable()
export class ReplicationScheduler implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ReplicationScheduler.name);
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;

  constructor(
    private readonly replication: ReplicationService,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tickSoon(), TICK_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  private tickSoon(): Promise<void> {
    this.ticking ??= this.tick()
      .catch((e) => this.logger.warn(`Replication schedule: ${(e as Error).message}`))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** One tick (the timer's, or a test's). */
  async tick(): Promise<void> {
    await this.replication.carryOnInterrupted();
    for (const { job, slot } of await this.replication.dueJobs(this.clock.now())) {
      await this.replication.runScheduled(job, slot);
    }
  }
}
