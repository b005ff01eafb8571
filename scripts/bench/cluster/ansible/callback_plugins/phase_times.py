# Records when each play (phase) and task starts, as JSON lines in $RACKSIDE_BENCH_TIMES, so the
# harness can set Ansible's per-phase times beside Rackside's (ansible-core has no such callback).
import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
    name: phase_times
    type: aggregate
    short_description: play and task start times as JSON lines
    requirements: [RACKSIDE_BENCH_TIMES names the output file]
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'phase_times'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._path = os.environ.get('RACKSIDE_BENCH_TIMES')

    def _write(self, kind, name):
        if self._path:
            with open(self._path, 'a') as f:
                f.write(json.dumps({'kind': kind, 'name': name, 't': time.time()}) + '\n')

    def v2_playbook_on_play_start(self, play):
        self._write('play', play.get_name())

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._write('task', task.get_name())

    def v2_playbook_on_handler_task_start(self, task):
        self._write('task', 'handler: ' + task.get_name())

    def v2_playbook_on_stats(self, stats):
        self._write('end', '')
