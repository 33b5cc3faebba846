/** `ferry restart <name@version>` */
import { defineInstanceAction } from '../_instance-action.js'

export default defineInstanceAction('restart')
