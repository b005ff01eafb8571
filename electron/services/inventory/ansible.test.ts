import { describe, expect, it } from 'vitest';
import { defaultGroupRole, expandHostPattern } from './ansible.js';
import { parseInventoryFile, type ParsedInventory } from './import.js';

/*
 * Inventories written the way Ansible's own inventory guide ("How to build your inventory")
 * writes them, plus k0sctl's documented cluster file.
 */

const imported = (fileName: string, text: string): ParsedInventory => {
  const r = parseInventoryFile(fileName, text);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};
const byName = (p: ParsedInventory) => Object.fromEntries(p.hosts.map((h) => [h.name, { ...h, groups: p.source!.groups[h.id] }]));
const noteCodes = (p: ParsedInventory) => p.source!.notes.map((n) => `${n.field}:${n.code}`);

describe('host patterns', () => {
  it('expands numeric ranges with their leading zeros, letter ranges, steps and several ranges', () => {
    expect(expandHostPattern('www[01:04].example.com')).toEqual({ ok: true, names: ['www01.example.com', 'www02.example.com', 'www03.example.com', 'www04.example.com'] });
    expect(expandHostPattern('db-[a:c].example.com')).toEqual({ ok: true, names: ['db-a.example.com', 'db-b.example.com', 'db-c.example.com'] });
    expect(expandHostPattern('www[01:10:4]')).toEqual({ ok: true, names: ['www01', 'www05', 'www09'] });
    expect(expandHostPattern('r[1:2]n[1:2]')).toEqual({ ok: true, names: ['r1n1', 'r1n2', 'r2n1', 'r2n2'] });
    expect(expandHostPattern('node[8:11]')).toEqual({ ok: true, names: ['node8', 'node9', 'node10', 'node11'] });
  });

  it('names a range it cannot expand instead of importing a host called "node[04:01]"', () => {
    expect(expandHostPattern('node[04:01]')).toMatchObject({ ok: false, message: expect.stringMatching(/ends before it starts/) });
    expect(expandHostPattern('node[1:a]')).toMatchObject({ ok: false });
    expect(expandHostPattern('node[1:4:0]')).toMatchObject({ ok: false, message: expect.stringMatching(/step/) });
  });
});

describe('default group → role rule', () => {
  it('makes master/masters/control/controller/head/manager groups masters, everything else workers', () => {
    for (const g of ['master', 'masters', 'k8s_masters', 'control', 'kube_control_plane', 'controller', 'head', 'managers', 'swarm-manager', 'Masters']) {
      expect(defaultGroupRole(g), g).toBe('master');
    }
    for (const g of ['webservers', 'workers', 'nodes', 'mastermind', 'headless', 'etcd', 'ungrouped_x']) expect(defaultGroupRole(g), g).toBe('worker');
  });
});

