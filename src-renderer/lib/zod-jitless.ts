/**
 * Turns off zod's JIT before any schema parses (main.ts imports this first). The JIT probes
 * `new Function`, which the page's CSP (no 'unsafe-eval') refuses and reports as a violation even
 * though zod catches it; jitless parsing is as correct, and fast enough for a form.
 */
import { z } from 'zod';

z.config({ jitless: true });
