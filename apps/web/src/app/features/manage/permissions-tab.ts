import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatTableModule } from '@angular/material/table';
import { type PrincipalType, type PrivilegeRule, PseudoGroup, type Role } from '@stockroom/contracts';
import { firstValueFrom, forkJoin } from 'rxjs';
import { errorMessage } from '../../core/http/api-error';
import { confirmAction } from '../../shared/confirm-dialog';
import { ErrorBanner } from '../../shared/error-banner';
import { PrivilegesApi } from '../admin/privileges-api';
import { RolesApi } from '../admin/roles-api';

const TYPE_LABELS: Record<PrincipalType, string> = { user: 'User', group: 'Group', pseudo: 'Built-in group' };

/**
 * The permissions tab: privilege rules scoped to this directory (who, which role, grant or deny),
 * adding one and removing one. Changing them needs Manage Feed here (the server checks, and alone
 * may grant roles that include Administer).
 */
@Component({
  selector: 'app-permissions-tab',
  imports: [
    ReactiveFormsModule,
    MatTableModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    ErrorBanner,
  ],
  templateUrl: './permissions-tab.html',
  styleUrl: './permissions-tab.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PermissionsTab {
  private readonly api = inject(PrivilegesApi);
  private readonly rolesApi = inject(RolesApi);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);

  readonly feed = input.required<string>();
  readonly canChange = input(false);

  protected readonly rules = signal<PrivilegeRule[] | undefined>(undefined);
  protected readonly roles = signal<Role[]>([]);
  protected readonly loadError = signal<string | undefined>(undefined);
  protected readonly adding = signal(false);
  protected readonly addError = signal<string | undefined>(undefined);
  protected readonly removing = signal<number | undefined>(undefined);
  private readonly reloads = signal(0);

  protected readonly columns = computed(() =>
    this.canChange() ? ['principal', 'type', 'role', 'effect', 'actions'] : ['principal', 'type', 'role', 'effect'],
  );
  protected readonly typeLabel = (rule: PrivilegeRule) => TYPE_LABELS[rule.principalType] ?? rule.principalType;
  protected readonly pseudoGroups = Object.values(PseudoGroup);
  protected readonly form = inject(NonNullableFormBuilder).group({
    principalType: ['user' as PrincipalType],
    principalName: ['', Validators.required],
    role: ['', Validators.required],
    deny: [false],
  });
  protected readonly principalType = signal<PrincipalType>('user');

  constructor() {
    effect((onCleanup) => {
      const feed = this.feed();
      this.reloads();
      this.rules.set(undefined);
      this.loadError.set(undefined);
      const request = forkJoin({ rules: this.api.list(feed), roles: this.rolesApi.list() }).subscribe({
        next: ({ rules, roles }) => {
          this.rules.set(rules);
          this.roles.set(roles);
        },
        error: (e: unknown) => this.loadError.set(errorMessage(e)),
      });
      onCleanup(() => request.unsubscribe());
    });
    this.form.controls.principalType.valueChanges.subscribe((type) => {
      this.principalType.set(type);
      this.form.controls.principalName.setValue(type === 'pseudo' ? PseudoGroup.Everyone : '');
    });
  }

  protected reload(): void {
    this.reloads.update((n) => n + 1);
  }

  protected async add(): Promise<void> {
    if (this.adding()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { principalType, principalName, role, deny } = this.form.getRawValue();
    this.adding.set(true);
    this.addError.set(undefined);
    try {
      const rule = await firstValueFrom(
        this.api.create({ principalType, principalName: principalName.trim(), role, deny, feed: this.feed() }),
      );
      this.rules.update((rules) => [...(rules ?? []), rule]);
      this.form.reset({
        principalType,
        principalName: principalType === 'pseudo' ? PseudoGroup.Everyone : '',
        role,
        deny: false,
      });
      this.snackBar.open(`${deny ? 'Denied' : 'Granted'} “${rule.role}” to ${rule.principalName}.`, 'OK', {
        duration: 4000,
      });
    } catch (e) {
      this.addError.set(errorMessage(e));
    } finally {
      this.adding.set(false);
    }
  }

  protected async remove(rule: PrivilegeRule): Promise<void> {
    const confirmed = await confirmAction(this.dialog, {
      title: 'Remove this rule?',
      message: `${TYPE_LABELS[rule.principalType]} “${rule.principalName}” will no longer be ${
        rule.deny ? 'denied' : 'granted'
      } “${rule.role}” in ${this.feed()}.`,
      confirmLabel: 'Remove rule',
      destructive: true,
    });
    if (!confirmed) return;
    this.removing.set(rule.id);
    try {
      await firstValueFrom(this.api.delete(rule.id), { defaultValue: undefined });
      this.rules.update((rules) => rules?.filter((r) => r.id !== rule.id));
      this.snackBar.open('Rule removed.', 'OK', { duration: 4000 });
    } catch (e) {
      this.snackBar.open(`Could not remove the rule: ${errorMessage(e)}`, 'OK');
    } finally {
      this.removing.set(undefined);
    }
  }
}
