/**
 * Snapshots made by Python (tests/fixtures/snapshots.json), the lesson's graph and its gradients
 * after backward (tests/fixtures/gradients.json), and the schemas they follow.
 */

import gradientsSchemaJson from '../../py_src/torchinspect/schema/gradients-1.json';
import schema from '../../py_src/torchinspect/schema/tensor-1.json';
import lessonGradients from '../fixtures/gradients.json';
import snapshots from '../fixtures/snapshots.json';

import type { GraphSnapshot, TensorSnapshot } from '../../js_src/core/schema';

export const tensorSchema = schema;

export const pythonSnapshots = snapshots as unknown as Record<string, TensorSnapshot>;

export const gradientsSchema = gradientsSchemaJson;

/** G1 (`y = 0.5 * dot(x, A @ x)`, seed 0) after `y.backward()`: its graph and recorded gradients. */
export const pythonLessonGradients = lessonGradients as unknown as { graph: GraphSnapshot; gradients: unknown };
