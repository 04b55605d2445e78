import { Module } from '@nestjs/common';
import { OpenApiDocumentService } from './openapi-document.service';
import { OpenApiController } from './openapi.controller';

/** The OpenAPI document and its browsable page. */
@Module({
  controllers: [OpenApiController],
  providers: [OpenApiDocumentService],
  exports: [OpenApiDocumentService],
})
export class OpenApiModule {}
