/**
 * Options shared by several `hmpo-lab` commands, defined once so their help text and validation
 * stay identical everywhere.
 */
import { Option } from 'commander';
import { BACKENDS } from '../../src-shared/run-config.js';

/** `--backend`: which TensorFlow.js backend to compute on. */
export function backendOption(): Option {
  return new Option('-b, --backend <name>', 'TensorFlow.js backend (auto tries tfjs-node-gpu, tfjs-node, then wasm)').choices(BACKENDS).default('auto');
}
