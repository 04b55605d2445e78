import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatTableModule } from '@angular/material/table';
import type { Group } from '@stockroom/contracts';
import { firstValueFrom, forkJoin } from 'rxjs';
import { errorMessage } from '../../core/http/api-error';
import { confirmAction } from '../../shared/confirm-dialog';
import { ErrorBanner } from '../../shared/error-banner';
import { GroupDialog, type GroupDialogData } from './group-dialog';
import { GroupsApi } from './groups-api';
import { isExternal, sourceLabel } from './labels';
import { UsersApi } from './users-api';

/**
 * /admin/groups: every group with its members; create, edit, delete. Groups from LDAP or OpenID
 * Connect say so; their membership is the directory's (read-only in the dialog).
 */
@Component({
  selector: 'app-groups-page',
  imports: [MatTableModule, MatButtonModule, ErrorBanner],
  templateUrl: './groups-page.html',
  styleUrl: './admin-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class GroupsPage {
  private readonly api = inject(GroupsApi);
  private readonly usersApi = inject(UsersApi);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);

  protected readonly groups = signal<Group[] | undefined>(undefined);
  private readonly users = signal<string[]>([]);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly columns = ['name', 'source', 'description', 'members', 'actions'];
  protected readonly sourceLabel = sourceLabel;
  protected readonly isExternal = isExternal;

  constructor() {
    this.load();
  }

  protected load(): void {
    this.error.set(undefined);
    forkJoin([this.api.list(), this.usersApi.list()]).subscribe({
      next: ([groups, users]) => {
        this.groups.set(groups);
        this.users.set(users.map((u) => u.userName));
      },
      error: (e: unknown) => this.error.set(errorMessage(e)),
    });
  }

  protected async create(): Promise<void> {
    const group = await this.openDialog({ users: this.users() });
    if (!group) return;
    this.groups.update((list) => [...(list ?? []), group].sort((a, b) => a.name.localeCompare(b.name)));
    this.snackBar.open(`Group ${group.name} created.`, 'OK', { duration: 4000 });
  }

  protected async edit(group: Group): Promise<void> {
    const saved = await this.openDialog({ group, users: this.users() });
    if (!saved) return;
    this.groups.update((list) => list?.map((g) => (g.name === group.name ? saved : g)));
    this.snackBar.open(`Group ${saved.name} saved.`, 'OK', { duration: 4000 });
  }

  protected async remove(group: Group): Promise<void> {
    const confirmed = await confirmAction(this.dialog, {
      title: `Delete group ${group.name}?`,
      message: 'Its members lose the privileges granted to the group.',
      details: group.members.length ? [`${group.members.length} member(s): ${group.members.join(', ')}`] : undefined,
      confirmLabel: 'Delete group',
      destructive: true,
    });
    if (!confirmed) return;
    try {
      await firstValueFrom(this.api.delete(group.name), { defaultValue: undefined });
      this.groups.update((list) => list?.filter((g) => g.name !== group.name));
      this.snackBar.open(`Group ${group.name} deleted.`, 'OK', { duration: 4000 });
    } catch (e) {
      this.snackBar.open(`Could not delete ${group.name}: ${errorMessage(e)}`, 'Dismiss');
    }
  }

  private async openDialog(data: GroupDialogData): Promise<Group | undefined> {
    const ref = this.dialog.open<GroupDialog, GroupDialogData, Group>(GroupDialog, {
      data,
      width: '32rem',
      maxWidth: '95vw',
      autoFocus: 'first-tabbable',
    });
    return firstValueFrom(ref.afterClosed());
  }
}
