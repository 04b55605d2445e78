import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { Group, Privilege, User } from '@stockroom/contracts';
import { Access } from '../../common/auth/access.decorator';
import { Actor } from '../../common/auth/actor.decorator';
import type { Principal } from '../../common/auth/principal';
import { CreateGroupDto, CreateUserDto, UpdateGroupDto, UpdateUserDto } from './security-requests.dto';
import { UsersService } from './users.service';
import { ApiTags } from '@nestjs/swagger';
import { Answers } from '../../openapi/api-docs.decorators';

/** The user directory and groups: Administer only. */
@ApiTags('Users and groups')
@Controller('api/security')
@Access.global(Privilege.Administer)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Answers(200, ['User'])
  @Get('users')
  listUsers(): Promise<User[]> {
    return this.users.listUsers();
  }

  @Answers(201, 'User')
  @Post('users')
  @HttpCode(201)
  createUser(@Actor() actor: Principal, @Body() body: CreateUserDto): Promise<User> {
    return this.users.createUser(actor, body);
  }

  @Answers(200, 'User')
  @Get('users/:name')
  getUser(@Param('name') name: string): Promise<User> {
    return this.users.getUser(name);
  }

  @Answers(200, 'User')
  @Patch('users/:name')
  updateUser(@Actor() actor: Principal, @Param('name') name: string, @Body() body: UpdateUserDto): Promise<User> {
    return this.users.updateUser(actor, name, body);
  }

  @Answers(204)
  @Delete('users/:name')
  @HttpCode(204)
  deleteUser(@Actor() actor: Principal, @Param('name') name: string): Promise<void> {
    return this.users.deleteUser(actor, name);
  }

  @Answers(200, ['Group'])
  @Get('groups')
  listGroups(): Promise<Group[]> {
    return this.users.listGroups();
  }

  @Answers(201, 'Group')
  @Post('groups')
  @HttpCode(201)
  createGroup(@Actor() actor: Principal, @Body() body: CreateGroupDto): Promise<Group> {
    return this.users.createGroup(actor, body);
  }

  @Answers(200, 'Group')
  @Get('groups/:name')
  getGroup(@Param('name') name: string): Promise<Group> {
    return this.users.getGroup(name);
  }

  @Answers(200, 'Group')
  @Patch('groups/:name')
  updateGroup(@Actor() actor: Principal, @Param('name') name: string, @Body() body: UpdateGroupDto): Promise<Group> {
    return this.users.updateGroup(actor, name, body);
  }

  @Answers(204)
  @Delete('groups/:name')
  @HttpCode(204)
  deleteGroup(@Actor() actor: Principal, @Param('name') name: string): Promise<void> {
    return this.users.deleteGroup(actor, name);
  }
}
