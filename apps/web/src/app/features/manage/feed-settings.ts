import { ChangeDetectionStrategy, Component, computed, effect, inject, input, output, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Router } from '@angular/router';
import { type Feed, Privilege, type UpdateFeedRequest } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { AuthStore } from '../../core/auth/auth-store';
import { errorMessage } from '../../core/http/api-error';
import { manageLink } from '../../shared/links';
import { AS_YOU_TYPE } from '../feeds/create-feed-dialog';
import { confirmFeedDeletion } from '../feeds/delete-feed';
import { FEED_NAME_MAX, feedNameValidator } from '../feeds/feed-name';
import { FeedsApi } from '../feeds/feeds-api';

/**
 * The settings tab: name (a rename moves to the new URL), description, active, and for administrators
 * only (the server refuses anyone else) whether active files open inline; delete.
 */
@Component({
  selector: 'app-feed-settings',
  imports: [ReactiveFormsModule, MatFormFieldModule, MatInputModule, MatCheckboxModule, MatButtonModule],
  templateUrl: './feed-settings.html',
  styleUrl: './feed-settings.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FeedSettings {
  private readonly api = inject(FeedsApi);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly router = inject(Router);
  private readonly auth = inject(AuthStore);

  readonly feed = input.required<Feed>();
  readonly canManage = input(true);
  readonly saved = output<Feed>();

  protected readonly maxLength = FEED_NAME_MAX;
  protected readonly asYouType = AS_YOU_TYPE;
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', feedNameValidator],
    description: [''],
    active: [true],
    inlineContent: [false],
  });
  protected readonly isAdministrator = computed(
    () => this.auth.principal()?.privileges.includes(Privilege.Administer) === true,
  );
  protected readonly saving = signal(false);
  protected readonly deleting = signal(false);
  protected readonly error = signal<string | undefined>(undefined);

  constructor() {
    effect(() => {
      const feed = this.feed();
      this.form.reset(valuesOf(feed));
      if (this.canManage()) this.form.enable();
      else this.form.disable();
    });
  }

  protected async save(): Promise<void> {
    if (this.saving()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const before = this.feed();
    const { name, description, active, inlineContent } = this.form.getRawValue();
    const request: UpdateFeedRequest = { description, active };
    if (name !== before.name) request.name = name;
    if (inlineContent !== (before.inlineContent ?? false)) request.inlineContent = inlineContent;
    this.saving.set(true);
    this.error.set(undefined);
    try {
      const updated = await firstValueFrom(this.api.update(before.name, request));
      this.saved.emit(updated);
      this.snackBar.open(updated.name !== before.name ? `Renamed to “${updated.name}”.` : 'Settings saved.', 'OK', {
        duration: 4000,
      });
      if (updated.name !== before.name) {
        await this.router.navigate(manageLink(updated.name, 'settings'), { replaceUrl: true });
      } else {
        this.form.reset(valuesOf(updated));
      }
    } catch (e) {
      this.error.set(errorMessage(e));
    } finally {
      this.saving.set(false);
    }
  }

  protected async delete(): Promise<void> {
    const feed = this.feed();
    if (!(await confirmFeedDeletion(this.dialog, feed))) return;
    this.deleting.set(true);
    try {
      await firstValueFrom(this.api.delete(feed.name), { defaultValue: undefined });
      this.snackBar.open(`Directory “${feed.name}” deleted.`, 'OK', { duration: 5000 });
      await this.router.navigateByUrl('/');
    } catch (e) {
      this.snackBar.open(`Could not delete “${feed.name}”: ${errorMessage(e)}`, 'OK');
    } finally {
      this.deleting.set(false);
    }
  }
}

function valuesOf(feed: Feed) {
  return {
    name: feed.name,
    description: feed.description,
    active: feed.active,
    inlineContent: feed.inlineContent ?? false,
  };
}
