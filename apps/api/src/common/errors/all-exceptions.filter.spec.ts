import { All, Controller, Get, INestApplication, Module, UseFilters } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { ErrorCode } from '@stockroom/contracts';
import request from 'supertest';
import { AllExceptionsFilter, errorHeaders, PlainTextErrorsFilter } from './all-exceptions.filter';
import { AppError } from './app-error';

const tooMany = () => new AppError(ErrorCode.TooManyRequests, 'Slow down.', { retryAfterSeconds: 7 });

/** A controller of a text protocol mounted where no ProGet path is: its errors are still text. */
@Controller('elsewhere')
@UseFilters(PlainTextErrorsFilter)
class TextProtocolController {
  @Get('fail')
  fail(): never {
    throw tooMany();
  }
}

/** A JSON controller mounted under `/endpoints/`: the URL does not make its errors text. */
@Controller('endpoints/json-probe')
class JsonProtocolController {
  @All('fail')
  fail(): never {
    throw new AppError(ErrorCode.MethodNotAllowed, 'Use GET.', { allowedMethods: ['GET', 'HEAD'] });
  }
}

@Module({
  controllers: [TextProtocolController, JsonProtocolController],
  providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
})
class ProbeModule {}

describe('errorHeaders', () => {
  const plain = { headers: {} };

  it('says each protocol-neutral detail as its HTTP header', () => {
    expect(errorHeaders({ retryAfterSeconds: 30 }, plain)).toEqual({ 'Retry-After': '30' });
    expect(errorHeaders({ allowedMethods: ['GET', 'POST'] }, plain)).toEqual({ Allow: 'GET, POST' });
    expect(errorHeaders({ rangeSize: 1234 }, plain)).toEqual({ 'Content-Range': 'bytes */1234' });
    expect(errorHeaders({ requestAbandoned: true }, plain)).toEqual({ Connection: 'close' });
    expect(errorHeaders({ authChallenge: 'basic' }, plain)).toEqual({
      'WWW-Authenticate': 'Basic realm="Stockroom", charset="UTF-8"',
    });
    expect(errorHeaders({}, plain)).toEqual({});
  });

  it('never challenges the console (no browser sign-in dialog)', () => {
    expect(
      errorHeaders(
        { authChallenge: 'basic', retryAfterSeconds: 1 },
        { headers: { 'x-requested-with': 'XMLHttpRequest' } },
      ),
    ).toEqual({ 'Retry-After': '1' });
  });
});

describe('error body format', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(() => app.close());

  it('is the controller’s: a text protocol answers text/plain wherever it is mounted', async () => {
    const res = await request(app.getHttpServer()).get('/elsewhere/fail');
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['retry-after']).toBe('7');
    expect(res.text).toBe('Slow down.');
  });

  it('is JSON {code, message} by default, even under /endpoints/', async () => {
    const res = await request(app.getHttpServer()).post('/endpoints/json-probe/fail');
    expect(res.status).toBe(405);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['allow']).toBe('GET, HEAD');
    expect(res.body).toEqual({ code: ErrorCode.MethodNotAllowed, message: 'Use GET.' });
  });

  it('of a request no controller took follows the API whose URL space it is in', async () => {
    const proget = await request(app.getHttpServer()).get('/endpoints/');
    expect(proget.status).toBe(404);
    expect(proget.headers['content-type']).toBe('text/plain; charset=utf-8');
    const other = await request(app.getHttpServer()).get('/nothing-here');
    expect(other.status).toBe(404);
    expect(other.body.code).toBe(ErrorCode.NotFound);
  });
});
