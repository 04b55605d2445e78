import { HttpContextToken } from '@angular/common/http';

/** Set on requests whose 401 is an answer to show, not a reason to leave the page (the sign-in form). */
export const HANDLES_UNAUTHORIZED = new HttpContextToken<boolean>(() => false);
