import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController, type OpenAPIObject } from '@nestjs/swagger';
import { ErrorCode } from '@stockroom/contracts';
import type { Request, Response } from 'express';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Access } from '../common/auth/access.decorator';
import { AppError } from '../common/errors/app-error';
import { OpenApiDocumentService } from './openapi-document.service';

/** The page: swagger-ui's files and our init script, all same-origin; no inline script (see the docs CSP). */
const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Stockroom API</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script src="docs/init.js"></script>
</body>
</html>
`;

/**
 * Starts swagger-ui on the document. "Try it out" runs as the signed-in console user: the session
 * cookie goes along (same origin), and the CSRF token is echoed as the console does.
 */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: 'openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  requestInterceptor: function (request) {
    var token = document.cookie.match(/(?:^|;\\s*)XSRF-TOKEN=([^;]*)/);
    if (token) request.headers['X-XSRF-TOKEN'] = decodeURIComponent(token[1]);
    return request;
  },
});
`;

/** The files of swagger-ui-dist the page loads (nothing else of that folder is served). */
const UI_FILES: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

let uiDir: string | undefined;

/** swagger-ui-dist as @nestjs/swagger depends on it (resolved from there, wherever npm put it). */
function swaggerUiDir(): string {
  if (!uiDir) {
    const fromSwagger = createRequire(createRequire(__filename).resolve('@nestjs/swagger'));
    uiDir = dirname(fromSwagger.resolve('swagger-ui-dist/package.json'));
  }
  return uiDir;
}

/**
 * `GET /api/openapi.json` (the OpenAPI 3 document of `/api` and `/endpoints`) and `GET /api/docs`
 * (swagger-ui on it). Public: the document describes the API, not anyone's data. The page's
 * Content-Security-Policy is set in common/http/security-headers.ts.
 */
@ApiExcludeController()
@Controller('api')
@Access.public()
export class OpenApiController {
  constructor(private readonly document: OpenApiDocumentService) {}

  @Get('openapi.json')
  openApi(): OpenAPIObject {
    return this.document.get();
  }

  @Get('docs')
  page(@Req() req: Request, @Res() res: Response): void {
    // The page's links are relative to /api/docs: /api/docs/ would resolve them one level too deep.
    if (req.path.endsWith('/')) {
      res.redirect(301, '../docs');
      return;
    }
    res.type('html').send(PAGE);
  }

  @Get('docs/:file')
  file(@Param('file') file: string, @Res() res: Response): void {
    if (file === 'init.js') {
      res.type('text/javascript; charset=utf-8').send(INIT_SCRIPT);
      return;
    }
    const type = Object.hasOwn(UI_FILES, file) ? UI_FILES[file] : undefined;
    if (!type) throw new AppError(ErrorCode.NotFound, `No such file: ${file}.`);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type(type).sendFile(join(swaggerUiDir(), file));
  }
}
