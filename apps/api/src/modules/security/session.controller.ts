import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { CurrentPrincipal, LogoutResult } from '@stockroom/contracts';
import type { Request, Response } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { Actor } from '../../common/auth/actor.decorator';
import { JsonContentTypeGuard } from '../../common/http/json-content-type.guard';
import type { Principal } from '../../common/auth/principal';
import { ChangePasswordDto, LoginDto } from './security-requests.dto';
import { clientAddress } from './request-credentials';
import { clearSessionCookies, setSessionCookies } from './session-cookies';
import { OidcService } from './oidc.service';
import { SessionsService } from './sessions.service';
import { UsersService } from './users.service';
import { ApiTags } from '@nestjs/swagger';
import { Answers } from '../../openapi/api-docs.decorators';
import { InvalidatesItsOwnScopes } from '../../database/invalidate-after-writes.interceptor';

/** The console's sign-in, sign-out, who-am-I and change-my-password. */
@ApiTags('Session')
@Controller('api/security')
export class SessionController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly oidc: OidcService,
  ) {}

  @Answers(200, 'CurrentPrincipal', 'Signed in: sets the session and XSRF-TOKEN cookies')
  @Post('login')
  @HttpCode(200)
  @Access.public()
  // A failure invalidates the login throttle's scope (LoginThrottleService); sessions are not cached.
  @InvalidatesItsOwnScopes()
  // JSON only: another site's page could post a form or text/plain here (login CSRF).
  @UseGuards(JsonContentTypeGuard)
  async login(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Body() body: LoginDto,
  ): Promise<CurrentPrincipal> {
    const session = await this.sessions.signIn(body, clientAddress(req));
    setSessionCookies(req, res, session.token, session.csrfToken);
    return this.sessions.describe(session.principal);
  }

  @Answers(200, 'LogoutResult', "Signed out; for an OIDC user, the identity provider's end-session URL")
  @Post('logout')
  @HttpCode(200)
  @Access.anyone()
  @InvalidatesItsOwnScopes() // sessions are not cached
  async logout(@Actor() actor: Principal, @Res({ passthrough: true }) res: Response): Promise<LogoutResult> {
    const endSessionUrl = await this.oidc.endSessionUrl(actor);
    await this.sessions.signOut(actor);
    clearSessionCookies(res);
    return endSessionUrl ? { endSessionUrl } : {};
  }

  @Answers(200, 'CurrentPrincipal')
  @Get('me')
  @Access.anyone()
  me(@Actor() actor: Principal): Promise<CurrentPrincipal> {
    return this.sessions.describe(actor);
  }

  /** Every session of the user ends; the browser that asked gets a fresh one. */
  @Answers(204, undefined, 'Changed; every other session of the user ends')
  @Post('me/password')
  @HttpCode(204)
  @Access.authenticated()
  async changePassword(
    @Actor() actor: Principal,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Body() body: ChangePasswordDto,
  ): Promise<void> {
    await this.users.changeOwnPassword(actor, body);
    if (actor.credential === 'session') {
      const session = await this.sessions.open(actor);
      setSessionCookies(req, res, session.token, session.csrfToken);
    }
  }
}
