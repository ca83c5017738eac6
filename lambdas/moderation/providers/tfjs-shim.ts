/**
 * Stands in for '@tensorflow/tfjs' in the Lambda bundle (an esbuild alias, see ../bundling.ts).
 * The umbrella package would also bundle the cpu and webgl backends, tfjs-data and tfjs-converter.
 *
 * Exactly what nsfwjs/core reads from its `import * as tf`: named exports rather than `export *`,
 * because nsfwjs also uses the namespace as a value (`tf == null`), which makes esbuild keep every
 * export of the namespace. The bundled MobileNetV2 is a Keras layers model, so tfjs-layers is
 * needed; `loadGraphModel` (tfjs-converter) is only for graph models (MobileNetV2Mid), which we
 * never load, so it throws instead of pulling the converter in.
 *
 * nsfwjs calls chained ops (`tensor.toFloat().div(...)`), which tfjs-core leaves unregistered so
 * that it can be tree-shaken; the umbrella package registers them all, and so does this shim.
 */
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';

export { browser, image, scalar, Tensor, tidy, zeros } from '@tensorflow/tfjs-core';
export { loadLayersModel, model } from '@tensorflow/tfjs-layers';

export const loadGraphModel = (): never => {
  throw new Error('Graph models are not bundled: only the MobileNetV2 layers model is available');
};