describe('Ansible INI inventory', () => {
  it('reads the guide\'s first example: ungrouped hosts and two groups', () => {
    const p = imported('hosts', 'mail.example.com\n\n[webservers]\nfoo.example.com\nbar.example.com\n\n[dbservers]\none.example.com\ntwo.example.com\nthree.example.com\n');
    expect(p.source?.format).toBe('ansible-ini');
    expect(p.hosts.map((h) => h.address)).toEqual(['mail.example.com', 'foo.example.com', 'bar.example.com', 'one.example.com', 'two.example.com', 'three.example.com']);
    expect(p.hosts.every((h) => h.role === 'worker' && h.port === 22 && h.user === 'root')).toBe(true);
    expect(byName(p)['mail.example.com']!.groups).toEqual([]);
    expect(byName(p)['foo.example.com']!.groups).toEqual(['webservers']);
    expect(p.source?.defaultRoles).toEqual({ webservers: 'worker', dbservers: 'worker' });
  });

  it('reads ranges, host:port, host vars, group vars, nested groups and [all:vars] with Ansible\'s precedence', () => {
    const ini = [
      '# comments like the guide\'s',
      '[masters]',
      'node[01:02].example.com ansible_user=admin',
      '',
      '[workers]',
      'node[03:04].example.com',
      'db-[a:b].example.com:2222',
      'jumper ansible_port=5555 ansible_host=192.0.2.50',
      '',
      '[atlanta:children]',
      'masters',
      'workers',
      '',
      '[atlanta:vars]',
      'ansible_user=ops',
      'ntp_server=ntp.atlanta.example.com',
      '',
      '[all:vars]',
      'ansible_ssh_private_key_file=~/.ssh/site_ed25519',
      'ansible_become=true',
      'ansible_become_password=s3cret-sudo',
    ].join('\n');
    const p = imported('inventory.ini', ini);
    const h = byName(p);
    expect(Object.keys(h)).toEqual([
      'node01.example.com', 'node02.example.com', 'node03.example.com', 'node04.example.com', 'db-a.example.com', 'db-b.example.com', 'jumper',
    ]);
    // Host var beats the group var, which beats [all:vars].
    expect(h['node01.example.com']).toMatchObject({ user: 'admin', role: 'master', auth: { method: 'key', keyPath: '~/.ssh/site_ed25519' }, groups: ['atlanta', 'masters'] });
    expect(h['node03.example.com']).toMatchObject({ user: 'ops', role: 'worker', groups: ['atlanta', 'workers'] });
    expect(h['db-b.example.com']).toMatchObject({ address: 'db-b.example.com', port: 2222 });
    expect(h['jumper']).toMatchObject({ address: '192.0.2.50', port: 5555, name: 'jumper' });
    expect(p.source?.defaultRoles).toEqual({ masters: 'master', workers: 'worker', atlanta: 'worker' });
    // The sudo password went to the secret store list, one per host, never into the hosts.
    expect(p.secrets.filter((s) => s.kind === 'sudo')).toHaveLength(7);
    expect(JSON.stringify(p.hosts)).not.toContain('s3cret-sudo');
    expect(p.source?.notes).toEqual([]);
  });

  it('maps ProxyJump in ansible_ssh_common_args to the jump host and reads quoted values', () => {
    const p = imported('hosts', '[all:vars]\nansible_ssh_common_args=\'-o ProxyJump=ops@192.0.2.1:2200 -o StrictHostKeyChecking=no\'\n\n[control]\ncp1 ansible_host=10.0.0.1 ansible_user="deploy"\n');
    expect(p.hosts[0]).toMatchObject({ user: 'deploy', role: 'master', jump: { address: '192.0.2.1', port: 2200, user: 'ops' } });
    expect(p.source?.notes).toEqual([]);
  });

  it('names each unsupported feature per host and line: winrm, local, ProxyCommand, vault, other ansible_ vars, other become', () => {
    const ini = [
      '[targets]',
      'localhost              ansible_connection=local',
      'win1 ansible_host=10.0.0.9 ansible_connection=winrm',
      'other1.example.com     ansible_connection=ssh        ansible_user=myuser',
      'other2.example.com     ansible_user=myotheruser ansible_become_user=postgres ansible_become_method=su',
      '',
      '[targets:vars]',
      'ansible_ssh_common_args=\'-o ProxyCommand="ssh -W %h:%p -q user@gateway.example.com"\'',
      'ansible_password=$ANSIBLE_VAULT;1.1;AES256',
      'ansible_ssh_timeout=10',
    ].join('\n');
    const p = imported('hosts.ini', ini);
    expect(p.hosts.map((h) => h.name)).toEqual(['other1.example.com', 'other2.example.com']);
    const codes = noteCodes(p);
    expect(codes).toEqual(expect.arrayContaining([
      'localhost:ansible-connection',
      'win1:ansible-connection',
      'other1.example.com:ansible-proxycommand',
      'other1.example.com:ansible-vault',
      'other1.example.com:ansible-var-unsupported',
      'other2.example.com:ansible-become-user',
      'other2.example.com:ansible-become-method',
    ]));
    const win = p.source!.notes.find((n) => n.field === 'win1')!;
    expect(win).toMatchObject({ line: 3, params: { host: 'win1', value: 'winrm' } });
    const vault = p.source!.notes.find((n) => n.code === 'ansible-vault')!;
    expect(vault).toMatchObject({ line: 9, params: { var: 'ansible_password' } });
    // A vault value is not a password: nothing was stored for it.
    expect(p.passwords).toEqual([]);
  });

  it('refuses a bad range or a line that is not a host, naming the line, importing nothing', () => {
    const r = parseInventoryFile('hosts', '[web]\nweb[05:01].example.com\nok.example.com\n');
    expect(r).toMatchObject({ ok: false, error: { reason: 'import-source-invalid', issues: [{ line: 2, code: 'ansible-pattern', field: 'web[05:01].example.com' }] } });
    const bad = parseInventoryFile('hosts', '[web]\nweb1 port 22\n');
    expect(bad).toMatchObject({ ok: false, error: { issues: [{ line: 2, code: 'ansible-host-var' }] } });
  });

  it('names an invalid address by its row and line like any import', () => {
    const r = parseInventoryFile('hosts', '[web]\nweb1 ansible_host=10.0.0.300\n');
    expect(r).toMatchObject({ ok: false, error: { reason: 'import-invalid-rows', issues: [{ row: 1, line: 2, field: 'address' }] } });
  });
});

