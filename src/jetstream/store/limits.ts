// StreamConfig (the JetStream API's JSON) to the limits a store enforces.
import type { StoreLimits } from './types.js';

/** The store-relevant fields of a stream config, as the API carries them (max_age in ns). */
export interface StreamConfigLimits {
  max_msgs?: number;
  max_bytes?: number;
  max_age?: number;
  max_msgs_per_subject?: number;
  max_msg_size?: number;
  discard?: 'old' | 'new';
  discard_new_per_subject?: boolean;
}

export function storeLimits(cfg: StreamConfigLimits): StoreLimits {
  return {
    maxMsgs: cfg.max_msgs ?? -1,
    maxBytes: cfg.max_bytes ?? -1,
    maxAgeMs: (cfg.max_age ?? 0) / 1e6,
    maxMsgsPerSubject: cfg.max_msgs_per_subject ?? -1,
    maxMsgSize: cfg.max_msg_size ?? -1,
    discard: cfg.discard === 'new' ? 'new' : 'old',
    discardNewPerSubject: cfg.discard_new_per_subject === true,
  };
}
