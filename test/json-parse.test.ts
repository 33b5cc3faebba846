/** The descriptor's JSON parser: values like JSON.parse, and the line and column of every fault. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseJson } from '../packager/_json-parse.js'

test('parses what JSON.parse parses', () => {
  const text = '\ufeff{ "a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"], "b": { "c": {} }, "__proto__": 1 }'
  const result = parseJson(text)
  assert.ok(result.ok)
  assert.deepEqual(result.value, JSON.parse(text.slice(1)))
  assert.equal(Object.getPrototypeOf(result.value), Object.prototype, '__proto__ is a plain key')
})

const FAULTS: Array<[string, string, number, number, RegExp]> = [
  ['missing comma', '{\n  "a": 1\n  "b": 2\n}', 3, 3, /expected "," or "}"/],
  ['trailing comma', '{ "a": 1, }', 1, 11, /property name/],
  ['single quotes', "{ 'a': 1 }", 1, 3, /property name/],
  ['unterminated string', '{ "a": "abc', 1, 8, /unterminated string/],
  ['empty input', '', 1, 1, /expected a value, found end of input/],
  ['garbage after', '{} x', 1, 4, /end of input after the value/],
  ['bad literal', '{ "a": tru }', 1, 8, /expected a value/],
  ['leading zero', '[01]', 1, 3, /expected "," or "]"/],
]

for (const [name, text, line, column, message] of FAULTS) {
  test(`reports ${name} at line ${line}, column ${column}`, () => {
    const result = parseJson(text)
    assert.equal(result.ok, false)
    if (result.ok) return
    assert.equal(result.failure.code, 'E_JSON_INVALID')
    assert.deepEqual([result.failure.line, result.failure.column], [line, column])
    assert.match(result.failure.message, message)
    assert.match(result.failure.message, new RegExp(`line ${line}, column ${column}$`))
  })
}

test('refuses duplicate keys and points at the second one', () => {
  const result = parseJson('{\n  "runtime": {\n    "entry": "a.js",\n    "entry": "b.js"\n  }\n}')
  assert.equal(result.ok, false)
  if (result.ok) return
  assert.equal(result.failure.code, 'E_JSON_DUPLICATE_KEY')
  assert.equal(result.failure.pointer, '/runtime/entry')
  assert.deepEqual([result.failure.line, result.failure.column], [4, 5])
})
