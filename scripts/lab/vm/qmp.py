#!/usr/bin/env python3
"""Minimal QMP client for the VM lab (qemu's JSON monitor on a unix socket).

    qmp.py SOCKET devices                      ids of the user-created devices, one a line
    qmp.py SOCKET device-del ID [TIMEOUT_S]    unplug, wait until the guest has let go (DEVICE_DELETED)
    qmp.py SOCKET device-add JSON              plug a device: JSON is device_add's arguments
    qmp.py SOCKET set-action EVENT=ACTION      what qemu does on a guest event, e.g. reboot=reset
                                               (the VMs start with -no-reboot, i.e. reboot=shutdown)

Exit status 0 on success; 1 with the monitor's error on stderr; 2 on a usage error.
"""
import json
import socket
import sys
import time


class Qmp:
    def __init__(self, path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(path)
        self.buf = b''
        self.events: list = []
        self._read()  # greeting
        self.execute('qmp_capabilities')

    def _read(self) -> dict:
        while b'\n' not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError('qemu closed the monitor connection')
            self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        return json.loads(line)

    def execute(self, command: str, arguments: dict | None = None):
        msg: dict = {'execute': command}
        if arguments is not None:
            msg['arguments'] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b'\n')
        while True:
            reply = self._read()
            if 'event' in reply:
                self.events.append(reply)
                continue
            if 'error' in reply:
                raise RuntimeError(f"{command}: {reply['error'].get('desc', reply['error'])}")
            return reply.get('return')

    def wait_event(self, name: str, device: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            for ev in self.events:
                if ev.get('event') == name and ev.get('data', {}).get('device') == device:
                    return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                reply = self._read()
            except socket.timeout:
                return False
            if 'event' in reply:
                self.events.append(reply)


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, action, args = argv[1], argv[2], argv[3:]
    try:
        q = Qmp(path)
        if action == 'devices':
            for child in q.execute('qom-list', {'path': '/machine/peripheral'}):
                if child.get('type', '').startswith('child<'):
                    print(child['name'])
        elif action == 'device-del' and len(args) in (1, 2):
            timeout = float(args[1]) if len(args) == 2 else 120.0
            q.execute('device_del', {'id': args[0]})
            # The guest must release the device (ACPI eject); until then it is still there.
            if not q.wait_event('DEVICE_DELETED', args[0], timeout):
                print(f'device_del {args[0]}: the guest did not release it within {timeout:.0f} s', file=sys.stderr)
                return 1
        elif action == 'device-add' and len(args) == 1:
            q.execute('device_add', json.loads(args[0]))
        elif action == 'set-action' and len(args) == 1 and '=' in args[0]:
            event, what = args[0].split('=', 1)
            q.execute('set-action', {event: what})
        else:
            print(__doc__.strip(), file=sys.stderr)
            return 2
    except (OSError, RuntimeError, ConnectionError, ValueError) as e:
        print(f'qmp: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
