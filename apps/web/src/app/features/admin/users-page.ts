import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatTableModule } from '@angular/material/table';
import type { Group, User } from '@stockroom/contracts';
import { firstValueFrom, forkJoin } from 'rxjs';
import { AuthStore } from '../../core/auth/auth-store';
import { errorMessage } from '../../core/http/api-error';
import { confirmAction } from '../../shared/confirm-dialog';
import { ErrorBanner } from '../../shared/error-banner';
import { formatDate } from '../../shared/format';
import { GroupsApi } from './groups-api';
import { isExternal, sourceLabel } from './labels';
import { UserDialog, type UserDialogData } from './user-dialog';
import { UsersApi } from './users-api';

/**
 * /admin/users: every user, create, edit, delete. Users from LDAP or OpenID Connect show where they
 * come from and when they last signed in; their password and directory groups are not edited here.
 */
@Component({
  selector: 'app-users-page',
  imports: [MatTableModule, MatButtonModule, ErrorBanner],
  templateUrl: './users-page.html',
  styleUrl: './admin-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UsersPage {
  private readonly api = inject(UsersApi);
  private readonly groupsApi = inject(GroupsApi);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly auth = inject(AuthStore);

  protected readonly users = signal<User[] | undefined>(undefined);
  private readonly groups = signal<Group[]>([]);
  /** The names of the groups a directory or identity provider owns. */
  protected readonly externalGroups = computed(
    () =>
      new Set(
        this.groups()
          .filter((g) => isExternal(g))
          .map((g) => g.name),
      ),
  );
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly columns = [
    'userName',
    'displayName',
    'email',
    'groups',
    'source',
    'status',
    'createdAt',
    'lastSignInAt',
    'actions',
  ];
  protected readonly formatDate = formatDate;
  protected readonly sourceLabel = sourceLabel;
  protected readonly isExternal = isExternal;
  protected readonly self = this.auth.userName;

  constructor() {
    this.load();
  }

  protected load(): void {
    this.error.set(undefined);
    forkJoin([this.api.list(), this.groupsApi.list()]).subscribe({
      next: ([users, groups]) => {
        this.users.set(users);
        this.groups.set(groups);
      },
      error: (e: unknown) => this.error.set(errorMessage(e)),
    });
  }

  protected async create(): Promise<void> {
    const user = await this.openDialog(this.dialogData());
    if (!user) return;
    this.users.update((list) => [...(list ?? []), user].sort((a, b) => a.userName.localeCompare(b.userName)));
    this.snackBar.open(`User ${user.userName} created.`, 'OK', { duration: 4000 });
  }

  protected async edit(user: User): Promise<void> {
    const saved = await this.openDialog(this.dialogData(user));
    if (!saved) return;
    this.users.update((list) => list?.map((u) => (u.userName === user.userName ? saved : u)));
    this.snackBar.open(`User ${saved.userName} saved.`, 'OK', { duration: 4000 });
  }

  protected async remove(user: User): Promise<void> {
    const confirmed = await confirmAction(this.dialog, {
      title: `Delete user ${user.userName}?`,
      message: 'The user can no longer sign in; their privilege rules and personal API keys go with them.',
      details: user.groups.length ? [`Member of ${user.groups.join(', ')}`] : undefined,
      confirmLabel: 'Delete user',
      destructive: true,
    });
    if (!confirmed) return;
    try {
      await firstValueFrom(this.api.delete(user.userName), { defaultValue: undefined });
      this.users.update((list) => list?.filter((u) => u.userName !== user.userName));
      this.snackBar.open(`User ${user.userName} deleted.`, 'OK', { duration: 4000 });
    } catch (e) {
      this.snackBar.open(`Could not delete ${user.userName}: ${errorMessage(e)}`, 'Dismiss');
    }
  }

  /** Only built-in groups can be chosen: the others' membership belongs to their directory. */
  private dialogData(user?: User): UserDialogData {
    const external = this.externalGroups();
    return {
      user,
      groups: this.groups()
        .map((g) => g.name)
        .filter((name) => !external.has(name)),
      externalGroups: user ? user.groups.filter((name) => external.has(name)) : [],
      self: this.self(),
    };
  }

  private async openDialog(data: UserDialogData): Promise<User | undefined> {
    const ref = this.dialog.open<UserDialog, UserDialogData, User>(UserDialog, {
      data,
      width: '32rem',
      maxWidth: '95vw',
      autoFocus: 'first-tabbable',
    });
    return firstValueFrom(ref.afterClosed());
  }
}