describe('Ansible YAML inventory', () => {
  it('reads the guide\'s all/children example with nested groups, a range and all: vars', () => {
    const yaml = `all:
  hosts:
    mail.example.com:
  children:
    webservers:
      hosts:
        foo.example.com:
        bar.example.com:
    dbservers:
      hosts:
        one.example.com:
        two.example.com:
        three.example.com:
    masters:
      hosts:
        node[01:02].example.com:
          ansible_user: admin
    east:
      hosts:
        foo.example.com:
        one.example.com:
        two.example.com:
    west:
      hosts:
        bar.example.com:
        three.example.com:
    prod:
      children:
        east:
    test:
      children:
        west:
  vars:
    ansible_user: deploy
    ansible_port: 2222
`;
    const p = imported('inventory.yaml', yaml);
    expect(p.source?.format).toBe('ansible-yaml');
    const h = byName(p);
    expect(Object.keys(h).sort()).toEqual(['bar.example.com', 'foo.example.com', 'mail.example.com', 'node01.example.com', 'node02.example.com', 'one.example.com', 'three.example.com', 'two.example.com']);
    expect(h['foo.example.com']).toMatchObject({ user: 'deploy', port: 2222, role: 'worker', groups: ['east', 'prod', 'webservers'] });
    expect(h['node02.example.com']).toMatchObject({ user: 'admin', role: 'master', groups: ['masters'] });
    expect(h['mail.example.com']!.groups).toEqual([]);
  });

  it('reads top-level groups (no all:), host vars and a group\'s vars', () => {
    const yaml = `atlanta:
  hosts:
    host1:
      http_port: 80
      maxRequestsPerChild: 808
      ansible_port: 5555
      ansible_host: 192.0.2.50
    host2:
      http_port: 303
  vars:
    ansible_ssh_private_key_file: /keys/atlanta
controller:
  hosts:
    host2:
`;
    const p = imported('hosts.yml', yaml);
    const h = byName(p);
    expect(h.host1).toMatchObject({ address: '192.0.2.50', port: 5555, role: 'worker', auth: { method: 'key', keyPath: '/keys/atlanta' } });
    expect(h.host2).toMatchObject({ address: 'host2', port: 22, role: 'master', groups: ['atlanta', 'controller'] });
  });

  it('names a !vault value per host and line instead of refusing the file or importing the ciphertext', () => {
    const yaml = `all:
  children:
    masters:
      hosts:
        cp1:
          ansible_host: 10.0.0.1
          ansible_become_password: !vault |
            $ANSIBLE_VAULT;1.1;AES256
            62313365396662343061393464336163383764373764613633653634306231386433626436623361
`;
    const p = imported('inv.yaml', yaml);
    expect(p.hosts[0]).toMatchObject({ address: '10.0.0.1', role: 'master' });
    expect(p.source!.notes).toEqual([expect.objectContaining({ field: 'cp1', code: 'ansible-vault', line: 7, params: { host: 'cp1', var: 'ansible_become_password' } })]);
    expect(p.secrets).toEqual([]);
  });

  it('still refuses other tags in an Ansible file', () => {
    const r = parseInventoryFile('inv.yaml', 'all:\n  hosts:\n    a:\n      ansible_host: !!python/object:os.system x\n');
    expect(r).toMatchObject({ ok: false, error: { reason: 'import-yaml-tag' } });
  });

  it('refuses an inventory plugin configuration by name, saying how to export its hosts', () => {
    const r = parseInventoryFile('aws_ec2.yml', 'plugin: amazon.aws.aws_ec2\nregions:\n  - us-east-1\n');
    expect(r).toMatchObject({ ok: false, error: { code: 'unsupported', reason: 'import-ansible-plugin', params: { plugin: 'amazon.aws.aws_ec2' }, issues: [{ code: 'ansible-plugin', line: 1 }] } });
    if (!r.ok) expect(r.error.hint).toMatch(/ansible-inventory/);
  });

  it('names winrm and ProxyCommand per host in YAML too', () => {
    const yaml = `windows:
  hosts:
    win1:
  vars:
    ansible_connection: winrm
linux:
  hosts:
    lin1:
      ansible_ssh_common_args: -o ProxyCommand="ssh -W %h:%p bastion"
master:
  hosts:
    m1:
`;
    const p = imported('inv.yaml', yaml);
    expect(p.hosts.map((h) => h.name)).toEqual(['lin1', 'm1']);
    expect(noteCodes(p)).toEqual(['win1:ansible-connection', 'lin1:ansible-proxycommand']);
  });
});

