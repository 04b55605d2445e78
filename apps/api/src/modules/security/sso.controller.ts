import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { LdapTestResult, Privilege, SsoSettings } from '@stockroom/contracts';
import { Access } from '../../common/auth/access.decorator';
import { InvalidatesItsOwnScopes } from '../../database/invalidate-after-writes.interceptor';
import { Answers } from '../../openapi/api-docs.decorators';
import { LdapTestDto } from './security-requests.dto';
import { SsoService } from './sso.service';

/** [ext] Single sign-on (issue 19): what is configured, and testing an LDAP sign-in. */
@ApiTags('Single sign-on')
@Controller('api/security')
export class SsoController {
  constructor(private readonly sso: SsoService) {}

  /** Public: the sign-in page shows "Sign in with …" from it. Never a secret. */
  @Answers(200, 'SsoSettings')
  @Get('sso')
  @Access.public()
  settings(): SsoSettings {
    return this.sso.settings();
  }

  /** Binds as the user and reads their groups; creates and changes nothing. */
  @Answers(
    200,
    'LdapTestResult',
    "The directory's answer (ok: false with the reason when it says no or cannot be reached)",
  )
  @Post('ldap/test')
  @HttpCode(200)
  @Access.global(Privilege.Administer)
  @InvalidatesItsOwnScopes() // changes nothing
  test(@Body() body: LdapTestDto): Promise<LdapTestResult> {
    return this.sso.testLdap(body.userName, body.password);
  }
}
