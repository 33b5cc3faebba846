/** `ferry rm <name@version>` */
import { defineInstanceAction } from '../_instance-action.js'

export default defineInstanceAction('rm')
