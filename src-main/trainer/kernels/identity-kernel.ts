/**
 * A sharing Identity kernel for the wasm backend. tfjs clones (Identity) every tensor a gradient
 * saves for the backward, and tfjs-backend-wasm's Identity copies the data: 76 copies and kernel
 * dispatches per optimizer step here. This one shares the data and counts the reference, as the
 * cpu backend's Identity and wasm's own Reshape do. Safe because tensors are immutable: no kernel
 * writes to an input (kernel-io.ts `floatsOf` allows writing only to a temporary a kernel made).
 * What this is not: a change to any other backend, or to string tensors (the original handles those).
 */
import * as tf from '@tensorflow/tfjs';

const BACKEND = 'wasm';

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

let original: tf.KernelFunc | undefined;

const shareIdentity: tf.KernelFunc = (args) => {
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype === 'string') return original!(args);
  (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
};

/** Registers the sharing Identity for the wasm backend (once; the wasm backend must be registered). */
export function shareIdentityOnWasm(): void {
  const current = tf.getKernel(tf.Identity, BACKEND);
  if (!current || current.kernelFunc === shareIdentity) return;
  original = current.kernelFunc;
  tf.unregisterKernel(tf.Identity, BACKEND);
  tf.registerKernel({ kernelName: tf.Identity, backendName: BACKEND, kernelFunc: shareIdentity });
}
