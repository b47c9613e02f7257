/**
 * `hmpo-lab objective --input FILE.json`: evaluates one objective on an explicit batch and prints
 * JSON {loss, grad, gradPhi?, metrics, logRatioHistogram}, so anyone can cross-check our numerics
 * against TRL or verl. Input format: see objective-input.ts and the README.
 */
import type { Command } from 'commander';
import type { BackendChoice } from '../../src-shared/run-config.js';
import { CliError, EXIT_FAILURE, runCommand } from './cli-errors.js';
import { validateObjectiveCliInput } from './objective-input.js';
import { readJsonInput } from './read-json-input.js';
import { backendOption } from './options.js';

export function registerObjectiveCommand(program: Command): void {
  program
    .command('objective')
    .description('evaluate an objective on a batch of log-probs: prints {loss, grad, metrics} as JSON')
    .requiredOption('-i, --input <file>', 'JSON input: {"objective": {"preset": ...}, "sequences": [{"logpOld", "logpNew", "logpRef"?, "advantage"}]} ("-" reads stdin)')
    .addOption(backendOption())
    .action(
      runCommand('objective', async (options: { input: string; backend: BackendChoice }) => {
        const input = validateObjectiveCliInput(await readJsonInput(options.input));
        if (!input.ok) throw new CliError(input.error.message);
        // Imported here, not at the top: tfjs takes longer to load than every other command runs.
        const [{ initBackend }, { evaluateObjective }] = await Promise.all([import('../trainer/backend.js'), import('../trainer/evaluate-objective.js')]);
        await initBackend(options.backend);
        const result = evaluateObjective(input.value.objective, input.value.sequences);
        const values = [result.loss, ...result.grad.flat(), ...(result.gradPhi === undefined ? [] : [result.gradPhi])];
        if (!values.every(Number.isFinite)) {
          throw new CliError('the loss or its gradient is not finite in float32 (log-ratios too large for exp); check the log-probs', EXIT_FAILURE);
        }
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      }),
    );
}

