import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { CreateReplicationRequest, ReplicationJob, ReplicationRun } from '@stockroom/contracts';
import { map, type Observable } from 'rxjs';

const BASE = '/api/replication';
const job = (id: string) => `${BASE}/${encodeURIComponent(id)}`;

/** [ext] Replication jobs between a local directory and a remote one, and their runs (Administer). */
@Injectable({ providedIn: 'root' })
export class ReplicationApi {
  private readonly http = inject(HttpClient);

  list(): Observable<ReplicationJob[]> {
    return this.http.get<ReplicationJob[]>(BASE);
  }

  get(id: string): Observable<ReplicationJob> {
    return this.http.get<ReplicationJob>(job(id));
  }

  create(request: CreateReplicationRequest): Observable<ReplicationJob> {
    return this.http.post<ReplicationJob>(BASE, request);
  }

  delete(id: string): Observable<void> {
    return this.http.delete(job(id)).pipe(map(() => undefined));
  }

  /** Starts a run now; the answer is the run, still running (follow it with {@link run}). */
  runNow(id: string): Observable<ReplicationRun> {
    return this.http.post<ReplicationRun>(`${job(id)}/run`, null);
  }

  /** The job's runs, newest first (counters only). */
  runs(id: string): Observable<ReplicationRun[]> {
    return this.http.get<ReplicationRun[]>(`${job(id)}/runs`);
  }

  /** One run with its per-file log (`files`). */
  run(id: string, runId: string): Observable<ReplicationRun> {
    return this.http.get<ReplicationRun>(`${job(id)}/runs/${encodeURIComponent(runId)}`);
  }
}
