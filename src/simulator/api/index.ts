import type { Route } from '../context.js'
import { dataConnectionRoutes } from './data-connections.js'
import { dataStoreRoutes } from './data-stores.js'
import { diActionRoutes } from './di-actions.js'
import { diProjectRoutes } from './di-projects.js'
import { diTaskRuntimeRoutes } from './di-task-runtime.js'
import { diTaskRoutes } from './di-tasks.js'
import { oauthRoutes } from './oauth.js'
import { spaceRoutes } from './spaces.js'
import { tasksRoutes } from './tasks.js'

/** Every Qlik route the simulator serves, by API (a new endpoint goes into its API's table). */
export const QLIK_ROUTES: readonly Route[] = [
  ...oauthRoutes,
  ...spaceRoutes,
  ...tasksRoutes,
  ...dataStoreRoutes,
  ...dataConnectionRoutes,
  ...diActionRoutes,
  ...diProjectRoutes,
  ...diTaskRoutes,
  ...diTaskRuntimeRoutes
]
