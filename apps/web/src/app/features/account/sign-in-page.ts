import {
  ChangeDetectionStrategy,
  Component,
  type ElementRef,
  afterNextRender,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { toSignal } from '@angular/core/rxjs-interop';
import { ActivatedRoute, Router } from '@angular/router';
import type { SsoSettings } from '@stockroom/contracts';
import { catchError, map, of } from 'rxjs';
import { AuthStore } from '../../core/auth/auth-store';
import { safeReturnUrl } from '../../core/auth/sign-in-url';
import { SsoApi } from '../../core/auth/sso-api';
import { errorMessage } from '../../core/http/api-error';

/** The longest message taken from `?error=` (a failed single sign-on callback). */
const CALLBACK_ERROR_MAX = 500;

/** "Sign in with …": the configured name, else the issuer's host. */
export function providerLabel(oidc: SsoSettings['oidc']): string {
  if (oidc.providerName?.trim()) return oidc.providerName.trim();
  try {
    if (oidc.issuer) return new URL(oidc.issuer).host;
  } catch {
    // not a URL: the generic name below
  }
  return 'single sign-on';
}

/** The IdP sign-in (a browser navigation), coming back to `returnTo` afterwards. */
export function ssoLoginHref(loginUrl: string, returnTo: string): string {
  return `${loginUrl}${loginUrl.includes('?') ? '&' : '?'}returnTo=${encodeURIComponent(returnTo)}`;
}

/**
 * `/sign-in?returnUrl=…`: user name and password; back to `returnUrl` afterwards. With OpenID Connect
 * configured, also "Sign in with …" (the server's login URL, then the IdP); a failed callback comes
 * back here with `?error=<message>`, shown above the form.
 */
@Component({
  selector: 'app-sign-in-page',
  imports: [ReactiveFormsModule, MatFormFieldModule, MatInputModule, MatButtonModule],
  templateUrl: './sign-in-page.html',
  styleUrl: './sign-in-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SignInPage {
  private readonly auth = inject(AuthStore);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  private readonly userNameInput = viewChild.required<ElementRef<HTMLInputElement>>('userNameInput');
  private readonly passwordInput = viewChild.required<ElementRef<HTMLInputElement>>('passwordInput');
  private readonly query = this.route.snapshot.queryParamMap;
  /** Where to go after signing in (a path inside the console), by either way. */
  private readonly returnUrl = safeReturnUrl(this.router, this.query.get('returnUrl'));

  /** The OpenID Connect button, when configured (no button when the settings cannot be read). */
  protected readonly oidc = toSignal(
    inject(SsoApi)
      .settings()
      .pipe(
        map((settings) =>
          settings.oidc.enabled && settings.oidc.loginUrl
            ? {
                label: `Sign in with ${providerLabel(settings.oidc)}`,
                href: ssoLoginHref(settings.oidc.loginUrl, this.returnUrl),
              }
            : undefined,
        ),
        catchError(() => of(undefined)),
      ),
    { initialValue: undefined },
  );

  protected readonly form = inject(NonNullableFormBuilder).group({
    userName: ['', Validators.required],
    password: ['', Validators.required],
  });
  protected readonly submitting = signal(false);
  protected readonly error = signal<string | undefined>(
    this.query.get('error')?.slice(0, CALLBACK_ERROR_MAX) || undefined,
  );

  constructor() {
    afterNextRender(() => this.userNameInput().nativeElement.focus());
  }

  protected async submit(): Promise<void> {
    if (this.submitting()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.submitting.set(true);
    this.error.set(undefined);
    try {
      await this.auth.signIn(this.form.getRawValue());
      await this.router.navigateByUrl(this.returnUrl);
    } catch (e) {
      this.error.set(errorMessage(e));
      // Most likely a typo in the password: ready to be typed over.
      const password = this.passwordInput().nativeElement;
      password.focus();
      password.select();
    } finally {
      this.submitting.set(false);
    }
  }
}
