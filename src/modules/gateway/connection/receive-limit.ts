import type { WebSocket } from 'ws';

/**
 * Caps the size of a frame `ws` will buffer for one socket. The server-wide
 * maxPayload applies after `connect`; before it, a socket may send at most
 * 64 KiB, enforced on the wire (close 1009) rather than after buffering.
 * Uses the receiver of ws 8 (pinned in package.json); without it the
 * dispatcher's own length check still applies.
 */
export function setReceiveLimit(ws: WebSocket, bytes: number): void {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: number } })._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes;
}
