import { describe, expect, it } from 'vitest';
import { MAX_HOSTS_PER_PROJECT } from '../../contract/index.js';
import { parseCsv, parseInventoryFile } from './import.js';

describe('parseInventoryFile', () => {
  it('reads the lab YAML shape, with defaults and key auth', () => {
    const r = parseInventoryFile(
      'lab.yaml',
      `hosts:\n  - name: node1\n    address: 198.18.0.11\n    user: root\n    role: master\n    auth:\n      method: key\n      keyPath: /k/id\n  - address: node2.lab\n    port: 2222\n`,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.hosts).toHaveLength(2);
    expect(r.value.hosts[0]).toMatchObject({ name: 'node1', address: '198.18.0.11', port: 22, role: 'master', auth: { method: 'key', keyPath: '/k/id' } });
    expect(r.value.hosts[1]).toMatchObject({ address: 'node2.lab', port: 2222, user: 'root', role: 'worker', auth: { method: 'password' } });
    expect(new Set(r.value.hosts.map((h) => h.id)).size).toBe(2);
  });

  it('reads agent auth, a jump host and the sudo and jump passwords from CSV, the secrets kept apart from the hosts', () => {
    const csv = [
      'name,address,user,role,auth,jump,jumpAuth,jumpKeyPath,jumpPassword,sudoPassword',
      'a,10.0.0.1,lab,master,agent,ops@10.0.0.254:2200,key,/k/jump,,s3cret-sudo',
      'b,10.0.0.2,root,worker,password,10.0.0.254,,,j-pass,',
    ].join('\n');
    const r = parseInventoryFile('hosts.csv', csv);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const [a, b] = r.value.hosts;
    expect(a).toMatchObject({ auth: { method: 'agent' }, jump: { address: '10.0.0.254', port: 2200, user: 'ops', auth: { method: 'key', keyPath: '/k/jump' } } });
    expect(b).toMatchObject({ auth: { method: 'password' }, jump: { address: '10.0.0.254', port: 22, user: 'root', auth: { method: 'password' } } });
    expect(r.value.secrets).toEqual([
      { hostId: a!.id, kind: 'sudo', value: 's3cret-sudo' },
      { hostId: `${b!.id}/jump`, kind: 'password', value: 'j-pass' },
    ]);
    expect(JSON.stringify(r.value.hosts)).not.toMatch(/s3cret-sudo|j-pass/);
  });

  it('reads the same options from YAML and names a bad jump or auth method by field', () => {
    const ok = parseInventoryFile('h.yaml', 'hosts:\n  - address: 10.0.0.1\n    role: master\n    auth: agent\n    jump: "ops@[fd00::1]:22"\n    jumpAuth: agent\n');
    if (!ok.ok) throw new Error(JSON.stringify(ok.error));
    expect(ok.value.hosts[0]).toMatchObject({ auth: { method: 'agent' }, jump: { address: 'fd00::1', port: 22, user: 'ops', auth: { method: 'agent' } } });
    const bad = parseInventoryFile('h.csv', 'address,role,auth,jump,jumpAuth\n10.0.0.1,master,token,ops@bad host,magic\n');
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.issues!.map((i) => i.field).sort()).toEqual(expect.arrayContaining(['auth', 'jumpAuth']));
    expect(bad.error.issues!.some((i) => i.field.startsWith('jump'))).toBe(true);
  });

  it('reads each host\'s BMC (address, port, user) from CSV and YAML; its password goes with the secrets under the host\'s BMC id', () => {
    const csv = parseInventoryFile('h.csv', [
      'name,address,role,bmc,bmcPort,bmcUser,bmcPassword',
      'a,10.0.0.1,master,10.0.1.1,,ADMIN,ipmi-canary-1',
      'b,10.0.0.2,worker,10.0.1.2,6230,ops,',
      'c,10.0.0.3,worker,,,,',
    ].join('\n') + '\n');
    if (!csv.ok) throw new Error(JSON.stringify(csv.error));
    const [a, b, c] = csv.value.hosts;
    expect(a!.bmc).toEqual({ address: '10.0.1.1', port: 623, user: 'ADMIN' });
    expect(b!.bmc).toEqual({ address: '10.0.1.2', port: 6230, user: 'ops' });
    expect(c!.bmc).toBeUndefined();
    expect(csv.value.secrets).toEqual([{ hostId: `${a!.id}/bmc`, kind: 'password', value: 'ipmi-canary-1' }]);
    expect(JSON.stringify(csv.value.hosts)).not.toContain('ipmi-canary-1');
    const yaml = parseInventoryFile('h.yaml', 'hosts:\n  - address: 10.0.0.1\n    role: master\n    bmc: 10.0.1.1\n    bmcPort: 6231\n    bmcUser: ADMIN\n    bmcPassword: ipmi-canary-2\n');
    if (!yaml.ok) throw new Error(JSON.stringify(yaml.error));
    expect(yaml.value.hosts[0]!.bmc).toEqual({ address: '10.0.1.1', port: 6231, user: 'ADMIN' });
    expect(yaml.value.secrets.map((x) => x.value)).toEqual(['ipmi-canary-2']);
  });

  it('a BMC without its user, BMC fields without an address, a bad BMC address or port: each named by field with a code, nothing imported', () => {
    const r = parseInventoryFile('h.csv', [
      'address,role,bmc,bmcPort,bmcUser,bmcPassword',
      '10.0.0.1,master,10.0.1.1,,,',
      '10.0.0.2,worker,,,ADMIN,x',
      '10.0.0.3,worker,10.0.1.300,70000,ADMIN,',
    ].join('\n') + '\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const got = r.error.issues!.map((i) => `${i.row}:${i.field}:${i.code}`);
    expect(got).toEqual(expect.arrayContaining(['1:bmcUser:import-bmc-user', '2:bmc:import-bmc-address', '3:bmc.address:address-ipv4', '3:bmc.port:port-range']));
    // Every issue carries a code the UI words in both languages: no English sentence reaches the screen.
    expect(r.error.issues!.every((i) => typeof i.code === 'string' && i.code.length > 0)).toBe(true);
  });

  it('an unknown column, a bad auth method and a malformed jump carry codes (worded by the UI in both languages)', () => {
    const r = parseInventoryFile('h.csv', 'address,role,auth,jump,colour\n10.0.0.1,master,token,ops@a@b,blue\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.issues!.map((i) => `${i.field}:${i.code}`).sort()).toEqual(['auth:import-auth-method', 'colour:import-unknown-field', 'jump:import-jump-format']);
    expect(r.error.issues!.find((i) => i.field === 'colour')!.params).toMatchObject({ name: 'colour' });
  });

  it('reports a malformed address and a duplicate address together, with rows and lines, importing nothing', () => {
    const csv = [
      'name,address,port,user,role',
      'a,10.0.0.1,22,root,master',
      'b,10.0.0.300,22,root,worker',
      'c,10.0.0.1,22,root,worker',
    ].join('\n');
    const r = parseInventoryFile('bad.csv', csv);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('validation-failed');
    expect(r.error.message).toMatch(/nothing was imported/);
    expect(r.error.issues).toEqual([
      expect.objectContaining({ row: 2, line: 3, field: 'address', message: expect.stringMatching(/not a valid IPv4/) }),
      expect.objectContaining({ row: 3, line: 4, field: 'address', message: expect.stringMatching(/duplicate address 10.0.0.1 \(also in row 1\)/) }),
    ]);
  });

  it('flags port out of range, bad role, unknown column and a missing master', () => {
    const r = parseInventoryFile('x.csv', 'address,port,role,colour\n10.0.0.1,70000,boss,red\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const fields = r.error.issues!.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['port', 'role', 'colour']));
    expect(r.error.issues!.find((i) => i.field === 'port')!.message).toMatch(/between 1 and 65535/);
    expect(r.error.issues!.some((i) => /no host has the role "master"/.test(i.message))).toBe(true);
  });

  it('moves a password column out of the hosts', () => {
    const r = parseInventoryFile('p.csv', 'address,role,auth,password\n10.0.0.1,master,password,"s3cr,et"\n');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(JSON.stringify(r.value.hosts)).not.toContain('s3cr');
    expect(r.value.passwords).toEqual([{ hostId: r.value.hosts[0]!.id, password: 's3cr,et' }]);
  });

  it('names the line of a YAML syntax error', () => {
    const r = parseInventoryFile('x.yaml', 'hosts:\n  - address: 10.0.0.1\n   role: [master\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/line \d/);
  });

  it('imports a file of the supported maximum of hosts, and refuses one host more with that one issue', () => {
    const csv = (n: number) => ['address,role', ...Array.from({ length: n }, (_, i) => `10.2.${i >> 8}.${i & 255},${i === 0 ? 'master' : 'worker'}`)].join('\n');
    const atMax = parseInventoryFile('max.csv', csv(MAX_HOSTS_PER_PROJECT));
    if (!atMax.ok) throw new Error(JSON.stringify(atMax.error));
    expect(atMax.value.hosts).toHaveLength(MAX_HOSTS_PER_PROJECT);
    const over = parseInventoryFile('over.csv', csv(MAX_HOSTS_PER_PROJECT + 1));
    expect(over.ok).toBe(false);
    if (over.ok) return;
    expect(over.error.issues).toEqual([
      expect.objectContaining({ row: 0, field: 'hosts', code: 'too-many-hosts', params: { count: MAX_HOSTS_PER_PROJECT + 1, max: MAX_HOSTS_PER_PROJECT } }),
    ]);
  });

  it('rejects unknown file types with a hint', () => {
    const r = parseInventoryFile('hosts.txt', 'x');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.hint).toMatch(/\.csv or \.yaml/);
  });
});

describe('parseInventoryFile: YAML is data, not objects', () => {
  const refused = (text: string) => {
    const r = parseInventoryFile('hosts.yaml', text);
    expect(r.ok).toBe(false);
    if (r.ok) throw new Error('imported');
    return r.error;
  };

  it('refuses a custom tag, naming the tag and its line', () => {
    const e = refused('hosts:\n  - name: !custom node1\n    address: 198.18.0.11\n    role: master\n');
    expect(e.message).toMatch(/tag "!custom"/);
    expect(e.issues?.[0]).toMatchObject({ field: 'file', line: 2, code: 'yaml-tag', params: { tag: '!custom' } });
  });

  it('refuses a python object tag', () => {
    const e = refused('hosts:\n  - name: node1\n    address: !!python/object/apply:os.system ["id"]\n    role: master\n');
    expect(e.message).toMatch(/python\/object\/apply:os\.system/);
    expect(e.issues?.[0]).toMatchObject({ line: 3, code: 'yaml-tag' });
  });

  it('refuses an alias inside a host field instead of importing a host named "[object Object]"', () => {
    const e = refused('base: &b {x: 1}\nhosts:\n  - name: *b\n    address: 198.18.0.11\n    role: master\n');
    expect(e.issues?.[0]).toMatchObject({ row: 1, field: 'name', line: 3, code: 'yaml-alias' });
    expect(JSON.stringify(e)).not.toContain('[object Object]');
  });

  it('refuses a mapping or list where a field needs one plain value', () => {
    const e = refused('hosts:\n  - name: {first: a}\n    address: [198.18.0.11]\n    role: master\n');
    expect(e.issues).toEqual(expect.arrayContaining([
      expect.objectContaining({ row: 1, field: 'name', code: 'yaml-not-scalar' }),
      expect.objectContaining({ row: 1, field: 'address', code: 'yaml-not-scalar' }),
    ]));
    expect(JSON.stringify(e)).not.toContain('[object Object]');
  });

  it('refuses a value of the wrong type (a number that YAML would have rewritten) and a boolean', () => {
    const e = refused('hosts:\n  - name: 0o17\n    address: 198.18.0.11\n    role: master\n    port: true\n');
    expect(e.issues).toEqual(expect.arrayContaining([
      expect.objectContaining({ row: 1, field: 'name', code: 'yaml-wrong-type', params: expect.objectContaining({ expected: 'text' }) }),
      expect.objectContaining({ row: 1, field: 'port', code: 'yaml-wrong-type', params: expect.objectContaining({ expected: 'number' }) }),
    ]));
  });

  it('refuses a billion-laughs file with a message about aliases, not about hosts', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let k = 1; k < 9; k++) {
      const prev = String.fromCharCode(96 + k);
      const cur = String.fromCharCode(97 + k);
      lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    lines.push('hosts: *i');
    const e = refused(lines.join('\n') + '\n');
    expect(e.message).toMatch(/alias/i);
    expect(e.message).not.toMatch(/list of hosts/);
    expect(e.issues?.[0]).toMatchObject({ code: 'yaml-aliases', params: expect.objectContaining({ max: 20 }) });
  });
});

describe('parseCsv', () => {
  it('handles quotes, embedded commas and newlines, CRLF, BOM and comments', () => {
    const rows = parseCsv('\uFEFFa,b\r\n"x, ""y""","multi\nline"\r\n# comment\n\nlast,1');
    expect(rows.map((r) => r.cells)).toEqual([['a', 'b'], ['x, "y"', 'multi\nline'], ['last', '1']]);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 6]);
  });
});
