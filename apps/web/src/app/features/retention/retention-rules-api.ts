import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { Feed } from '@stockroom/contracts';
import type { Observable } from 'rxjs';
import type { RetentionRuleJson } from './retention-rules';

const BASE = '/api/management/feeds';

export interface RetentionRulesUpdate {
  retentionRules: RetentionRuleJson[];
  retentionRulesEnabled: boolean;
  retentionDryRun: boolean;
}

/** A directory's retention rules, kept in its feed JSON (as ProGet keeps them). */
@Injectable({ providedIn: 'root' })
export class RetentionRulesApi {
  private readonly http = inject(HttpClient);

  get(feed: string): Observable<Feed> {
    return this.http.get<Feed>(`${BASE}/get/${encodeURIComponent(feed)}`);
  }

  /** 400 names the first bad field: `retentionRules[i].field …`. */
  save(feed: string, update: RetentionRulesUpdate): Observable<Feed> {
    return this.http.post<Feed>(`${BASE}/update/${encodeURIComponent(feed)}`, update);
  }
}
