/**
 * The checkpoint file format: named float32 tensors as bytes and back (magic, u32 LE header length,
 * JSON header, zero padding to 4 bytes, float32 LE data). Pure encoding: where the files live and
 * how they are recorded is runs/checkpoint-files.ts.
 */
import os from 'node:os';
import type { CheckpointTensor } from '../../src-shared/checkpoint.js';
import { CheckpointFileError } from '../db/store-errors.js';

const MAGIC = Buffer.from('HMPOCKP1', 'latin1');
const FORMAT = 'hmpo-checkpoint/1';

interface FileHeader {
  format: string;
  tensors: { name: string; shape: number[]; offset: number; length: number }[];
}

/** Serialises tensors to the checkpoint file format. */
export function encodeCheckpoint(weights: ReadonlyMap<string, CheckpointTensor>): Buffer {
  if (os.endianness() !== 'LE') throw new Error('checkpoint files are little-endian; this machine is big-endian');
  const tensors: FileHeader['tensors'] = [];
  let offset = 0;
  for (const [name, tensor] of weights) {
    const expected = tensor.shape.reduce((a, b) => a * b, 1);
    if (expected !== tensor.data.length) throw new Error(`checkpoint tensor ${name}: shape [${tensor.shape.join(', ')}] holds ${expected} values but data has ${tensor.data.length}`);
    tensors.push({ name, shape: [...tensor.shape], offset, length: tensor.data.length });
    offset += tensor.data.byteLength;
  }
  const json = Buffer.from(JSON.stringify({ format: FORMAT, tensors } satisfies FileHeader), 'utf8');
  const headerEnd = MAGIC.length + 4 + json.length;
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const out = Buffer.alloc(dataStart + offset);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(json.length, MAGIC.length);
  json.copy(out, MAGIC.length + 4);
  let at = dataStart;
  for (const tensor of weights.values()) {
    Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).copy(out, at);
    at += tensor.data.byteLength;
  }
  return out;
}

/** Parses a checkpoint file's bytes back into tensors (fresh, aligned Float32Arrays). */
export function decodeCheckpoint(bytes: Buffer, source = 'checkpoint'): Map<string, { shape: number[]; data: Float32Array }> {
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new CheckpointFileError(source, 'it is not an HMPO Lab checkpoint file');
  const jsonLength = bytes.readUInt32LE(MAGIC.length);
  const headerEnd = MAGIC.length + 4 + jsonLength;
  if (headerEnd > bytes.length) throw new CheckpointFileError(source, 'its header is truncated');
  const header = JSON.parse(bytes.subarray(MAGIC.length + 4, headerEnd).toString('utf8')) as FileHeader;
  if (header.format !== FORMAT) throw new CheckpointFileError(source, `format ${header.format} is not ${FORMAT}`);
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const tensor of header.tensors) {
    const start = dataStart + tensor.offset;
    const end = start + tensor.length * 4;
    if (end > bytes.length) throw new CheckpointFileError(source, `tensor ${tensor.name} runs past the end of the file`);
    const data = new Float32Array(tensor.length);
    Buffer.from(data.buffer).set(bytes.subarray(start, end));
    weights.set(tensor.name, { shape: tensor.shape, data });
  }
  return weights;
}
