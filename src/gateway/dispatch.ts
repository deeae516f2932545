// The dispatch table: one handler per client frame type. A type added to the
// schemas of frames.ts does not compile until it has its entry here, so the
// frames of later milestones (`bid`, `reserve`, `release`, `presence`, `ack`)
// are each one schema and one entry; until then frames.ts answers them
// `unknown_type` ("not served by this version of haat yet").
import type { ConnState, Socket } from './connection.ts';
import type { ClientFrame } from './frames.ts';

export type FrameType = ClientFrame['type'];
export type FrameOf<T extends FrameType> = Extract<ClientFrame, { type: T }>;
export type FrameHandler<T extends FrameType> = (ws: Socket, s: ConnState, frame: FrameOf<T>) => void;
export type DispatchTable = { readonly [T in FrameType]: FrameHandler<T> };

/** One property read and one call per frame. */
export function dispatch(table: DispatchTable, ws: Socket, s: ConnState, frame: ClientFrame): void {
  (table[frame.type] as (ws: Socket, s: ConnState, frame: ClientFrame) => void)(ws, s, frame);
}
