/** The task registry: name -> implementation, for every name in the shared catalogue. */
import type { TaskName } from '../../../src-shared/tasks.js';
import { addTask } from './add-task.js';
import { longTail, patternDense, patternSparse } from './pattern-tasks.js';
import { copyTask, reverseTask, sortTask } from './transform-tasks.js';
import type { Task } from './task.js';

export const TASK_IMPLEMENTATIONS: Readonly<Record<TaskName, Task>> = {
  'pattern-dense': patternDense,
  'pattern-sparse': patternSparse,
  'long-tail': longTail,
  copy: copyTask,
  reverse: reverseTask,
  sort: sortTask,
  add: addTask,
};

export type { Task } from './task.js';
export { isSuccess } from './task.js';
