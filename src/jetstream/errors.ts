// JetStream API errors as the reference builds them (jetstream_errors_generated.go): a code, an
// err_code and a description whose {placeholders} are filled in. `Unless` semantics: a constructor
// handed an error that already is an API error returns that one (NewJSStreamCreateError(err, Unless(err))).
import { JS_ERRORS, type JsErrorName } from './errors-table.js';
import type { ApiError } from './store/errors.js';
import { StoreError } from './store/errors.js';

export type { ApiError };

/** An Error carrying an API error, thrown inside the JetStream layer and answered as is. */
export class JsApiError extends Error {
  constructor(readonly api: ApiError) {
    super(api.description);
    this.name = 'JsApiError';
  }
}

/** The API error `name` with its placeholders ({err}, {seq}, {limit}…) filled from `args`. */
export function jsErr(name: JsErrorName, args: Record<string, string | number> = {}): ApiError {
  const e = JS_ERRORS[name];
  let description: string = e.description;
  for (const [k, v] of Object.entries(args)) description = description.split(`{${k}}`).join(String(v));
  return { code: e.code, err_code: e.err_code, description };
}

/** The same, as a throwable. */
export function jsError(name: JsErrorName, args: Record<string, string | number> = {}): JsApiError {
  return new JsApiError(jsErr(name, args));
}

/**
 * The API error for `err`: itself when it already is one (Unless), a store error's own API error
 * when `name` is omitted, else `name` with {err} = its message.
 */
export function toApiError(err: unknown, name?: JsErrorName): ApiError {
  if (err instanceof JsApiError) return err.api;
  if (name === undefined && err instanceof StoreError) return err.apiError;
  const msg = err instanceof Error ? err.message : String(err);
  return jsErr(name ?? 'JSStreamGeneralErrorF', { err: msg });
}

/** An invalid stream config (JSStreamInvalidConfigF, 500/10052). */
export function invalidConfig(msg: string): JsApiError {
  return jsError('JSStreamInvalidConfigF', { err: msg });
}
