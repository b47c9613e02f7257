/**
 * Reads a JSON document for a CLI command from a file path or `-` (stdin), turning every way that
 * can fail into a CliError that names the file and the problem. Parsing and shape only (nesting
 * depth, numbers that overflow to Infinity); no schema checks.
 */
import { readFile } from 'node:fs/promises';
import { jsonShapeProblem } from '../../src-shared/json-shape.js';
import { CliError } from './cli-errors.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The whole text of a file path or `-` (stdin); a read failure is a CliError naming the file. */
export async function readTextInput(path: string): Promise<string> {
  try {
    return path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new CliError(`cannot read input file '${path}': ${why}`);
  }
}

export async function readJsonInput(path: string): Promise<unknown> {
  const name = path === '-' ? 'standard input' : `input file '${path}'`;
  const text = await readTextInput(path);
  if (text.trim() === '') throw new CliError(`${name} is empty; it must hold one JSON object`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`${name} is not valid JSON: ${(error as Error).message}`);
  }
  const problem = jsonShapeProblem(parsed);
  if (problem !== null) throw new CliError(`${name}: ${problem}`);
  return parsed;
}
