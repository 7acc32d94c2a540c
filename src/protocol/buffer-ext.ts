// Node's Buffer has fast latin1Slice/latin1Write methods (used by toString('latin1')) that skip
// argument normalisation; they are not in @types/node.
declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    latin1Write(s: string, offset: number, length?: number): number;
  }
}
export {};
