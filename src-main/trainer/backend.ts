/**
 * Picks and initialises the TensorFlow.js backend for a process: `auto` tries tfjs-node-gpu (CUDA),
 * then tfjs-node (native CPU), then the embedded WebAssembly backend; `cpu` (pure JavaScript) only on
 * request. The native packages are optionalDependencies: where npm could not install them (no
 * libtensorflow download), their import fails and `auto` moves on. Call once per process.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BackendChoice } from '../../src-shared/run-config.js';
import { shareIdentityOnWasm } from './kernels/identity-kernel.js';

/** The backend a process actually trains on, recorded with every run. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
}

type NativePackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

/**
 * True when the package is installed WITH its native binding (lib/napi-vN/tfjs_binding.node). npm
 * can leave the package without it (its download failed, or npm 11 skipped the install script), and
 * importing such a package registers its kernels before it throws, flooding stderr with
 * "kernel already registered" warnings; so we look before we import.
 */
export function hasNativeBinding(pkg: NativePackage): boolean {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch {
    return false;
  }
  const lib = join(root, 'lib');
  if (!existsSync(lib)) return false;
  return readdirSync(lib).some((dir) => dir.startsWith('napi-v') && existsSync(join(lib, dir, 'tfjs_binding.node')));
}

async function tryNative(pkg: NativePackage): Promise<boolean> {
  if (!hasNativeBinding(pkg)) return false;
  try {
    await import(pkg);
  } catch {
    return false;
  }
  // Both packages register the backend named 'tensorflow'; the GPU build runs it on CUDA.
  return tf.setBackend('tensorflow');
}

async function useWasm(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) return false;
  shareIdentityOnWasm();
  return true;
}

/**
 * Initialises the requested backend and returns what is in use. Throws BackendUnavailableError,
 * naming the missing package, when an explicitly requested backend cannot load.
 */
export async function initBackend(choice: BackendChoice): Promise<BackendName> {
  const attempts: Record<BackendChoice, () => Promise<BackendName | null>> = {
    'node-gpu': async () => ((await tryNative('@tensorflow/tfjs-node-gpu')) ? 'tensorflow-gpu' : null),
    node: async () => ((await tryNative('@tensorflow/tfjs-node')) ? 'tensorflow' : null),
    wasm: async () => ((await useWasm()) ? 'wasm' : null),
    cpu: async () => ((await tf.setBackend('cpu')) ? 'cpu' : null),
    auto: async () =>
      (await attempts['node-gpu']()) ?? (await attempts.node()) ?? (await attempts.wasm()),
  };
  const name = await attempts[choice]();
  if (name === null) {
    const hint: Record<BackendChoice, string> = {
      'node-gpu': 'install @tensorflow/tfjs-node-gpu (needs CUDA and a libtensorflow download), or use backend auto',
      node: 'install @tensorflow/tfjs-node (needs a libtensorflow download), or use backend auto',
      wasm: 'reinstall @tensorflow/tfjs-backend-wasm',
      cpu: 'the pure-JavaScript backend failed to start; reinstall @tensorflow/tfjs',
      auto: 'no backend could start; reinstall @tensorflow/tfjs-backend-wasm',
    };
    throw new BackendUnavailableError(`backend '${choice}' is not available: ${hint[choice]}`);
  }
  await tf.ready();
  return name;
}
