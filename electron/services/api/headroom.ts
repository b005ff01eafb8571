/**
 * Output buffers with spare bytes in front of the data, so that a transport can put its frame
 * header there and send header and data as one buffer, without copying the data into a new frame
 * (the browser host's binary terminal events, electron/host/server.ts).
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

/** `parts` joined into one buffer that has HEADROOM_BYTES free in front of it. */
export function joinWithHeadroom(parts: readonly Uint8Array[], total: number): Buffer {
  const whole = Buffer.allocUnsafeSlow(HEADROOM_BYTES + total);
  let off = HEADROOM_BYTES;
  for (const p of parts) {
    whole.set(p, off);
    off += p.byteLength;
  }
  free.add(whole.buffer);
  return whole.subarray(HEADROOM_BYTES);
}

/**
 * A frame of `headLength` bytes of header followed by `data`, in place, when `data` is exactly a
 * buffer from joinWithHeadroom whose headroom was not taken yet; null otherwise (the caller copies).
 * The header bytes are the caller's to write. Once only: framing the same data again while the
 * first frame may still be queued for sending would overwrite its header.
 */
export function takeHeadroom(data: Uint8Array, headLength: number): Buffer | null {
  const ab = data.buffer;
  if (headLength > HEADROOM_BYTES || data.byteOffset !== HEADROOM_BYTES || data.byteLength !== ab.byteLength - HEADROOM_BYTES || !free.has(ab)) return null;
  free.delete(ab);
  return Buffer.from(ab, HEADROOM_BYTES - headLength, headLength + data.byteLength);
}
