/**
 * The launch form's sections: the common fields first and every other field in exactly one
 * advanced section, and the problems of a config with a field's own error and a cross-field one
 * listed at once, each placed at its field and counted where the advanced section hides it.
 */
import { describe, expect, it } from 'vitest';
import { validateRunConfig } from '../../src-shared/run-config.js';
import { advancedProblemCount, COMMON_FIELD_PATHS, configFromValues, DEFAULT_FORM_VALUES, FORM_FIELDS, isAdvancedPath, launchSections, problemsFromMessage } from './config-form.js';

describe('launchSections', () => {
  const { common, advanced } = launchSections();
  const paths = (group: (typeof advanced)[number]['group']) => group.children.map((child) => child.path);

  it('puts the common fields first, in their order', () => {
    expect(paths(common)).toEqual(['objective.preset', 'task', 'totalSteps', 'seed', 'groupSize', 'optimizer.name', 'optimizer.learningRate', 'qkClip.enabled', 'name']);
  });

  it('puts every other field in exactly one advanced section, the AGM controller included', () => {
    const all = [...paths(common), ...advanced.flatMap((section) => paths(section.group))];
    expect([...all].sort()).toEqual(FORM_FIELDS.map((field) => field.path).sort());
    expect(new Set(all).size).toBe(all.length);
    expect(advanced.map((section) => section.legend)).toEqual(['Objective knobs', 'Rollout, evaluation and run', 'Model', 'Advantage', 'Optimizer', 'QK-clip', 'AGM controller']);
    expect(paths(advanced.find((s) => s.legend === 'AGM controller')!.group)).toContain('controller.earlyStop');
    expect(advanced.every((section) => section.group.children.every((child) => child.node === 'field' && isAdvancedPath(child.path)))).toBe(true);
    expect(COMMON_FIELD_PATHS.some(isAdvancedPath)).toBe(false);
  });
});

describe('problems of the form', () => {
  it('lists a field\'s own problem and a cross-field one at once, each at its field', () => {
    const config = configFromValues({ ...DEFAULT_FORM_VALUES, groupSize: '1', 'model.dModel': '30', 'optimizer.learningRate': '5' });
    const result = validateRunConfig(config);
    expect(result.ok).toBe(false);
    const problems = problemsFromMessage(result.ok ? '' : result.error.message);
    expect([...problems.byPath.keys()].sort()).toEqual(['groupSize', 'model.dModel', 'optimizer.learningRate']);
    expect(problems.byPath.get('model.dModel')![0]).toMatch(/^model\.dModel: dModel 30 is not divisible by nHeads 4/);
    expect(problems.all).toHaveLength(3);
    // Only the model's problem is in the collapsed advanced section.
    expect(advancedProblemCount(problems)).toBe(1);
  });
});
