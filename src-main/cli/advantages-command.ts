/**
 * `hmpo-lab advantages --input FILE.json`: computes advantages for groups of rewards exactly as the
 * trainer does (objectives.md section 2) and prints JSON {advantages, fracRewardZeroStd,
 * groupsWithNonZeroSum}. Input: {"mode": ..., "groups": [[...], ...], ...settings}.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { AdvantageSchema } from '../../src-shared/run-config.js';
import { formatIssues } from '../../src-shared/validation-messages.js';
import { computeAdvantages } from '../trainer/advantages.js';
import { CliError, runCommand } from './cli-errors.js';
import { readJsonInput } from './read-json-input.js';

const AdvantagesCliInputSchema = AdvantageSchema.extend({
  groups: z
    .array(z.array(z.number().finite('must be a finite number')).min(1, 'a group must hold at least one reward'))
    .min(1, 'must hold at least one group')
    .describe('Rewards, one array per group of completions of the same prompt.'),
});

export function registerAdvantagesCommand(program: Command): void {
  program
    .command('advantages')
    .description('compute advantages for groups of rewards: prints {advantages, ...} as JSON')
    .requiredOption('-i, --input <file>', 'JSON input: {"mode": "group"|"batch"|"none"|"log", "groups": [[...], ...], "ddof"?, "epsilon"?, "floor"?, "logStd"?} ("-" reads stdin)')
    .action(
      runCommand('advantages', async (options: { input: string }) => {
        const raw = await readJsonInput(options.input);
        const parsed = AdvantagesCliInputSchema.safeParse(raw, { reportInput: true });
        if (!parsed.success) throw new CliError(formatIssues(parsed.error.issues, AdvantagesCliInputSchema));
        const { groups, ...settings } = parsed.data;
        process.stdout.write(`${JSON.stringify(computeAdvantages(groups, settings), null, 2)}\n`);
      }),
    );
}
