import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import type { LdapTestResult, SsoSettings } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { SsoApi } from '../../core/auth/sso-api';
import { errorMessage } from '../../core/http/api-error';
import { ErrorBanner } from '../../shared/error-banner';
import { AS_YOU_TYPE } from './forms';
import { LdapApi } from './ldap-api';

/** One line of a settings block: its label, and its value ('—' when not set). */
export interface SettingRow {
  label: string;
  value: string;
  /** Shown in a monospace font (URLs, DNs, filters). */
  code?: boolean;
}

function row(label: string, value: string | boolean | undefined, code = false): SettingRow {
  const text = typeof value === 'boolean' ? (value ? 'Yes' : 'No') : value?.trim() || '—';
  return { label, value: text, code: code && text !== '—' };
}

export function ldapRows(ldap: SsoSettings['ldap']): SettingRow[] {
  return [
    row('Server', ldap.url, true),
    row('StartTLS', ldap.startTls ?? false),
    row('User base', ldap.userBase, true),
    row('User filter', ldap.userFilter, true),
    row('Group base', ldap.groupBase, true),
    row('Group filter', ldap.groupFilter, true),
  ];
}

export function oidcRows(oidc: SsoSettings['oidc']): SettingRow[] {
  return [
    row('Provider', oidc.providerName),
    row('Issuer', oidc.issuer, true),
    row('Client ID', oidc.clientId, true),
    row('Scopes', oidc.scopes, true),
    row('Groups claim', oidc.groupsClaim, true),
    row('User name claim', oidc.usernameClaim, true),
    row('Redirect URI', oidc.redirectUri, true),
  ];
}

/**
 * /admin/sso: the single sign-on the server is configured with (environment variables, read-only
 * here; never a secret), and a "Test LDAP login" tool that tries a directory sign-in without
 * creating anything.
 */
@Component({
  selector: 'app-sso-page',
  imports: [ReactiveFormsModule, MatFormFieldModule, MatInputModule, MatButtonModule, ErrorBanner],
  templateUrl: './sso-page.html',
  styleUrls: ['./admin-page.scss', './sso-page.scss'],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SsoPage {
  private readonly ssoApi = inject(SsoApi);
  private readonly ldapApi = inject(LdapApi);

  protected readonly settings = signal<SsoSettings | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly ldapRows = computed(() => {
    const ldap = this.settings()?.ldap;
    return ldap?.enabled ? ldapRows(ldap) : [];
  });
  protected readonly oidcRows = computed(() => {
    const oidc = this.settings()?.oidc;
    return oidc?.enabled ? oidcRows(oidc) : [];
  });

  /** Errors once a field is touched or typed in, not because the form was submitted (the password is cleared then). */
  protected readonly asYouType = AS_YOU_TYPE;
  protected readonly testForm = inject(NonNullableFormBuilder).group({
    userName: ['', Validators.required],
    password: ['', Validators.required],
  });
  protected readonly testing = signal(false);
  protected readonly testResult = signal<LdapTestResult | undefined>(undefined);
  /** The request itself failed (not allowed, bad input, server error): the server's reason. */
  protected readonly testError = signal<string | undefined>(undefined);

  constructor() {
    this.load();
  }

  protected load(): void {
    this.error.set(undefined);
    this.ssoApi.settings().subscribe({
      next: (settings) => this.settings.set(settings),
      error: (e: unknown) => this.error.set(errorMessage(e)),
    });
  }

  protected async test(): Promise<void> {
    if (this.testing()) return;
    if (this.testForm.invalid) {
      this.testForm.markAllAsTouched();
      return;
    }
    this.testing.set(true);
    this.testResult.set(undefined);
    this.testError.set(undefined);
    try {
      this.testResult.set(await firstValueFrom(this.ldapApi.test(this.testForm.getRawValue())));
    } catch (e) {
      this.testError.set(errorMessage(e));
    } finally {
      // The password is not kept around once used.
      this.testForm.controls.password.reset();
      this.testing.set(false);
    }
  }
}
