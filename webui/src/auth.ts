/**
 * The admin token the console signs in with. Kept for the tab (sessionStorage) unless the user
 * asks to be remembered on this device (localStorage); never put in a URL or a cookie.
 */
const KEY = 'ferry.token'

export function readToken(): string | null {
  return sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY)
}

export function saveToken(token: string, remember: boolean): void {
  sessionStorage.setItem(KEY, token)
  if (remember) localStorage.setItem(KEY, token)
  else localStorage.removeItem(KEY)
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY)
  localStorage.removeItem(KEY)
}
