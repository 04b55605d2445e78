import { Injectable } from '@angular/core';
import { DefaultUrlSerializer, type UrlTree } from '@angular/router';

/**
 * Parentheses are the router's syntax for named outlets, but file names are full of them
 * (`setup (1).exe`). The console has no named outlets, so in a URL they are always path characters:
 * a pasted or typed deep link to such a file then opens the file instead of failing to parse.
 */
@Injectable()
export class PathUrlSerializer extends DefaultUrlSerializer {
  override parse(url: string): UrlTree {
    return super.parse(url.replace(/\(/g, '%28').replace(/\)/g, '%29'));
  }
}
