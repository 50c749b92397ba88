"""`make run`'s process manager: honcho on Procfile.dev, with a clean Ctrl-C.

On Ctrl-C honcho sends SIGTERM to each process's whole process group and SIGKILLs whatever still runs 5 s later
(``honcho.manager.KILL_WAIT``). Two changes, so that the Celery worker ends with a warm shutdown and no error line:
- SIGTERM goes to each process alone, as systemd's ``KillMode=mixed`` does: the worker's prefork children got it
  straight from the group signal and died ("Process 'ForkPoolWorker-1' exited with 'signal 15 (SIGTERM)'", one
  error line per child), instead of being ended by the worker once their task is done. (runserver's reloader ends
  its own child on SIGTERM.) SIGKILL still goes to the whole group.
- 30 s before that SIGKILL: a worker finishing its current task (or, on the filesystem broker, its current poll)
  can need longer than 5 s, and a SIGKILL leaves a claimed task to be redelivered. 30 s is Celery's own default
  patience for a warm shutdown in production deployments (systemd's TimeoutStopSec is longer still).
"""

import errno
import os
import signal
import sys

import honcho.manager
from honcho.command import main
from honcho.compat import ProcessManager


def terminate_the_process_alone(self, pid):
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.ESRCH):
            raise


ProcessManager.terminate = terminate_the_process_alone
honcho.manager.KILL_WAIT = 30

if __name__ == "__main__":
    main(["-f", "Procfile.dev", "start", *sys.argv[1:]])
