// Store errors with stable codes and the reference's texts (server/store.go), plus the JetStream API
// error each one becomes in a publish ack (server/stream.go processJetStreamMsg, errors.json).

/** The JSON `error` of a JetStream API response / pub ack. */
export interface ApiError {
  code: number;
  err_code: number;
  description: string;
}

export type StoreErrorCode =
  | 'STORE_CLOSED'
  | 'MSG_NOT_FOUND'
  | 'STORE_EOF'
  | 'MAX_MSGS'
  | 'MAX_BYTES'
  | 'MAX_MSGS_PER_SUBJECT'
  | 'MAX_MSG_SIZE'
  | 'MSG_TOO_LARGE'
  | 'INVALID_SEQUENCE'
  | 'SEQUENCE_MISMATCH'
  | 'PURGE_ARG_MISMATCH'
  | 'NO_ACK_POLICY'
  | 'BAD_CONSUMER_STATE'
  | 'CORRUPT_STATE'
  | 'WRITE_FAILED'
  | 'BAD_CONFIG';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** What a pub ack (or API response) carries for this error. */
  readonly apiError: ApiError;
  /** True for "no space left on device" (the reference disables JetStream on it: isOutOfSpaceErr). */
  readonly outOfSpace: boolean;
  constructor(code: StoreErrorCode, message: string, api?: { code: number; err_code: number }, outOfSpace = false) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
    // JSStreamStoreFailedF {code 503, err_code 10077, description "{err}"} unless said otherwise.
    this.apiError = { code: api?.code ?? 503, err_code: api?.err_code ?? 10077, description: message };
    this.outOfSpace = outOfSpace;
  }
}

// The reference's error texts (store.go), verbatim.
export const ErrStoreClosed = () => new StoreError('STORE_CLOSED', 'store is closed');
export const ErrStoreMsgNotFound = () => new StoreError('MSG_NOT_FOUND', 'no message found', { code: 404, err_code: 10037 });
export const ErrStoreEOF = () => new StoreError('STORE_EOF', 'stream store EOF');
export const ErrMaxMsgs = () => new StoreError('MAX_MSGS', 'maximum messages exceeded');
export const ErrMaxBytes = () => new StoreError('MAX_BYTES', 'maximum bytes exceeded');
export const ErrMaxMsgsPerSubject = () => new StoreError('MAX_MSGS_PER_SUBJECT', 'maximum messages per subject exceeded');
/** The reference's typo ("to large") is kept: clients may match on it. */
export const ErrMsgTooLarge = () => new StoreError('MSG_TOO_LARGE', 'message to large');
export const ErrInvalidSequence = () => new StoreError('INVALID_SEQUENCE', 'invalid sequence');
export const ErrSequenceMismatch = () => new StoreError('SEQUENCE_MISMATCH', 'expected sequence does not match store');
/** STREAM.PURGE answers it as JSStreamGeneralErrorF (jetstream_api.go jsStreamPurgeRequest). */
export const ErrPurgeArgMismatch = () => new StoreError('PURGE_ARG_MISMATCH', 'sequence > 1 && keep > 0 not allowed', { code: 500, err_code: 10051 });
export const ErrNoAckPolicy = () => new StoreError('NO_ACK_POLICY', 'ack policy is none');
/** stream.go checks max_msg_size before the store: JSStreamMessageExceedsMaximumErr. */
export const ErrMaxMsgSize = () => new StoreError('MAX_MSG_SIZE', 'message size exceeds maximum allowed', { code: 400, err_code: 10054 });
export const ErrBadConsumerState = (msg: string) => new StoreError('BAD_CONSUMER_STATE', msg, { code: 500, err_code: 10051 });
export const ErrCorruptState = () => new StoreError('CORRUPT_STATE', 'corrupt state file');

/**
 * A failed write as Go's *PathError prints it ("write /dir/msgs/1.blk: no space left on device"),
 * which is what the reference puts in the pub ack's description.
 */
export function writeFailed(op: string, path: string, e: unknown): StoreError {
  const err = e as NodeJS.ErrnoException;
  const code = err?.code ?? '';
  const text = ERRNO_TEXT[code] ?? String(err?.message ?? e).replace(/^[A-Z]+: /, '').replace(/, \w+.*$/, '');
  return new StoreError('WRITE_FAILED', `${op} ${path}: ${text}`, undefined, code === 'ENOSPC');
}

const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EIO: 'input/output error',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EBADF: 'bad file descriptor',
  EFBIG: 'file too large',
};
