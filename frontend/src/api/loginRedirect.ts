/** Django's login page, told to come back to where the user was. */
export function loginUrl(currentPath: string): string {
  return `/accounts/login/?next=${encodeURIComponent(currentPath)}`;
}
