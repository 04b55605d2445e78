import { ErrorCode } from '@stockroom/contracts';
import { AppError } from '../errors/app-error';
import { SignedUrlRequestDto } from '../../modules/assets/signed-url-request.dto';
import { CreateFeedDto, UpdateFeedDto } from '../../modules/feeds/feed-requests.dto';
import { ApplyRetentionDto, RetentionSettingsDto } from '../../modules/retention/retention-requests.dto';
import {
  ChangePasswordDto,
  CreateApiKeyDto,
  CreatePrivilegeRuleDto,
  CreateRoleDto,
  CreateUserDto,
  LoginDto,
  UpdateGroupDto,
} from '../../modules/security/security-requests.dto';
import { BodyValidationPipe, fieldsOf } from './body-validation.pipe';

const pipe = new BodyValidationPipe();
const check = (dto: new () => object, body: unknown) => pipe.transform(body, { type: 'body', metatype: dto });

/** The 400 a body gets: its message (the filter turns it into `{code, message}`). */
async function refusal(dto: new () => object, body: unknown): Promise<string> {
  try {
    await check(dto, body);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe(ErrorCode.BadRequest);
    return (e as AppError).message;
  }
  throw new Error(`accepted: ${JSON.stringify(body)}`);
}

describe('request DTOs at the edge', () => {
  it('gives services an instance of the DTO with the fields sent, and nothing else', async () => {
    const login = await check(LoginDto, { userName: 'ann', password: 'secret-pw' });
    expect(login).toBeInstanceOf(LoginDto);
    expect({ ...(login as LoginDto) }).toEqual({ userName: 'ann', password: 'secret-pw' });
    const patch = await check(UpdateGroupDto, { description: 'x' });
    expect(Object.keys(patch as object)).toEqual(['description']);
  });

  it('leaves other parameters and untyped bodies alone', async () => {
    expect(await pipe.transform('x', { type: 'param', metatype: String })).toBe('x');
    expect(await pipe.transform([1], { type: 'body', metatype: Object })).toEqual([1]);
  });

  it.each([
    [LoginDto, [], 'Expected a JSON object.'],
    [LoginDto, 'text', 'Expected a JSON object.'],
    [LoginDto, null, 'Expected a JSON object.'],
    [LoginDto, { password: 'p' }, '"userName" is required.'],
    [LoginDto, { userName: null, password: 'p' }, '"userName" is required.'],
    [LoginDto, { userName: 7, password: 'p' }, '"userName" must be a string.'],
    [LoginDto, { userName: 'a'.repeat(1001), password: 'p' }, '"userName" is longer than 1000 characters.'],
    [
      LoginDto,
      { userName: 'a', password: 'p', remember: true },
      'Unknown field "remember": expected userName, password.',
    ],
    [ChangePasswordDto, { currentPassword: 'x' }, '"newPassword" is required.'],
    [CreateUserDto, { userName: 'a', password: 'p', enabled: 'yes' }, '"enabled" must be true or false.'],
    [CreateUserDto, { userName: 'a', password: 'p', groups: 'admins' }, '"groups" must be an array of strings.'],
    [CreateUserDto, { userName: 'a', password: 'p', groups: ['a', 1] }, '"groups" must be an array of strings.'],
    [CreateUserDto, { userName: 'a', password: 'p', email: 'e'.repeat(321) }, '"email" is longer than 320 characters.'],
    [CreateRoleDto, { name: 'r', privileges: [1] }, '"privileges" must be an array of strings.'],
    [CreatePrivilegeRuleDto, { principalType: 'user', principalName: 'a' }, '"role" is required.'],
    [
      CreatePrivilegeRuleDto,
      { principalType: 'user', principalName: 'a', role: 'r', deny: 1 },
      '"deny" must be true or false.',
    ],
    [CreateApiKeyDto, { type: 5 }, '"type" must be a string.'],
    [CreateFeedDto, { feedType: 'asset' }, '"name" is required.'],
    [CreateFeedDto, { name: 'a' }, '"feedType" is required (use "asset").'],
    [CreateFeedDto, { name: 'a', feedType: 'asset', active: 'no' }, '"active" must be true or false.'],
    [UpdateFeedDto, { retentionRules: {} }, 'retentionRules must be an array of rules.'],
    [
      UpdateFeedDto,
      { retentionRules: [{ deletePackageIds: ['*.zip'] }, { keepLatestCount: 0 }] },
      'retentionRules[1].keepLatestCount must be a whole number of files (1 or more); got 0.',
    ],
    [UpdateFeedDto, { retentionRules: [{ colour: 'red' }] }, 'retentionRules[0].colour is an unknown field.'],
    [SignedUrlRequestDto, { feed: 'a' }, '"path" is required.'],
    [SignedUrlRequestDto, { feed: 'a', path: 'b', download: 'yes' }, '"download" must be true or false.'],
    [ApplyRetentionDto, {}, '"previewId" is required: the id a preview of this directory answered with.'],
    [
      ApplyRetentionDto,
      { previewId: 'abc' },
      '"previewId" is required: the id a preview of this directory answered with.',
    ],
    [RetentionSettingsDto, { historyDays: 0 }, '"historyDays" must be a whole number of days from 1 to 3650.'],
    [RetentionSettingsDto, { historyDays: 2.5 }, '"historyDays" must be a whole number of days from 1 to 3650.'],
    [RetentionSettingsDto, { historyDays: '30' }, '"historyDays" must be a whole number of days from 1 to 3650.'],
    [RetentionSettingsDto, { schedule: 5 }, '"schedule" must be a string.'],
    [
      RetentionSettingsDto,
      { dryrun: true },
      'Unknown field "dryrun": expected schedule, timezone, dryRun, historyDays.',
    ],
  ] as const)('%p refuses %j: %s', async (dto, body, message) => {
    expect(await refusal(dto, body)).toBe(message);
  });

  it('refuses __proto__ and constructor like any unknown field', async () => {
    expect(await refusal(LoginDto, JSON.parse('{"userName":"a","password":"p","__proto__":{"x":1}}'))).toBe(
      'Unknown field "__proto__": expected userName, password.',
    );
    const key = await check(CreateApiKeyDto, JSON.parse('{"constructor":{"x":1},"__proto__":{"y":2},"type":"System"}'));
    expect(key).toBeInstanceOf(CreateApiKeyDto);
    expect({ ...(key as object) }).toEqual({ type: 'System' });
  });

  it('treats null as "not given" for optional fields', async () => {
    const patch = (await check(RetentionSettingsDto, { schedule: null, historyDays: null })) as RetentionSettingsDto;
    expect(patch.schedule ?? 'kept').toBe('kept');
    expect(patch.historyDays ?? 'kept').toBe('kept');
  });

  it('ProGet clients may send more than we read: feed JSON and ApiKeyInfo keep only the known fields', async () => {
    const feed = (await check(CreateFeedDto, {
      name: 'assets',
      feedType: 'asset',
      dropPath: '',
      endpointUrl: 'http://x',
      retentionRules: [{ DELETEPACKAGEIDS: ['*.tmp'], keepVersionsCount: null }],
    })) as CreateFeedDto;
    expect({ ...feed }).toEqual({
      name: 'assets',
      feedType: 'asset',
      retentionRules: [{ deletePackageIds: ['*.tmp'] }],
    });
    const key = (await check(CreateApiKeyDto, {
      id: 0,
      type: 'personal',
      createdAt: null,
      packagePermissions: null,
    })) as CreateApiKeyDto;
    expect({ ...key }).toEqual({ type: 'personal', packagePermissions: null });
  });

  it('null retentionRules clear them (ProGet: "supply null or an empty array")', async () => {
    expect(((await check(UpdateFeedDto, { retentionRules: null })) as UpdateFeedDto).retentionRules).toEqual([]);
    expect(((await check(UpdateFeedDto, {})) as UpdateFeedDto).retentionRules).toBeUndefined();
  });

  it('lists a DTO\'s fields in declaration order (the "expected …" of an unknown field)', () => {
    expect(fieldsOf(CreateUserDto)).toEqual(['userName', 'password', 'displayName', 'email', 'enabled', 'groups']);
  });
});
