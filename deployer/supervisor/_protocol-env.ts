/**
 * Environment a replica gets for the protocol its descriptor declares. A Gradio app
 * (`api.protocol: "gradio"`) is told where to listen and the path it is served at behind the
 * gateway, with analytics off (nothing may reach the internet), the variables gradio reads.
 */
import type { Descriptor } from '../../descriptors/descriptor.js'

/**
 * @example protocolEnv(descriptor, 'digit-pad', '1.0.0', 41234)
 * // { GRADIO_SERVER_NAME: '127.0.0.1', GRADIO_SERVER_PORT: '41234', GRADIO_ROOT_PATH: '/models/digit-pad@1.0.0', GRADIO_ANALYTICS_ENABLED: 'False' }
 */
export function protocolEnv(descriptor: Descriptor, name: string, version: string, port: number): Record<string, string> {
  if (descriptor.api.protocol !== 'gradio') return {}
  return {
    GRADIO_SERVER_NAME: '127.0.0.1',
    GRADIO_SERVER_PORT: String(port),
    GRADIO_ROOT_PATH: `/models/${name}@${version}`,
    GRADIO_ANALYTICS_ENABLED: 'False',
  }
}
