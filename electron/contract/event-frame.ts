import type { EventChannel } from './channels.js';

/**
 * The binary event frame of the browser host's WebSocket, written by electron/host/server.ts and
 * read by renderer/src/api/ws-transport.ts: one layout, here, for both ends.
 *
 *   byte 0        BINARY_EVENT_KIND (other values are reserved for future binary frames)
 *   bytes 1..4    length n of the header, u32 big-endian
 *   next n bytes  the header, UTF-8 JSON `{kind: 'event', channel, payload}` (payload without `data`)
 *   the rest      `payload.data`
 *
 * Only the layout lives here (the contract runs everywhere: no Buffer, no TextEncoder); each end
 * turns the header into JSON with its own UTF-8 codec.
 */
export const BINARY_EVENT_KIND = 1;
/** The kind byte and the header length in front of the header. */
export const FRAME_PREFIX_BYTES = 5;

/** How the backend hands events to whichever transport carries them (IPC or WebSocket). */
export type Emit = (channel: EventChannel, payload: unknown) => void;

/**
 * Output buffers with spare bytes in front of the data, so that a transport can put its frame
 * header there and send header and data as one buffer, without copying the data into a new frame.
 *
 * Measured with bench:terminal: copying every batch into a frame doubled what the backend
 * allocated per byte of output, and V8 ran a full GC every few MB. Two WebSocket fragments
 * (header, data) also avoid the copy, but drew `yes` no faster than the copy (paired runs against
 * the OpenSSH-fed reference: 0.84, 0.86 vs 0.90, 0.90, 0.91) and cost a second frame each. In
 * place vs copied, interleaved: 0.82, 0.92, 0.83 vs 0.88, 0.83, 0.83, the same within noise,
 * with one 256 kB allocation less per batch.
 */
export const HEADROOM_BYTES = 256;

/** Buffers made here whose headroom is still free. */
const free = new WeakSet<ArrayBufferLike>();

/**
 * `parts` joined into one buffer that has HEADROOM_BYTES free in front of it. `alloc` lets the
 * backend use Buffer.allocUnsafeSlow (no zero-fill, its own ArrayBuffer) where the measurements
 * above were taken; it must return a buffer of its own, starting at offset 0.
 */
export function joinWithHeadroom<T extends Uint8Array>(
  parts: readonly Uint8Array[],
  total: number,
  alloc: (size: number) => T,
): T {
  const whole = alloc(HEADROOM_BYTES + total);
  let off = HEADROOM_BYTES;
  for (const p of parts) {
    whole.set(p, off);
    off += p.byteLength;
  }
  free.add(whole.buffer);
  return whole.subarray(HEADROOM_BYTES) as T;
}

/**
 * A frame of `headLength` bytes of header followed by `data`, in place, when `data` is exactly a
 * buffer from joinWithHeadroom whose headroom was not taken yet; null otherwise (the caller copies).
 * The header bytes are the caller's to write. Once only: framing the same data again while the
 * first frame may still be queued for sending would overwrite its header.
 */
export function takeHeadroom(data: Uint8Array, headLength: number): Uint8Array | null {
  const ab = data.buffer;
  if (headLength > HEADROOM_BYTES || data.byteOffset !== HEADROOM_BYTES || data.byteLength !== ab.byteLength - HEADROOM_BYTES || !free.has(ab)) return null;
  free.delete(ab);
  return new Uint8Array(ab, HEADROOM_BYTES - headLength, headLength + data.byteLength);
}

/** A binary event frame of `header` (UTF-8 JSON) and `data`: in `data`'s headroom when it has one, else a copy. */
export function writeBinaryEventFrame(header: Uint8Array, data: Uint8Array): Uint8Array {
  const headLength = FRAME_PREFIX_BYTES + header.byteLength;
  const inPlace = takeHeadroom(data, headLength);
  const frame = inPlace ?? new Uint8Array(headLength + data.byteLength);
  frame[0] = BINARY_EVENT_KIND;
  new DataView(frame.buffer, frame.byteOffset, FRAME_PREFIX_BYTES).setUint32(1, header.byteLength);
  frame.set(header, FRAME_PREFIX_BYTES);
  if (!inPlace) frame.set(data, headLength);
  return frame;
}

/** The header and data of a binary event frame, as views into `frame` (no copy); throws on anything else. */
export function readBinaryEventFrame(frame: ArrayBuffer): { header: Uint8Array; data: Uint8Array } {
  const view = new DataView(frame);
  if (frame.byteLength < FRAME_PREFIX_BYTES || view.getUint8(0) !== BINARY_EVENT_KIND) throw new Error('unknown binary frame');
  const headerEnd = FRAME_PREFIX_BYTES + view.getUint32(1);
  if (headerEnd > frame.byteLength) throw new Error('truncated binary frame');
  return { header: new Uint8Array(frame, FRAME_PREFIX_BYTES, headerEnd - FRAME_PREFIX_BYTES), data: new Uint8Array(frame, headerEnd) };
}
