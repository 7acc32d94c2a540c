// Close frames: the status a closing reason maps to, and the payload, as websocket.go
// (wsEnqueueCloseMessage, wsCreateCloseMessage).
import * as W from './const.js';

/**
 * The close status nats-server 2.9.10 sends for a connection closed with `reason` (a ClosedState
 * string, src/errors.ts). Closes without flush (read/write errors, slow consumers) send no close
 * frame at all; the status here is what websocket.go would have queued.
 */
export function closeStatusFor(reason: string): number {
  switch (reason) {
    case 'Client Closed':
      return W.CLOSE_NORMAL;
    case 'Authentication Timeout':
    case 'Authentication Failure':
    case 'Slow Consumer (Pending Bytes)':
    case 'Slow Consumer (Write Deadline)':
    case 'Maximum Account Connections Exceeded':
    case 'Maximum Connections Exceeded':
    case 'Maximum Control Line Exceeded':
    case 'Maximum Subscriptions Exceeded':
    case 'Missing Account':
    case 'Authentication Expired':
    case 'Credentials Revoked':
      return W.CLOSE_POLICY_VIOLATION;
    case 'TLS Handshake Failure':
      return W.CLOSE_TLS_HANDSHAKE;
    case 'Parse Error':
    case 'Protocol Violation':
    case 'Bad Client Protocol Version':
      return W.CLOSE_PROTOCOL_ERROR;
    case 'Maximum Message Payload Exceeded':
      return W.CLOSE_MESSAGE_TOO_BIG;
    case 'Server Shutdown':
      return W.CLOSE_GOING_AWAY;
    case 'Write Error':
    case 'Read Error':
    case 'Stale Connection':
      return W.CLOSE_ABNORMAL;
    default:
      return W.CLOSE_INTERNAL_ERROR;
  }
}

/**
 * A close frame payload: the status as 2 bytes, then the body. A body longer than 123 bytes is cut
 * to 120 and "..." appended (wsCreateCloseMessage), so the payload fits a control frame.
 */
export function closePayload(status: number, body: string | Buffer = ''): Buffer {
  let b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  if (b.length > W.MAX_CONTROL_PAYLOAD - 2) b = Buffer.concat([b.subarray(0, W.MAX_CONTROL_PAYLOAD - 5), Buffer.from('...')]);
  const out = Buffer.allocUnsafe(2 + b.length);
  out.writeUInt16BE(status & 0xffff, 0);
  b.copy(out, 2);
  return out;
}
