/** Snapshots made by Python (tests/fixtures/snapshots.json) and the schema they follow. */

import schema from '../../py_src/torchinspect/schema/tensor-1.json';
import snapshots from '../fixtures/snapshots.json';

import type { TensorSnapshot } from '../../js_src/core/schema';

export const tensorSchema = schema;

export const pythonSnapshots = snapshots as unknown as Record<string, TensorSnapshot>;
