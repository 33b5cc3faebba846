/** Pipelines (runtime.type "pipeline"): graphs of model calls the gateway runs itself, no process. */
export { createPipelineHandler, type PipelineHandler, type PipelineHandlerOptions } from './pipeline-handler.js'
export { createStepCaller, type StepCaller } from './step-caller.js'
export { readPipelineSpec, type PipelineSpec } from './pipeline-spec.js'
export { runGraph, type TraceEntry } from './graph-runner.js'
