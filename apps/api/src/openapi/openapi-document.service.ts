import { Injectable } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * Holds the OpenAPI document. It is built from the whole application (Nest's scan of every
 * controller), which a provider cannot reach, so `createApp` hands in the builder; the document is
 * built on the first request for it, not at every start.
 */
@Injectable()
export class OpenApiDocumentService {
  private build?: () => OpenAPIObject;
  private document?: OpenAPIObject;

  useBuilder(build: () => OpenAPIObject): void {
    this.build = build;
    this.document = undefined;
  }

  get(): OpenAPIObject {
    if (!this.build) throw new Error('The OpenAPI document has no builder (createApp sets it).');
    this.document ??= this.build();
    return this.document;
  }
}
