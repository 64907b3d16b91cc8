"""A throw-away single-node Slurm cluster for the tests (tests/test_slurm.py).

:func:`install_reason` installs Debian's ``slurmctld slurmd slurm-client munge`` when they are
missing (root and apt-get needed) and says why Slurm cannot be had otherwise.  :class:`SlurmCluster`
writes a private ``slurm.conf`` (this host as the only node, every path, port and the munge socket
inside one state folder, no accounting), starts ``munged``, ``slurmctld`` and ``slurmd`` in the
foreground as child processes and stops exactly those processes again, by pid.  Nothing under
/etc or /run is touched, and a system-wide Slurm or munge, if any, is left alone: the clients
reach this cluster only through ``SLURM_CONF`` (see :attr:`SlurmCluster.env`).

What made it work here, after SNAKEMAKE-NOTES.md: ``ProctrackType=proctrack/linuxproc`` and
``TaskPlugin=task/none`` (no cgroups in a container), ``SelectType=select/cons_tres`` (needed for
``--gpus``/``--cpus-per-gpu``), ``AccountingStorageType=accounting_storage/none`` (so job status
comes from ``squeue``, and ``MinJobAge`` keeps finished jobs visible to it long enough).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SLURM_PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
SLURM_PROGRAMS = ("munged", "slurmctld", "slurmd", "sbatch", "srun", "squeue", "scancel", "sinfo")


def _missing_programs() -> list[str]:
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return [name for name in SLURM_PROGRAMS if shutil.which(name, path=search) is None]


def install_reason() -> str | None:
    """Make the Slurm and munge programs available; return why not, or None when they are."""
    missing = _missing_programs()
    if not missing:
        return None
    if os.geteuid() != 0:
        return f"Slurm is not installed ({', '.join(missing)} missing) and installing it needs root"
    if shutil.which("apt-get") is None:
        return f"Slurm is not installed ({', '.join(missing)} missing) and there is no apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", *SLURM_PACKAGES]
    result = subprocess.run(install, capture_output=True, text=True, env=env, timeout=900)
    if result.returncode != 0:  # a fresh machine has no package lists yet
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, text=True, env=env,
                       timeout=900)
        result = subprocess.run(install, capture_output=True, text=True, env=env, timeout=900)
    if result.returncode != 0:
        return f"apt-get install {' '.join(SLURM_PACKAGES)} failed:\n{result.stderr[-2000:]}"
    missing = _missing_programs()
    if missing:
        return f"after apt-get install, still missing: {', '.join(missing)}"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _program(name: str) -> str:
    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))


class SlurmError(RuntimeError):
    """The test cluster did not come up; the message holds the daemons' logs."""


