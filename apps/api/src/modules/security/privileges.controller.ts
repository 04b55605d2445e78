import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Req } from '@nestjs/common';
import { Privilege, PrivilegeRule, Role } from '@stockroom/contracts';
import type { Request } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { Actor } from '../../common/auth/actor.decorator';
import type { Principal } from '../../common/auth/principal';
import { CreatePrivilegeRuleDto, CreateRoleDto, UpdateRoleDto } from './security-requests.dto';
import { Query } from '../../common/http/query';
import { PrivilegesService } from './privileges.service';
import { ApiTags } from '@nestjs/swagger';
import { Answers, QueryParam } from '../../openapi/api-docs.decorators';

/** Roles (Administer changes them; anyone signed in reads them) and privilege rules. */
@ApiTags('Roles and privileges')
@Controller('api/security')
export class PrivilegesController {
  constructor(private readonly privileges: PrivilegesService) {}

  @Answers(200, ['Role'])
  @Get('roles')
  @Access.authenticated()
  listRoles(): Promise<Role[]> {
    return this.privileges.listRoles();
  }

  @Answers(201, 'Role')
  @Post('roles')
  @HttpCode(201)
  @Access.global(Privilege.Administer)
  createRole(@Actor() actor: Principal, @Body() body: CreateRoleDto): Promise<Role> {
    return this.privileges.createRole(actor, body);
  }

  @Answers(200, 'Role')
  @Patch('roles/:name')
  @Access.global(Privilege.Administer)
  updateRole(@Actor() actor: Principal, @Param('name') name: string, @Body() body: UpdateRoleDto): Promise<Role> {
    return this.privileges.updateRole(actor, name, body);
  }

  @Answers(204)
  @Delete('roles/:name')
  @HttpCode(204)
  @Access.global(Privilege.Administer)
  deleteRole(@Actor() actor: Principal, @Param('name') name: string): Promise<void> {
    return this.privileges.deleteRole(actor, name);
  }

  /** `?feed=X`: that directory's rules (Manage there); no feed: all rules (Administer). */
  @Answers(200, ['PrivilegeRule'])
  @QueryParam('feed', "That directory's rules (Manage Feed there); absent: all rules (Administer).")
  @Get('privileges')
  @Access.directory()
  listRules(@Actor() actor: Principal, @Req() req: Request): Promise<PrivilegeRule[]> {
    return this.privileges.listRules(actor, Query.fromUrl(req.originalUrl).get('feed'));
  }

  @Answers(201, 'PrivilegeRule')
  @Post('privileges')
  @HttpCode(201)
  @Access.directory()
  createRule(@Actor() actor: Principal, @Body() body: CreatePrivilegeRuleDto): Promise<PrivilegeRule> {
    return this.privileges.createRule(actor, body);
  }

  @Answers(204)
  @Delete('privileges/:id')
  @HttpCode(204)
  @Access.directory()
  deleteRule(@Actor() actor: Principal, @Param('id', ParseIntPipe) id: number): Promise<void> {
    return this.privileges.deleteRule(actor, id);
  }
}