describe('k0sctl cluster file', () => {
  const k0sctl = `apiVersion: k0sctl.k0sproject.io/v1beta1
kind: Cluster
metadata:
  name: k0s-cluster
spec:
  hosts:
  - role: controller
    ssh:
      address: 10.0.0.1
      user: root
      port: 22
      keyPath: ~/.ssh/id_rsa
      hostKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl
  - role: controller+worker
    hostname: cw1
    ssh:
      address: 10.0.0.2
      user: ubuntu
      port: 2222
      bastion:
        address: 192.0.2.10
        user: jump
        port: 2200
        keyPath: /keys/bastion
  - role: worker
    ssh:
      address: 10.0.0.3
  - role: worker
    winRM:
      address: 10.0.0.4
  - role: single
    localhost:
      enabled: true
  k0s:
    version: 1.30.1+k0s.0
`;
  it('reads spec.hosts: ssh address/user/port/keyPath, bastion as jump host, roles by k0s role', () => {
    const p = imported('k0sctl.yaml', k0sctl);
    expect(p.source?.format).toBe('k0sctl');
    expect(p.hosts).toHaveLength(3);
    expect(p.hosts[0]).toMatchObject({ address: '10.0.0.1', user: 'root', port: 22, role: 'master', auth: { method: 'key', keyPath: '~/.ssh/id_rsa' } });
    expect(p.hosts[1]).toMatchObject({ name: 'cw1', address: '10.0.0.2', user: 'ubuntu', port: 2222, role: 'master', jump: { address: '192.0.2.10', port: 2200, user: 'jump', auth: { method: 'key', keyPath: '/keys/bastion' } } });
    expect(p.hosts[2]).toMatchObject({ address: '10.0.0.3', user: 'root', role: 'worker', auth: { method: 'agent' } });
    expect(p.source?.defaultRoles).toEqual({ controller: 'master', 'controller+worker': 'master', worker: 'worker' });
    expect(p.source?.groups[p.hosts[1]!.id]).toEqual(['controller+worker']);
    expect(noteCodes(p)).toEqual(['10.0.0.1:k0sctl-hostkey', '10.0.0.4:k0sctl-winrm', 'host 5:k0sctl-localhost']);
  });

  it('refuses an unknown role by host and line', () => {
    const r = parseInventoryFile('k.yaml', 'apiVersion: k0sctl.k0sproject.io/v1beta1\nkind: Cluster\nspec:\n  hosts:\n  - role: boss\n    ssh:\n      address: 10.0.0.1\n');
    expect(r).toMatchObject({ ok: false, error: { issues: [{ code: 'k0sctl-role', line: 5, params: { role: 'boss' } }] } });
  });
});

describe('notes and problems are worded in both languages', () => {
  it('every code the Ansible and k0sctl readers use has issueText in English and Chinese, with the same placeholders or fewer', async () => {
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const src = await readFile(join(import.meta.dirname, 'ansible.ts'), 'utf8') + await readFile(join(import.meta.dirname, 'import.ts'), 'utf8');
    const codes = [...new Set([...src.matchAll(/'((?:ansible|k0sctl)-[a-z-]+)'/g)].map((m) => m[1]!))].filter((c) => c !== 'ansible-ini' && c !== 'ansible-yaml');
    expect(codes.length).toBeGreaterThan(20);
    const locale = async (lang: string) =>
      (JSON.parse(await readFile(join(import.meta.dirname, '../../../renderer/src/i18n', `${lang}.json`), 'utf8')) as { issueText: Record<string, string> }).issueText;
    const [en, zh] = [await locale('en'), await locale('zh-CN')];
    const holes = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!);
    for (const c of codes) {
      expect(en[c], `en issueText.${c}`).toBeTypeOf('string');
      expect(zh[c], `zh-CN issueText.${c}`).toBeTypeOf('string');
      expect(holes(zh[c]!).filter((h) => !holes(en[c]!).includes(h)), c).toEqual([]);
    }
  });
});
