// Byte accounting exactly as the reference, so STREAM.INFO `bytes` matches nats-server.

/** memstore.go memStoreMsgSize: subject + headers + payload + 16 (8 each for seq and ts). */
export function memStoreMsgSize(subjLen: number, hdrLen: number, msgLen: number): number {
  return subjLen + hdrLen + msgLen + 16;
}

/**
 * filestore.go fileStoreMsgSize: record length(4) + seq(8) + ts(8) + subject length(2) + subject
 * + payload + hash(8), plus header length(4) + headers only when there are headers.
 */
export function fileStoreMsgSize(subjLen: number, hdrLen: number, msgLen: number): number {
  if (hdrLen === 0) return 22 + subjLen + msgLen + 8;
  return 22 + subjLen + 4 + hdrLen + msgLen + 8;
}
