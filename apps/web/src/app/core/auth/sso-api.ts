import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { SsoSettings } from '@stockroom/contracts';
import type { Observable } from 'rxjs';

/** `GET /api/security/sso`: which single sign-on is configured (public; never a secret). */
@Injectable({ providedIn: 'root' })
export class SsoApi {
  private readonly http = inject(HttpClient);

  settings(): Observable<SsoSettings> {
    return this.http.get<SsoSettings>('/api/security/sso');
  }
}
