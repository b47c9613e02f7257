// Refuses to go on under a Node older than package.json's `engines.node` (the one home of that floor),
// with one line that says what to install. Used by the `hmpo-lab` command and `npm start` before they
// import anything native: better-sqlite3 13 crashes outright on Node 20 instead of throwing.
import { readFileSync } from 'node:fs';

/** Exits with code 1 and one line on stderr when this Node is older than the project supports. */
export function exitUnlessSupportedNode(program) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const floor = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(pkg.engines.node);
  const want = [Number(floor[1]), Number(floor[2]), Number(floor[3] ?? 0)];
  const have = process.versions.node.split('.').map(Number);
  const older = want.findIndex((part, i) => have[i] !== part);
  if (older !== -1 && have[older] < want[older]) {
    process.stderr.write(`${program}: Node ${want.join('.')} or newer is required (this is Node ${process.versions.node}); install Node 22 LTS and run again\n`);
    process.exit(1);
  }
}
