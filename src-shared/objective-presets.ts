/**
 * The names of the objective presets ("mean types", objectives.md section 4). Their defaults and the
 * config schema live in objective-config.ts; this list stands alone, free of zod, so the CLI can offer
 * the names as choices without loading the schemas (start-up time).
 */
export const OBJECTIVE_PRESETS = ['grpo', 'gspo', 'gmpo', 'hmpo', 'amp', 'power', 'learnable', 'agm'] as const;
export type ObjectivePreset = (typeof OBJECTIVE_PRESETS)[number];
