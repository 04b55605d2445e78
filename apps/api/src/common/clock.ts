import { Injectable } from '@nestjs/common';

/**
 * The time this node goes by for file dates, download times and retention. One place, so tests
 * and benchmarks can move it forward ("40 days later") instead of forging database rows.
 */
@Injectable()
export class Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Moves this node's time by `ms` (tests and benchmarks). */
  travel(ms: number): void {
    this.offsetMs += ms;
  }
}
