import { ChangeEventEntity } from '../events/change-event.entity';
import { webhooksFor } from './webhook-dispatcher.service';
import { WebhookEntity } from './webhook.entity';

const hook = (id: string, feedId: number | null, events: string[]) =>
  Object.assign(new WebhookEntity(), { id, feedId, events, active: true });
const event = (type: string, feedId: number | null, details: Record<string, unknown> = {}) =>
  Object.assign(new ChangeEventEntity(), { id: 'e', type, feedId, details });

describe('webhooksFor', () => {
  const hooks = [
    hook('dir1', 1, ['file.created']),
    hook('dir2', 2, ['file.created']),
    hook('all', null, ['file.created', 'replication.failed']),
  ];

  it("sends a directory's events to its webhooks and the global ones, for the types they asked for", () => {
    expect(webhooksFor(event('file.created', 1), hooks).map((h) => h.id)).toEqual(['dir1', 'all']);
    expect(webhooksFor(event('file.deleted', 1), hooks)).toEqual([]);
    expect(webhooksFor(event('replication.failed', null), hooks).map((h) => h.id)).toEqual(['all']);
  });

  it('sends a test event to its webhook only, whatever its types', () => {
    expect(webhooksFor(event('webhook.test', 2, { webhook: 'dir2' }), hooks).map((h) => h.id)).toEqual(['dir2']);
  });
});
