import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatTableModule } from '@angular/material/table';
import type { PrivilegeRule, Role } from '@stockroom/contracts';
import { firstValueFrom, forkJoin } from 'rxjs';
import { errorMessage } from '../../core/http/api-error';
import { confirmAction } from '../../shared/confirm-dialog';
import { ErrorBanner } from '../../shared/error-banner';
import { FeedsApi } from '../feeds/feeds-api';
import { GroupsApi } from './groups-api';
import { PRINCIPAL_TYPES, PrivilegeDialog, type PrivilegeDialogData } from './privilege-dialog';
import { PrivilegesApi } from './privileges-api';
import { RolesApi } from './roles-api';
import { UsersApi } from './users-api';

function ruleSentence(rule: PrivilegeRule): string {
  const type = PRINCIPAL_TYPES.find((t) => t.value === rule.principalType)?.label ?? rule.principalType;
  return `${rule.deny ? 'Deny' : 'Grant'} ${rule.role} to ${type.toLowerCase()} ${rule.principalName} on ${
    rule.feed === null ? 'all directories' : `directory ${rule.feed}`
  }`;
}

/** /admin/privileges: every privilege rule (global and per directory); add, delete. */
@Component({
  selector: 'app-privileges-page',
  imports: [MatTableModule, MatButtonModule, MatFormFieldModule, MatInputModule, FormsModule, ErrorBanner],
  templateUrl: './privileges-page.html',
  styleUrl: './admin-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PrivilegesPage {
  private readonly api = inject(PrivilegesApi);
  private readonly usersApi = inject(UsersApi);
  private readonly groupsApi = inject(GroupsApi);
  private readonly rolesApi = inject(RolesApi);
  private readonly feedsApi = inject(FeedsApi);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);

  protected readonly rules = signal<PrivilegeRule[] | undefined>(undefined);
  protected readonly filter = signal('');
  protected readonly shown = computed(() => {
    const text = this.filter().trim().toLowerCase();
    const rules = this.rules();
    if (!rules || !text) return rules;
    return rules.filter((r) =>
      [r.principalName, r.role, r.feed ?? 'all directories'].some((v) => v.toLowerCase().includes(text)),
    );
  });
  private choices: PrivilegeDialogData = { users: [], groups: [], roles: [], feeds: [] };
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly columns = ['principal', 'type', 'role', 'scope', 'effect', 'actions'];

  constructor() {
    this.load();
  }

  protected typeLabel(rule: PrivilegeRule): string {
    return PRINCIPAL_TYPES.find((t) => t.value === rule.principalType)?.label ?? rule.principalType;
  }

  protected load(): void {
    this.error.set(undefined);
    forkJoin([
      this.api.list(),
      this.usersApi.list(),
      this.groupsApi.list(),
      this.rolesApi.list(),
      this.feedsApi.list(),
    ]).subscribe({
      next: ([rules, users, groups, roles, feeds]) => {
        this.rules.set(rules);
        this.choices = {
          users: users.map((u) => u.userName),
          groups: groups.map((g) => g.name),
          roles: roles as Role[],
          feeds: feeds.map((f) => f.name),
        };
      },
      error: (e: unknown) => this.error.set(errorMessage(e)),
    });
  }

  protected async add(): Promise<void> {
    const ref = this.dialog.open<PrivilegeDialog, PrivilegeDialogData, PrivilegeRule>(PrivilegeDialog, {
      data: this.choices,
      width: '34rem',
      maxWidth: '95vw',
      autoFocus: 'first-tabbable',
    });
    const rule = await firstValueFrom(ref.afterClosed());
    if (!rule) return;
    this.rules.update((list) => [...(list ?? []), rule]);
    this.snackBar.open(`${ruleSentence(rule)}: added.`, 'OK', { duration: 4000 });
  }

  protected async remove(rule: PrivilegeRule): Promise<void> {
    const confirmed = await confirmAction(this.dialog, {
      title: 'Delete this privilege rule?',
      message: `${ruleSentence(rule)}.`,
      details: rule.deny ? ['What it denies is granted again if another rule grants it.'] : undefined,
      confirmLabel: 'Delete rule',
      destructive: true,
    });
    if (!confirmed) return;
    try {
      await firstValueFrom(this.api.delete(rule.id), { defaultValue: undefined });
      this.rules.update((list) => list?.filter((r) => r.id !== rule.id));
      this.snackBar.open('Rule deleted.', 'OK', { duration: 4000 });
    } catch (e) {
      this.snackBar.open(`Could not delete the rule: ${errorMessage(e)}`, 'Dismiss');
    }
  }
}
