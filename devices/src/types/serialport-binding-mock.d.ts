// @serialport/binding-mock ships types, but its package.json "exports" hides them from nodenext
// resolution; this restates the part we use.
declare module '@serialport/binding-mock' {
  export interface MockPortBinding {
    isOpen: boolean;
    recording: Buffer;
    lastWrite: Buffer | null;
    emitData(data: Buffer | string): void;
    write(buffer: Buffer): Promise<void>;
  }
  export const MockBinding: {
    open(options: { path: string; baudRate: number; [k: string]: unknown }): Promise<MockPortBinding>;
    list(): Promise<unknown[]>;
    createPort(path: string, opt?: { echo?: boolean; record?: boolean }): void;
    reset(): void;
  };
}
