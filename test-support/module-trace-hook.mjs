// Test-only `node --import` hook: appends the URL of every module the process loads to the file
// named by HMPO_MODULE_TRACE, one per line, so a test can assert what a command did (not) import.
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import process from 'node:process';

const out = process.env.HMPO_MODULE_TRACE;
if (out) {
  registerHooks({
    load(url, context, nextLoad) {
      appendFileSync(out, `${url}\n`);
      return nextLoad(url, context);
    },
  });
}
