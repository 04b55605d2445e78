import { DOCUMENT } from '@angular/common';
import { Injectable, inject } from '@angular/core';

/** Leaves the console for another site (the identity provider): a full browser navigation. */
@Injectable({ providedIn: 'root' })
export class ExternalNavigation {
  private readonly document = inject(DOCUMENT);

  go(url: string): void {
    this.document.location.assign(url);
  }
}
