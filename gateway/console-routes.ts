/**
 * The web console (webui/) served at `/`. Placeholder until the console lands (issue 6).
 */
import { Hono } from 'hono'

export function createConsoleRoutes(): Hono {
  const app = new Hono()
  app.get('/', (c) => c.redirect('/docs'))
  return app
}