class SlurmCluster:
    """One node (this host) with ``cpus`` CPUs, ``memory_mb`` of memory and ``gpus`` GPU slots.

    The GPU slots are a generic resource without device files: Slurm schedules ``--gpus``
    requests against them, exactly as on a GPU node, but the jobs see no CUDA device (the
    pipeline's code falls back to the CPU at run time).  Use as a context manager.
    """

    def __init__(self, cpus: int, memory_mb: int, gpus: int = 1, min_job_age: int = 600):
        self.cpus, self.memory_mb, self.gpus, self.min_job_age = cpus, memory_mb, gpus, min_job_age
        # unix socket paths are limited to 107 bytes: keep the state folder short
        self.root = Path(tempfile.mkdtemp(prefix="miscaling-slurm-", dir="/tmp"))
        self.node = socket.gethostname().split(".")[0]
        self.processes: dict[str, subprocess.Popen] = {}
        self.conf = self.root / "slurm.conf"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf),
                    "PATH": os.pathsep.join([str(self.root / "bin"), os.environ.get("PATH", "")])}
        self.env.pop("SLURM_JOB_ID", None)  # in case the tests themselves run inside a job

    # ------------------------------------------------------------------------------ setup
    def _write_config(self) -> None:
        root = self.root
        # Inside a job, the executor's jobstep plugin removes every SLURM_* variable except the
        # job's identity before it calls srun, SLURM_CONF included; on a real cluster srun finds
        # /etc/slurm/slurm.conf (or asks slurmctld), here it must be told where this cluster's
        # file is.  The jobs inherit PATH (sbatch --export=ALL), so an srun first on PATH does it.
        (root / "bin").mkdir()
        srun = root / "bin" / "srun"
        srun.write_text(f'#!/bin/sh\nSLURM_CONF={self.conf} exec {_program("srun")} "$@"\n')
        srun.chmod(0o755)
        for sub in ("state", "spool", "log"):
            (root / sub).mkdir(mode=0o700)
        self.munge_socket = root / "munge.socket"
        key = root / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        gres = f" Gres=gpu:{self.gpus}" if self.gpus else ""
        self.conf.write_text("\n".join([
            "ClusterName=miscaling-test",
            f"SlurmctldHost={self.node}(127.0.0.1)",
            f"SlurmctldPort={_free_port()}",
            f"SlurmdPort={_free_port()}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={self.munge_socket}",
            f"StateSaveLocation={root / 'state'}",
            f"SlurmdSpoolDir={root / 'spool'}",
            f"SlurmctldPidFile={root / 'slurmctld.pid'}",
            f"SlurmdPidFile={root / 'slurmd.pid'}",
            f"SlurmctldLogFile={root / 'log' / 'slurmctld.log'}",
            f"SlurmdLogFile={root / 'log' / 'slurmd.log'}",
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "MpiDefault=none",
            "SwitchType=switch/none",
            "SchedulerType=sched/backfill",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core_Memory",
            "AccountingStorageType=accounting_storage/none",
            "JobAcctGatherType=jobacct_gather/none",
            "JobCompType=jobcomp/none",
            # finished jobs stay in squeue's view this long: the executor reads their end state
            f"MinJobAge={self.min_job_age}",
            "ReturnToService=2",
            # the node may offer more CPUs than the host has (the tests oversubscribe on purpose)
            "SlurmdParameters=config_overrides",
            "InactiveLimit=0",
            "KillWait=5",
            "Waittime=0",
            "GresTypes=gpu" if self.gpus else "",
            f"NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus}"
            f" RealMemory={self.memory_mb}{gres} State=UNKNOWN",
            f"PartitionName=main Nodes={self.node} Default=YES MaxTime=INFINITE State=UP",
            "",
        ]))
        # GPU slots bound to plain files: Slurm counts and schedules them like device files
        lines = []
        for index in range(self.gpus):
            (root / f"gpu{index}").touch()
            lines.append(f"NodeName={self.node} Name=gpu File={root / f'gpu{index}'}")
        (root / "gres.conf").write_text("\n".join([*lines, ""]))

    def _start(self, name: str, args: list[str]) -> None:
        log = open(self.root / "log" / f"{name}.out", "w")
        self.processes[name] = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True,
        )
        log.close()

    def _wait(self, what: str, ready, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise SlurmError(f"{name} exited with {proc.returncode} while waiting for "
                                     f"{what}\n{self.logs()}")
            if ready():
                return
            time.sleep(0.3)
        raise SlurmError(f"timed out after {timeout:.0f} s waiting for {what}\n{self.logs()}")

    def _node_state(self) -> str:
        result = subprocess.run([_program("sinfo"), "-h", "-N", "-o", "%T"],
                                capture_output=True, text=True, env=self.env, timeout=30)
        return result.stdout.strip() if result.returncode == 0 else ""

    def start(self) -> SlurmCluster:
        self._write_config()
        self._start("munged", [
            _program("munged"), "--foreground", "--force",
            f"--socket={self.munge_socket}", f"--key-file={self.root / 'munge.key'}",
            f"--pid-file={self.root / 'munged.pid'}",
            f"--log-file={self.root / 'log' / 'munged.log'}",
            f"--seed-file={self.root / 'munged.seed'}",
        ])
        self._wait("the munge socket", self.munge_socket.exists)
        self._start("slurmctld", [_program("slurmctld"), "-D", "-i", "-f", str(self.conf)])
        self._start("slurmd", [_program("slurmd"), "-D", "-f", str(self.conf), "-N", self.node])
        self._wait("the node to become idle", lambda: self._node_state() in ("idle", "mixed"))
        return self

    # ------------------------------------------------------------------------------ use
    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """A Slurm client command (squeue, scancel, ...) against this cluster."""
        result = subprocess.run([_program(args[0]), *args[1:]], capture_output=True, text=True,
                                env=self.env, timeout=60)
        if check and result.returncode != 0:
            raise SlurmError(f"{' '.join(args)} failed: {result.stderr}")
        return result

    def jobs(self) -> list[dict[str, str]]:
        """Jobs squeue still shows (running, pending and recently finished)."""
        out = self.run("squeue", "-h", "-t", "all", "-o", "%i|%T|%k").stdout
        return [dict(zip(("id", "state", "comment"), line.split("|", 2)))
                for line in out.splitlines() if line.strip()]

    def logs(self) -> str:
        parts = []
        for path in sorted((self.root / "log").glob("*")):
            text = path.read_text(errors="replace")[-3000:]
            parts.append(f"--- {path.name}\n{text}")
        return "\n".join(parts)

    # ------------------------------------------------------------------------------ teardown
    def _job_processes(self) -> list[int]:
        """Pids of processes carrying this cluster's SLURM_CONF (job steps, slurmstepd)."""
        marker = f"SLURM_CONF={self.conf}".encode()
        own = {os.getpid(), *(p.pid for p in self.processes.values())}
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) in own:
                continue
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if marker in environ.split(b"\0"):
                pids.append(int(entry.name))
        return pids

    def stop(self) -> None:
        if "slurmctld" in self.processes and self.processes["slurmctld"].poll() is None:
            # cancel what is left (a failed test may leave jobs behind) and let it end
            deadline = time.monotonic() + 20
            try:
                self.run("scancel", "--full", "-u", str(os.getuid()), check=False)
                while time.monotonic() < deadline and any(
                    job["state"] in ("RUNNING", "PENDING", "COMPLETING") for job in self.jobs()
                ):
                    time.sleep(0.5)
            except (SlurmError, subprocess.TimeoutExpired):
                pass  # the controller no longer answers: stopping the daemons is all that is left
        for name in ("slurmd", "slurmctld", "munged"):  # reverse order of start
            proc = self.processes.get(name)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
        # job steps of this cluster that outlived their slurmstepd (daemonised, so not children)
        for pid in self._job_processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> SlurmCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
