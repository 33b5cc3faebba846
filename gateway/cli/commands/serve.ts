/** `ferry serve`: the gateway, the deployer's supervisor and the console in one process. */
import { startGateway, type RunningGateway } from '../../server.js'
import { defineCommand } from '../command.js'

interface ServeResult { url: string; tokenSource: string; dataDir: string }

export default defineCommand<ServeResult>({
  usage: 'ferry serve [--port 8080] [--host 127.0.0.1] [--data DIR]',
  description: 'Run the gateway and supervise every deployed version until SIGTERM or Ctrl-C. Options: flag, then FERRY_PORT / FERRY_HOST / FERRY_HOME / FERRY_TOKEN, then defaults.',
  options: {
    port: { type: 'string', short: 'p', value: 'PORT', description: 'port to listen on (default 8080; 0 picks a free one)' },
    host: { type: 'string', value: 'HOST', description: 'address to listen on (default 127.0.0.1)' },
    data: { type: 'string', value: 'DIR', description: 'the data directory (default ./.ferry)' },
  },
  positionals: { min: 0, max: 0 },
  async run({ values }, context) {
    const gateway: RunningGateway = await startGateway({
      cwd: context.cwd, env: context.env,
      ...(values['port'] !== undefined ? { port: values['port'] as string } : {}),
      ...(values['host'] !== undefined ? { host: values['host'] as string } : {}),
      ...(values['data'] !== undefined ? { dataDir: values['data'] as string } : {}),
    })
    const result = { url: gateway.url, tokenSource: gateway.tokenSource, dataDir: gateway.dataDir }
    context.stderr.write([
      `ferry serving on ${gateway.url}`,
      `  API      ${gateway.url}/api   (Authorization: Bearer <token>; token: ${gateway.tokenSource})`,
      `  health   ${gateway.url}/health`,
      `  data     ${gateway.dataDir}`,
      '',
    ].join('\n'))
    if (context.json) context.stdout.write(`${JSON.stringify(result)}\n`)
    // Serve until the CLI's signal (SIGINT/SIGTERM) aborts, then shut down gracefully.
    await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }))
    context.stderr.write('ferry: shutting down (finishing requests, stopping instances)\n')
    await gateway.close()
    return { result }
  },
  render: () => 'ferry: stopped',
})
