import { Module } from '@nestjs/common';
import { ChangeEventsRepository } from './change-events.repository';
import { ChangeEventsService } from './change-events.service';

/** The transactional outbox of changes (issue 20): written by every module that changes things, read by webhooks. */
@Module({
  providers: [ChangeEventsRepository, ChangeEventsService],
  exports: [ChangeEventsService, ChangeEventsRepository],
})
export class EventsModule {}
