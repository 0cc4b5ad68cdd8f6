import { z } from 'zod'

/**
 * The shapes of Qlik's answers the client reads, checked with zod: unknown fields pass through,
 * fields Qlik may leave out are optional. Each names only what the pipeline uses.
 */

const ACTION_STATES = [
  'PENDING',
  'EXECUTING',
  'COMPLETED',
  'FAILED',
  'CANCELED',
  'SKIPPED'
] as const
export type ActionState = (typeof ACTION_STATES)[number]
export const FINAL_STATES: readonly ActionState[] = ['COMPLETED', 'FAILED', 'CANCELED', 'SKIPPED']

const nullish = <T extends z.ZodType>(t: T) => t.nullish()

/** Fields Qlik may leave out or send as null, each a string when it is there. */
const optionalStrings = <K extends string>(...keys: K[]) =>
  Object.fromEntries(keys.map((k) => [k, nullish(z.string())])) as {
    [P in K]: ReturnType<typeof nullish<z.ZodString>>
  }

/** Fields Qlik always sends, strings. */
const requiredStrings = <K extends string>(...keys: K[]) =>
  Object.fromEntries(keys.map((k) => [k, z.string()])) as { [P in K]: z.ZodString }

/** The two fields every listed resource has. */
const idName = requiredStrings('id', 'name')

export const projectSchema = z.looseObject({
  ...idName,
  ...optionalStrings('type', 'platformType', 'ownerId', 'spaceId', 'description')
})
export type Project = z.infer<typeof projectSchema>

export const actionErrorSchema = z.looseObject(optionalStrings('code', 'message', 'details'))
export type ActionError = z.infer<typeof actionErrorSchema>

export const actionStatusSchema = z.looseObject({
  name: nullish(z.string()),
  type: nullish(z.string()),
  state: z.enum(ACTION_STATES),
  startTime: nullish(z.string()),
  endTime: nullish(z.string()),
  error: nullish(actionErrorSchema),
  taskProgress: nullish(
    z.looseObject({
      pending: nullish(z.number()),
      executing: nullish(z.number()),
      completed: nullish(z.number()),
      failed: nullish(z.number()),
      canceled: nullish(z.number()),
      skipped: nullish(z.number())
    })
  ),
  taskDetails: nullish(
    z.array(
      z.looseObject({
        taskId: nullish(z.string()),
        name: nullish(z.string()),
        state: nullish(z.string()),
        info: nullish(z.string()),
        error: nullish(actionErrorSchema)
      })
    )
  )
})
export type ActionStatus = z.infer<typeof actionStatusSchema>

export const bindingsSchema = z.looseObject({
  variables: z.record(z.string(), z.string().nullable()).nullish(),
  nameToIdMap: z.record(z.string(), z.string()).nullish()
})
export interface Bindings {
  variables: Record<string, string | null>
  nameToIdMap: Record<string, string>
}

export const spaceSchema = z.looseObject({ ...idName, ...optionalStrings('type') })
export type Space = z.infer<typeof spaceSchema>

export const reportSchema = z.looseObject({
  level: z.string(),
  path: nullish(z.string()),
  reason: nullish(z.string())
})
export type DefinitionReport = z.infer<typeof reportSchema>

export const taskSchema = z.looseObject({ ...idName, ...optionalStrings('type') })
export type DataTask = z.infer<typeof taskSchema>

export const qlikErrorItem = z.looseObject(optionalStrings('code', 'title', 'detail'))
export const runSchema = z.looseObject({
  state: z.string(),
  startTime: nullish(z.string()),
  endTime: nullish(z.string()),
  message: nullish(z.string()),
  errors: nullish(z.array(qlikErrorItem)),
  traceId: nullish(z.string())
})
export type TaskRun = z.infer<typeof runSchema>
/** GET .../di-tasks/{id}/runtime/state */
export const runtimeStateSchema = z.looseObject({
  name: nullish(z.string()),
  type: nullish(z.string()),
  lastRun: nullish(runSchema),
  runReadiness: nullish(z.looseObject({ state: nullish(z.string()), message: nullish(z.string()) }))
})
export type RuntimeState = z.infer<typeof runtimeStateSchema>
/** An item of the run history search (its own shape: status, errorMessage). */
export const runItemSchema = z.looseObject(
  optionalStrings('runId', 'status', 'startTime', 'endTime', 'errorMessage')
)
export type RunItem = z.infer<typeof runItemSchema>

/** Tasks API (/api/v1/tasks): scheduled and chained jobs such as app reloads. */
export const qlikTaskSchema = z.looseObject({ ...idName, ...optionalStrings('resourceId') })
export type QlikTask = z.infer<typeof qlikTaskSchema>
export const qlikTaskRunSchema = z.looseObject({
  ...requiredStrings('id', 'status'),
  ...optionalStrings('startedAt', 'endedAt')
})
export type QlikTaskRun = z.infer<typeof qlikTaskRunSchema>
export const dataStoreSchema = z.looseObject({ ...idName, ...optionalStrings('type') })
export type DataStore = z.infer<typeof dataStoreSchema>

/** Data connections (`/api/v1/data-connections`): a connection's id, name, type and space. */
export const dataConnectionSchema = z.looseObject({
  ...requiredStrings('qID', 'qName'),
  ...optionalStrings('qType', 'space')
})
export type DataConnection = z.infer<typeof dataConnectionSchema>
