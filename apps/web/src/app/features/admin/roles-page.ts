import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatTableModule } from '@angular/material/table';
import type { Role } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { errorMessage } from '../../core/http/api-error';
import { confirmAction } from '../../shared/confirm-dialog';
import { ErrorBanner } from '../../shared/error-banner';
import { ALL_PRIVILEGES, privilegeLabel } from './labels';
import { RoleDialog, type RoleDialogData } from './role-dialog';
import { RolesApi } from './roles-api';

/** /admin/roles: the four built-in roles (read-only) and custom ones (create, edit, delete). */
@Component({
  selector: 'app-roles-page',
  imports: [MatTableModule, MatButtonModule, ErrorBanner],
  templateUrl: './roles-page.html',
  styleUrl: './admin-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RolesPage {
  private readonly api = inject(RolesApi);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);

  protected readonly roles = signal<Role[] | undefined>(undefined);
  protected readonly builtIn = computed(() => this.roles()?.filter((r) => r.builtIn));
  protected readonly custom = computed(() => this.roles()?.filter((r) => !r.builtIn));
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly builtInColumns = ['name', 'privileges'];
  protected readonly customColumns = ['name', 'description', 'privileges', 'actions'];

  constructor() {
    this.load();
  }

  /** In the console's order, with readable labels. */
  protected labels(role: Role): string[] {
    return ALL_PRIVILEGES.filter((p) => role.privileges.includes(p)).map(privilegeLabel);
  }

  protected load(): void {
    this.error.set(undefined);
    this.api.list().subscribe({
      next: (roles) => this.roles.set(roles),
      error: (e: unknown) => this.error.set(errorMessage(e)),
    });
  }

  protected async create(): Promise<void> {
    const role = await this.openDialog({});
    if (!role) return;
    this.roles.update((list) => [...(list ?? []), role]);
    this.snackBar.open(`Role ${role.name} created.`, 'OK', { duration: 4000 });
  }

  protected async edit(role: Role): Promise<void> {
    const saved = await this.openDialog({ role });
    if (!saved) return;
    this.roles.update((list) => list?.map((r) => (r.name === role.name ? saved : r)));
    this.snackBar.open(`Role ${saved.name} saved.`, 'OK', { duration: 4000 });
  }

  protected async remove(role: Role): Promise<void> {
    const confirmed = await confirmAction(this.dialog, {
      title: `Delete role ${role.name}?`,
      message: 'A role that privilege rules still use cannot be deleted: remove those rules first.',
      confirmLabel: 'Delete role',
      destructive: true,
    });
    if (!confirmed) return;
    try {
      await firstValueFrom(this.api.delete(role.name), { defaultValue: undefined });
      this.roles.update((list) => list?.filter((r) => r.name !== role.name));
      this.snackBar.open(`Role ${role.name} deleted.`, 'OK', { duration: 4000 });
    } catch (e) {
      this.snackBar.open(`Could not delete ${role.name}: ${errorMessage(e)}`, 'Dismiss');
    }
  }

  private async openDialog(data: RoleDialogData): Promise<Role | undefined> {
    const ref = this.dialog.open<RoleDialog, RoleDialogData, Role>(RoleDialog, {
      data,
      width: '32rem',
      maxWidth: '95vw',
      autoFocus: 'first-tabbable',
    });
    return firstValueFrom(ref.afterClosed());
  }
}
