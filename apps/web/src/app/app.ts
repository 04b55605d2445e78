import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { HttpClient } from '@angular/common/http';
import type { Feed } from '@stockroom/contracts';

/** A minimal shell: the asset directories this server hosts. The full console is its own work. */
@Component({
  selector: 'app-root',
  templateUrl: './app.html',
  styleUrl: './app.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class App {
  private readonly http = inject(HttpClient);
  protected readonly feeds = signal<Feed[] | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);

  constructor() {
    this.http.get<Feed[]>('/api/management/feeds/list').subscribe({
      next: (feeds) => this.feeds.set(feeds),
      error: (e: { error?: { message?: string }; message: string }) => this.error.set(e.error?.message ?? e.message),
    });
  }
}
