import { ApiProperty } from '@nestjs/swagger';
import { REPLICATION_MODES, type CreateReplicationRequest, type ReplicationMode } from '@stockroom/contracts';
import { IsDefined, IsIn } from 'class-validator';
import { OptionalBoolean, OptionalString, RequiredString } from '../../common/http/body-fields';

const MODE = { message: `"mode" must be one of ${REPLICATION_MODES.join(', ')}.` };

/** `POST /api/replication`. */
export class CreateReplicationDto implements CreateReplicationRequest {
  @RequiredString(100)
  feed!: string;

  @RequiredString(2000)
  remoteUrl!: string;

  @RequiredString(100)
  remoteFeed!: string;

  @ApiProperty({ enum: REPLICATION_MODES, required: true })
  @IsDefined(MODE)
  @IsIn([...REPLICATION_MODES], MODE)
  mode!: ReplicationMode;

  @OptionalString(1000)
  apiKey?: string;

  @OptionalString(200)
  schedule?: string;

  @OptionalBoolean()
  deletes?: boolean;
}
