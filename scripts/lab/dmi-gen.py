#!/usr/bin/env python3
"""Write a synthetic SMBIOS 3.x table so `dmidecode` inside a lab node shows a plausible,
per-node rack server (the lab host has no SMBIOS of its own).

usage: dmi-gen.py NODE_INDEX OUTDIR
Writes OUTDIR/smbios_entry_point and OUTDIR/DMI (the files Linux exposes under
/sys/firmware/dmi/tables). System serial number: LAB0001X for node 1, LAB0002X for node 2, ...
"""
import os
import struct
import sys
import uuid


def structure(typ: int, handle: int, body: bytes, strings: list[str]) -> bytes:
    """One SMBIOS structure: header, formatted body, string set, double NUL terminator."""
    header = struct.pack('<BBH', typ, 4 + len(body), handle)
    string_set = b''.join(s.encode() + b'\0' for s in strings) or b'\0'
    return header + body + string_set + b'\0'


def tables(i: int) -> bytes:
    serial = f'LAB{i:04d}X'
    system_uuid = uuid.uuid5(uuid.NAMESPACE_DNS, f'node{i}.rackside-lab')
    t = []
    # type 0: BIOS
    t.append(structure(0, 0x0000,
                       struct.pack('<BBHBBQHBBBB', 1, 2, 0xE800, 3, 0xFF, 0x08, 0, 1, 2, 0xFF, 0xFF),
                       ['LabBIOS Inc.', '1.2.3', '01/15/2025']))
    # type 1: System (manufacturer, product, version, serial, uuid, wake-up, sku, family)
    t.append(structure(1, 0x0100,
                       struct.pack('<BBBB16sBBB', 1, 2, 3, 4, system_uuid.bytes_le, 6, 5, 6),
                       ['LabVendor', 'LabServer R740', 'Rev A', serial, 'SKU-LAB-1', 'LabServer']))
    # type 2: Baseboard
    t.append(structure(2, 0x0200,
                       struct.pack('<BBBBBBBHBB', 1, 2, 3, 4, 0, 0x01, 5, 0x0300, 0x0A, 0),
                       ['LabVendor', 'LabBoard X1', 'A01', f'MB{serial}', 'Slot 0']))
    # type 3: Chassis (rack mount)
    t.append(structure(3, 0x0300,
                       struct.pack('<BBBBBBBBBIBBBB', 1, 0x17, 0, 2, 0, 3, 3, 3, 3, 0, 1, 2, 0, 0),
                       ['LabVendor', f'CH{serial}']))
    # type 4: Processor (SMBIOS 2.6 layout)
    t.append(structure(4, 0x0400,
                       struct.pack('<BBBBQBBHHHBBHHHBBBBBBHH',
                                   1, 3, 0xB3, 2, 0xBFEBFBFF000306F2, 3, 0x8B, 100, 3500, 2600,
                                   0x41, 0x01, 0xFFFF, 0xFFFF, 0xFFFF, 0, 0, 0, 16, 16, 32, 0x00FC, 0xB3),
                       ['CPU1', 'GenuineIntel', 'Intel(R) Xeon(R) CPU E5-2680 v3 @ 2.50GHz']))
    # type 16: Physical memory array, 2 slots, max 256 GiB
    t.append(structure(16, 0x1000, struct.pack('<BBBIHH', 3, 3, 6, 256 * 1024 * 1024, 0xFFFE, 2), []))
    # type 17: Memory device x2, 16 GiB DDR4 each (SMBIOS 2.7 layout)
    for k in range(2):
        t.append(structure(17, 0x1100 + k,
                           struct.pack('<HHHHHBBBBBHHBBBBBIH',
                                       0x1000, 0xFFFE, 72, 64, 16384, 0x09, 0, 1, 2, 0x1A, 0x0080, 2933,
                                       3, 4, 5, 6, 2, 0, 2933),
                           [f'DIMM_A{k + 1}', 'BANK 0', 'Samsung', f'S{i:03d}{k:02d}ABCD',
                            f'{serial}-D{k}', 'M393A2K43CB2-CVF']))
    # type 127: End of table
    t.append(structure(127, 0x7F00, b'', []))
    return b''.join(t)


def entry_point(table_length: int) -> bytes:
    """SMBIOS 3.0 64-bit entry point (_SM3_), checksum over its 24 bytes."""
    ep = bytearray(struct.pack('<5sBBBBBBBIQ', b'_SM3_', 0, 0x18, 3, 3, 0, 1, 0, table_length, 0))
    ep[5] = (-sum(ep)) & 0xFF
    return bytes(ep)


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    index, out = int(sys.argv[1]), sys.argv[2]
    dmi = tables(index)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'smbios_entry_point'), 'wb') as f:
        f.write(entry_point(len(dmi)))
    with open(os.path.join(out, 'DMI'), 'wb') as f:
        f.write(dmi)


if __name__ == '__main__':
    main()
