/**
 * The tensor snapshot contract, `torchinspect.tensor/1`.
 *
 * The one definition is the JSON Schema in py_src/torchinspect/schema/tensor-1.json;
 * this type mirrors it, and tests/js checks both against snapshots made by Python.
 */

export const TENSOR_SCHEMA = 'torchinspect.tensor/1';

export const TENSOR_MIME_TYPE = 'application/vnd.torchinspect.tensor+json';

export interface TensorSnapshot {
  schema: typeof TENSOR_SCHEMA;
  name: string | null;
  summary: string;
  /** Size of each dimension; null where a nested tensor's dimension is ragged. */
  shape: (number | null)[];
  dtype: string;
  device: string;
  requires_grad: boolean;
  is_leaf: boolean;
  grad_fn: string | null;
  grad: TensorSnapshot | null;
}

/**
 * Accept data as a tensor snapshot, or throw an Error that says what arrived.
 *
 * Only the schema tag is checked here: the kernel builds snapshots from the one
 * schema, and a saved output from another version must be refused in words.
 */
export function parseTensorSnapshot(data: unknown): TensorSnapshot {
  if (typeof data !== 'object' || data === null) {
    throw new Error(`torchinspect: expected a tensor snapshot, got ${describe(data)}.`);
  }
  const schema = (data as { schema?: unknown }).schema;
  if (schema !== TENSOR_SCHEMA) {
    throw new Error(
      `torchinspect: this view reads "${TENSOR_SCHEMA}" snapshots, got ${describe(schema)}. ` +
        'Install the torchinspect version that made it, or upgrade torchinspect.'
    );
  }
  return data as TensorSnapshot;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `"${value}"`;
  return value === null ? 'null' : typeof value;
}
