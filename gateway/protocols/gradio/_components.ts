/**
 * Which Gradio component presents each field of a model's signature, and what Gradio's API info
 * says about it (`type` as JSON Schema, `python_type`), as a real Gradio app would describe it.
 */
import type { EndpointSignature, OutputSignature, SignatureField } from '../signature.js'

export type ComponentType = 'number' | 'textbox' | 'checkbox' | 'json' | 'image' | 'file' | 'label' | 'button'

export interface GradioComponent {
  id: number
  type: ComponentType
  props: Record<string, unknown>
}

export interface ApiParameter {
  label: string
  parameter_name: string
  parameter_has_default: boolean
  parameter_default: unknown
  type: Record<string, unknown>
  python_type: { type: string; description: string }
  component: string
  example_input?: unknown
}

const CAPITALISED: Record<ComponentType, string> = { number: 'Number', textbox: 'Textbox', checkbox: 'Checkbox', json: 'JSON', image: 'Image', file: 'File', label: 'Label', button: 'Button' }

const FILE_DATA_TYPE = {
  type: 'object',
  title: 'FileData',
  required: ['path'],
  properties: {
    path: { type: 'string' },
    url: { type: ['string', 'null'] },
    orig_name: { type: ['string', 'null'] },
    mime_type: { type: ['string', 'null'] },
    size: { type: ['integer', 'null'] },
    meta: { type: 'object', properties: { _type: { const: 'gradio.FileData' } } },
  },
}

const LABEL_DATA_TYPE = {
  type: 'object',
  title: 'LabelData',
  properties: {
    label: { type: ['string', 'number', 'null'] },
    confidences: { type: ['array', 'null'], items: { type: 'object', properties: { label: { type: ['string', 'number', 'null'] }, confidence: { type: ['number', 'null'] } } } },
  },
}

/** The component of an input field: its hint, else from its kind. */
export function inputComponent(field: SignatureField): ComponentType {
  const hinted = field.hint.component
  if (hinted) return hinted.toLowerCase() as ComponentType
  switch (field.kind) {
    case 'number':
    case 'integer': return 'number'
    case 'string': return 'textbox'
    case 'boolean': return 'checkbox'
    case 'file': return field.contentType?.startsWith('image/') ? 'image' : 'file'
    default: return 'json'
  }
}

/** The output components: a Label and the whole answer for a classification, else one by kind. */
export function outputComponents(output: OutputSignature): ComponentType[] {
  if (output.kind === 'file') return [output.contentType.startsWith('image/') ? 'image' : 'file']
  if (output.kind === 'text') return ['textbox']
  if (output.classification) return ['label', 'json']
  const type = output.schema['type']
  if (type === 'string') return ['textbox']
  if (type === 'number' || type === 'integer') return ['number']
  return ['json']
}

function pythonType(component: ComponentType, field?: SignatureField): string {
  switch (component) {
    case 'number': return field?.kind === 'integer' ? 'int' : 'float'
    case 'textbox': return 'str'
    case 'checkbox': return 'bool'
    case 'image':
    case 'file': return 'filepath'
    case 'label': return 'Dict(label: str | int | float | None, confidences: List[Dict(label: str | int | float | None, confidence: float | None)] | None)'
    default: return field?.kind === 'array' ? 'List[Any]' : 'Dict[Any, Any] | List[Any] | str | float | bool | None'
  }
}

function apiType(component: ComponentType, field?: SignatureField): Record<string, unknown> {
  if (component === 'image' || component === 'file') return FILE_DATA_TYPE
  if (component === 'label') return LABEL_DATA_TYPE
  if (component === 'number') return { type: 'number' }
  if (component === 'textbox') return { type: 'string' }
  if (component === 'checkbox') return { type: 'boolean' }
  return field?.schema ?? {}
}

/** One entry of `parameters` in Gradio's /info. */
export function describeParameter(field: SignatureField): ApiParameter {
  const component = inputComponent(field)
  const hasDefault = !field.required
  return {
    label: field.label,
    parameter_name: field.name,
    parameter_has_default: hasDefault,
    parameter_default: hasDefault ? field.default ?? null : null,
    type: apiType(component, field),
    python_type: { type: pythonType(component, field), description: field.description ?? '' },
    component: CAPITALISED[component],
  }
}

/** The `returns` of Gradio's /info for an endpoint. */
export function describeReturns(signature: EndpointSignature): Array<Omit<ApiParameter, 'parameter_name' | 'parameter_has_default' | 'parameter_default'>> {
  return outputComponents(signature.output).map((component, i) => ({
    label: component === 'label' ? (signature.output.classification?.label ?? 'label') : i === 0 ? 'output' : 'answer',
    type: apiType(component),
    python_type: { type: pythonType(component), description: '' },
    component: CAPITALISED[component],
  }))
}
