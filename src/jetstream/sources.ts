// Mirrors and sources (stream.go setupMirrorConsumer, setSourceConsumer, processInbound*Msg):
// filled in by the mirror/source implementation.
import type { StreamConfig } from './stream-config.js';

/** The source info objects STREAM.INFO shows (StreamSourceInfo). */
export interface StreamSourceInfo {
  name: string;
  external?: { api: string; deliver: string };
  lag: number;
  active: number;
  error?: { code: number; err_code: number; description: string };
}

export interface SourceState {
  mirrorInfo(): StreamSourceInfo | undefined;
  sourcesInfo(): StreamSourceInfo[] | undefined;
  configChanged(old: StreamConfig, cfg: StreamConfig): void;
  stop(): void;
}
