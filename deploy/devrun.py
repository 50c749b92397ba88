"""`make run`'s process manager: honcho on Procfile.dev, giving the Celery worker time for a warm shutdown.

honcho sends SIGTERM on Ctrl-C and SIGKILLs whatever still runs 5 s later (``honcho.manager.KILL_WAIT``); a
worker finishing its current task (or, on the filesystem broker, its current poll) can need longer, and a
SIGKILL leaves a claimed task to be redelivered and two error lines on the terminal. 30 s is Celery's own
default patience for a warm shutdown in production deployments (systemd's TimeoutStopSec is longer still).
"""

import sys

import honcho.manager
from honcho.command import main

honcho.manager.KILL_WAIT = 30

if __name__ == "__main__":
    main(["-f", "Procfile.dev", "start", *sys.argv[1:]])
