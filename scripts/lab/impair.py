#!/usr/bin/python3
"""Userspace "bump in the wire" for one lab node's link (used by `lab impair`).

This machine's kernel has no netem qdisc (`tc qdisc add ... netem` fails with "Specified qdisc
kind is unknown"), so delay and loss are made here instead: the lab detaches the node's host-side
veth from the bridge, adds a second veth pair whose other end joins the bridge, and runs this relay
between the two. Frames coming FROM the node are held for --delay and dropped with probability
--loss (like netem on the node's egress); frames going TO the node pass straight through. Since
ping replies and TCP acks of the node also leave through its egress, round trips in both
directions see the delay once and the loss once, as they would with netem on the node.

Packet sockets use PACKET_VNET_HDR, the interface tap/vhost use: each frame arrives with a
virtio_net_hdr describing its checksum-offload and GSO state, and is sent on with the same header,
so the kernel completes checksums and segmentation exactly as it would have on the bridge.
Without it, veth frames with offloaded (unfilled) checksums would arrive corrupt on the far side.

usage: impair.py NODE_IF BRIDGE_IF --delay-ms N --loss-pct P [--seed S]
"""
import argparse
import collections
import random
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_VNET_HDR = 15
PACKET_OUTGOING = 4
# 64 KiB GSO frames plus the 10-byte virtio_net_hdr and a VLAN tag.
BUF = 65536 + 64


def open_socket(ifname: str) -> socket.socket:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
    s.bind((ifname, 0))
    s.setblocking(False)
    return s


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument('node_if')
    p.add_argument('bridge_if')
    p.add_argument('--delay-ms', type=float, default=0.0)
    p.add_argument('--loss-pct', type=float, default=0.0)
    p.add_argument('--seed', type=int, default=None)
    a = p.parse_args()
    rng = random.Random(a.seed)
    delay = a.delay_ms / 1000.0
    loss = a.loss_pct / 100.0

    node = open_socket(a.node_if)
    bridge = open_socket(a.bridge_if)
    # (due time, frame) from the node, in arrival order: a constant delay keeps them sorted.
    held: collections.deque = collections.deque()
    stats = {'from_node': 0, 'dropped': 0, 'to_node': 0}

    def stop(*_):
        print(f"impair: stopping; from node {stats['from_node']} (dropped {stats['dropped']}), to node {stats['to_node']}", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f'impair: {a.node_if} <-> {a.bridge_if}: delay {a.delay_ms} ms, loss {a.loss_pct} % on frames from the node', flush=True)

    def send(sock: socket.socket, frame: bytes) -> None:
        try:
            sock.send(frame)
        except OSError:
            # A full queue or a link that is down loses the frame, as a wire would.
            pass

    while True:
        now = time.monotonic()
        while held and held[0][0] <= now:
            send(bridge, held.popleft()[1])
        timeout = max(0.0, held[0][0] - now) if held else None
        readable, _, _ = select.select([node, bridge], [], [], timeout)
        for sock in readable:
            for _ in range(64):
                try:
                    frame, addr = sock.recvfrom(BUF)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue  # our own transmission, seen by the tap
                if sock is node:
                    stats['from_node'] += 1
                    if loss > 0 and rng.random() < loss:
                        stats['dropped'] += 1
                        continue
                    if delay > 0:
                        held.append((time.monotonic() + delay, frame))
                    else:
                        send(bridge, frame)
                else:
                    stats['to_node'] += 1
                    send(node, frame)


if __name__ == '__main__':
    sys.exit(main())
