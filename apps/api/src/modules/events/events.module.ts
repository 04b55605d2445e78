import { Module } from '@nestjs/common';
import { ChangeEventsListener } from './change-events.listener';
import { ChangeEventsRepository } from './change-events.repository';
import { ChangeEventsService } from './change-events.service';

/** The transactional outbox of changes (issue 20): written by every module that changes things, read by webhooks. */
@Module({
  providers: [ChangeEventsRepository, ChangeEventsService, ChangeEventsListener],
  exports: [ChangeEventsService, ChangeEventsListener],
})
export class EventsModule {}
