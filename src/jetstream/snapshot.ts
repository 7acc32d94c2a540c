// STREAM.SNAPSHOT and STREAM.RESTORE (jsStreamSnapshotRequest, jsStreamRestoreRequest).
import type { JsApi } from './api.js';

export function registerSnapshotApi(api: JsApi): void {
  void api;
}
