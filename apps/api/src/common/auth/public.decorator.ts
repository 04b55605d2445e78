import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'stockroom:isPublic';

/** Opts a route out of authentication (health, login). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
