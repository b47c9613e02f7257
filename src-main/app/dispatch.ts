/**
 * The one entry point for every contract request, whatever the transport (Electron IPC, HTTP):
 * checks the channel, the argument's shape (nesting depth, overflowed numbers), validates the argument (the caller is untrusted), runs the handler, and turns
 * whatever happens into a Result. UserFacingError and the store's named errors carry a code and a
 * message meant for people; anything else is a bug: logged with its stack and reported as INTERNAL.
 */
import type { Channel, RequestOf, ResponseOf } from '../../src-shared/contract.js';
import { jsonShapeProblem } from '../../src-shared/json-shape.js';
import { err, ok, type Result } from '../../src-shared/result.js';
import { StoreError } from '../db/store-errors.js';
import { UserFacingError } from './user-facing-error.js';

export { UserFacingError };

export type ContractHandlers = { readonly [C in Channel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C> };

export type Dispatch = (channel: unknown, request: unknown) => Promise<Result<unknown>>;

export function createDispatch(handlers: ContractHandlers, onUnexpected: (error: unknown, channel: string) => void = (e) => console.error(e)): Dispatch {
  return async (channel, request) => {
    // Imported on the first request, not with the app: the schemas load zod, which costs a CLI
    // command that calls handlers directly (`hmpo-lab ls`) about 100 ms of start-up for nothing.
    const { isChannel, validateRequest } = await import('../../src-shared/contract-schemas.js');
    if (!isChannel(channel)) return err('UNKNOWN_CHANNEL', `unknown request channel ${JSON.stringify(channel)}`);
    // Before the schema: its message formatter recurses (a deep document overflowed the stack), and
    // an Infinity (JSON's 1e999) would be reported as "got null".
    const shape = jsonShapeProblem(request);
    if (shape !== null) return err('INVALID_REQUEST', `${channel}: ${shape.replace(/^\(root\)/, 'the request')}`);
    const valid = validateRequest(channel, request);
    if (!valid.ok) return valid;
    try {
      const handler = handlers[channel] as (r: unknown) => Promise<unknown> | unknown;
      return ok(await handler(valid.value));
    } catch (error) {
      // Store errors (RunNotFoundError, RunActiveError, InvalidStatusTransitionError...) name a
      // condition the user caused or can fix: their code and one line, no stack in the log.
      if (error instanceof UserFacingError || error instanceof StoreError) return err(error.code, error.message);
      onUnexpected(error, channel);
      return err('INTERNAL', `${channel} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}
