"""Ctrl-C on ``make run`` (``deploy/devrun.py``): every process ends on its own terms, the worker with a warm
shutdown and no error line (#21)."""

import os
import runpy
import signal
import subprocess
import sys

from tests.conftest import ROOT

CHILD = """
import signal, sys, time
signal.signal(signal.SIGTERM, lambda *args: (sys.stderr.write("child got SIGTERM"), sys.exit(0)))
print("ready", flush=True)
time.sleep(60)
"""
PARENT = f"""
import signal, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", {CHILD!r}], stdout=subprocess.PIPE)
child.stdout.readline()
signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
print(child.pid, flush=True)
time.sleep(60)
"""


def test_stopping_sends_sigterm_to_each_process_alone_and_waits_30_s_before_a_kill():
    """A prefork worker's children must not get the SIGTERM meant for the worker (each one died of it, logged as an
    error); the worker ends them once their task is done."""
    devrun = runpy.run_path(str(ROOT / "deploy" / "devrun.py"))  # not as __main__: patches honcho, starts nothing
    import honcho.manager
    from honcho.compat import ProcessManager

    assert honcho.manager.KILL_WAIT == 30
    parent = subprocess.Popen(  # as honcho starts each process: the leader of its own process group
        [sys.executable, "-c", PARENT],
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        child = int(parent.stdout.readline())
        ProcessManager().terminate(parent.pid)
        assert parent.wait(10) == 0
        with open(f"/proc/{child}/stat") as stat:
            assert stat.read().split(") ")[1][0] in "SR"  # still running: the signal went to the parent alone
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
    assert "child got SIGTERM" not in parent.stderr.read()
    parent.stdout.close()
    parent.stderr.close()
    assert devrun["terminate_the_process_alone"] is ProcessManager.terminate
