"""Apache Jena 4.5 from Debian (``libapache-jena-java``) driven from Python, for tests and
benchmarks.

Standard library only, so that ``benchmarks/engines.py`` can load it by path.  Written for
minelaw (issue 21).  ``.ci/run`` installs ``libapache-jena-java`` and a Java runtime
(``default-jre-headless``: the package does not depend on one).

* :func:`classpath` builds the class path from the Debian package and its dependencies only
  (``dpkg -L`` of the package and, recursively, of every installed package in its
  ``Depends``), one jar per real file, with exactly one SLF4J binding.  Taking every jar in
  ``/usr/share/java`` instead puts several SLF4J bindings and bridges on the path.
* :func:`xerces_fix_jar` works around a defect of the Debian build: ``jena-core.jar`` relocates
  Jena's internal copy of Xerces from ``org.apache.jena.ext.xerces`` to ``xerces`` (classes
  only) but leaves its message bundles under ``org/apache/jena/ext/xerces/...``; the relocated
  classes look them up as ``xerces/...``, do not find them, and every Jena command dies while
  Jena initialises (``RuntimeException: internal error`` in
  ``XSSimpleTypeDecl.applyFacets1``).  A small jar with copies of those resources at the
  relocated path, FIRST on the class path, makes Jena run.
* :class:`Jena` runs jena-cmds main classes (``arq.sparql``, ``tdb2.tdbloader``,
  ``tdb2.tdbquery``, ``shacl.shacl``) and :class:`JenaEndpoint` starts ``JenaEndpoint.java``
  (beside this file): Jena ARQ over a TDB2 store behind a read-only SPARQL 1.1 Protocol
  endpoint on a free loopback port, so that many queries cost one JVM start (the role of
  Fuseki, which Debian does not package).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

PACKAGE = "libapache-jena-java"
JAVA = "java"
JAVA_DIR = "/usr/share/java"
SLF4J_KEEP = {"slf4j-api", "slf4j-simple"}  # one binding: simple (to stderr), nothing else
HERE = Path(__file__).resolve().parent

#: short-lived commands: C1 JIT only, one GC thread (a JVM start costs ~0.3 s instead of ~0.7 s)
JVM_OPTS = [
    "-XX:TieredStopAtLevel=1",
    "-XX:+UseSerialGC",
    "-Xss4m",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
]


class JenaError(RuntimeError):
    pass


def available() -> str | None:
    """None when Jena can run here, else what is missing."""
    if shutil.which(JAVA) is None:
        return "no java runtime (apt-get install default-jre-headless)"
    if not _is_installed(PACKAGE):
        return f"{PACKAGE} is not installed (apt-get install {PACKAGE})"
    return None


# --- class path ------------------------------------------------------------------------
def _is_installed(pkg: str) -> bool:
    try:
        cp = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True
        )
    except OSError:  # not a Debian system
        return False
    return cp.returncode == 0 and cp.stdout.endswith("installed")


def _installed_depends(pkg: str) -> list[str]:
    """Installed packages named in ``pkg``'s Depends (first installed alternative)."""
    cp = subprocess.run(["dpkg-query", "-W", "-f=${Depends}", pkg], capture_output=True, text=True)
    out = []
    for clause in filter(None, (c.strip() for c in cp.stdout.split(","))):
        for alt in clause.split("|"):
            name = re.sub(r"\s*\(.*?\)|:\w+", "", alt).strip()
            if _is_installed(name):
                out.append(name)
                break
    return out


def _jars_of(pkg: str) -> list[Path]:
    cp = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True, check=True)
    top = JAVA_DIR + "/"
    return [
        Path(line)
        for line in cp.stdout.splitlines()
        if line.startswith(top) and line.endswith(".jar") and "/" not in line[len(top) :]
    ]


def _keep_jar(jar: Path) -> bool:
    stem = re.sub(r"-\d[\w.]*$", "", jar.stem)
    if stem in ("commons-logging-api", "commons-logging-adapters"):
        return False  # subsets of commons-logging.jar (same package)
    if "slf4j" in stem:  # slf4j-api + one binding; no other bindings, bridges or migrator
        return stem in SLF4J_KEEP
    return True


def classpath() -> list[str]:
    """Jena's jars, then those of its (recursive, installed) Debian dependencies.

    The jar manifests have no ``Class-Path``, so the package relations are the only source."""
    if not _is_installed(PACKAGE):
        raise JenaError(f"{PACKAGE} is not installed: apt-get install -y {PACKAGE}")
    seen: set[str] = set()
    queue, jars = [PACKAGE], []
    while queue:
        pkg = queue.pop(0)
        if pkg in seen:
            continue
        seen.add(pkg)
        jars += [j for j in _jars_of(pkg) if _keep_jar(j)]
        queue += _installed_depends(pkg)

    def key(p: Path) -> tuple[bool, bool, str]:  # Jena first, unversioned names first
        return (not p.name.startswith("jena-"), bool(re.search(r"-\d", p.name)), p.name)

    out, real = [], set()
    for j in sorted(jars, key=key):  # one entry per real file
        r = os.path.realpath(j)
        if r not in real and os.path.exists(r):
            real.add(r)
            out.append(str(j))
    return out


def xerces_fix_jar(target: Path, core: str = f"{JAVA_DIR}/jena-core.jar") -> Path:
    """Copy jena-core's ``org/apache/jena/ext/xerces/**`` resources to ``xerces/**``.

    Why: Debian's jena-core.jar (4.5.0-2) moved the Xerces classes to the package ``xerces``
    but not their ``.properties`` message bundles, so ``XSSimpleTypeDecl`` cannot load its
    messages and Jena fails to initialise ("internal error" in applyFacets1).  Put the jar
    first on the class path.  Rebuilt only when jena-core.jar changes (its hash is in the
    name); refuses to build when the package no longer has the defect.
    """
    digest = hashlib.sha256(Path(core).read_bytes()).hexdigest()[:12]
    jar = target / f"jena-xerces-fix-{digest}.jar"
    if jar.exists():
        return jar
    target.mkdir(parents=True, exist_ok=True)
    prefix = "org/apache/jena/ext/xerces/"
    tmp = jar.with_suffix(f".{os.getpid()}.tmp")
    n = 0
    with zipfile.ZipFile(core) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            name = info.filename
            if name.startswith(prefix) and not info.is_dir() and not name.endswith(".class"):
                dst.writestr("xerces/" + name[len(prefix) :], src.read(info))
                n += 1
    if n == 0:
        tmp.unlink()
        raise JenaError(f"no Xerces resources under {prefix} in {core}: the fix does not apply")
    os.replace(tmp, jar)
    return jar


# --- commands ------------------------------------------------------------------------------
class Jena:
    """Runs jena-cmds main classes; ``workdir`` holds the fix jar and the compiled endpoint."""

    def __init__(self, workdir: str | os.PathLike[str] | None = None, *, heap: str = "1g") -> None:
        why = available()
        if why:
            raise JenaError(why)
        self._own_dir = workdir is None
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="jena-")).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.heap = heap
        self.fix_jar = xerces_fix_jar(self.dir)
        self.cp = [str(self.fix_jar), *classpath()]

    def java_args(self, main: str, *args: str, extra_cp: tuple[str, ...] = ()) -> list[str]:
        cp = os.pathsep.join([*extra_cp, *self.cp])
        return [JAVA, *JVM_OPTS, f"-Xmx{self.heap}", "-cp", cp, main, *args]

    def run(
        self, main: str, *args: str, timeout: float = 3600, check: bool = True
    ) -> subprocess.CompletedProcess[bytes]:
        cp = subprocess.run(self.java_args(main, *args), capture_output=True, timeout=timeout)
        if check and cp.returncode != 0:
            raise JenaError(
                f"{main} {' '.join(args)} exited {cp.returncode}:\n"
                f"{cp.stderr.decode(errors='replace')[-3000:]}"
            )
        return cp

    def version(self) -> str:
        return self.run("arq.sparql", "--version").stdout.decode().strip()

    def tdb2_load(self, loc: str | os.PathLike[str], files: list[str | os.PathLike[str]]) -> float:
        """``tdb2.tdbloader --loc LOC FILE...``: quads files (.nq/.trig) keep their graphs.
        Returns seconds."""
        t0 = time.perf_counter()
        self.run("tdb2.tdbloader", "--loc", str(loc), *[str(f) for f in files])
        return time.perf_counter() - t0

    def tdb2_query(self, loc: str | os.PathLike[str], sparql: str) -> dict[str, Any]:
        """``tdb2.tdbquery`` (one JVM per query), results as SPARQL JSON.  The default graph
        is the union of the named graphs (``tdb:unionDefaultGraph``) only when the query names
        no dataset: that setting makes TDB2 ignore FROM (see issue 21's note)."""
        union = not re.search(r"\bFROM\s+(NAMED\s+)?<", sparql, re.IGNORECASE)
        fd, name = tempfile.mkstemp(suffix=".rq", dir=self.dir)
        os.close(fd)
        qf = Path(name)
        try:
            qf.write_text(sparql, encoding="utf-8")
            args = ["--loc", str(loc), "--results=json", "--query", str(qf)]
            if union:
                args[:0] = ["--set", "tdb:unionDefaultGraph=true"]
            return dict(json.loads(self.run("tdb2.tdbquery", *args).stdout))
        finally:
            qf.unlink(missing_ok=True)

    def shacl_validate(
        self, shapes: str | os.PathLike[str], data: str | os.PathLike[str]
    ) -> tuple[bool, str]:
        """``shacl.shacl validate --shapes S --data D``: (conforms, report in Turtle).

        The command exits 0 whether or not the data conforms."""
        args = ["validate", "--shapes", str(shapes), "--data", str(data)]
        cp = self.run("shacl.shacl", *args, check=False)
        out = cp.stdout.decode()
        if cp.returncode != 0 or not out.strip():
            raise JenaError(f"shacl validate exited {cp.returncode}: {cp.stderr.decode()[-2000:]}")
        return bool(re.search(r"sh:conforms\s+true", out)), out

    def close(self) -> None:
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


# --- a long-running endpoint ---------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class JenaEndpoint:
    """``JenaEndpoint.java`` over a TDB2 location: SPARQL 1.1 Protocol queries at ``/sparql``
    (GET, form POST, direct POST, protocol dataset), union default graph for queries that name
    no dataset, results as JSON/XML/CSV/TSV or N-Triples/Turtle.  Compiled once into the Jena
    work folder with javac (a JDK), else run from source by the java launcher (a JRE)."""

    def __init__(
        self,
        jena: Jena,
        loc: str | os.PathLike[str] | None = None,
        *,
        union: bool = True,
        load: dict[str, tuple[str | os.PathLike[str], str | os.PathLike[str]]] | None = None,
        query_timeout: int | None = None,
    ) -> None:
        """``loc``: a TDB2 store served at ``/sparql``; ``load``: name -> (new TDB2 folder,
        N-Quads file), each loaded in this JVM and served at ``/NAME/sparql``;
        ``query_timeout``: seconds a query may run (the endpoint's default: 300)."""
        self.jena, self.loc, self.union = jena, str(loc) if loc else None, union
        self.query_timeout = query_timeout
        self.load = dict(load or {})
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None
        self.startup_seconds = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def url_for(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}/sparql"

    def _main(self) -> tuple[tuple[str, ...], str]:
        src = HERE / "JenaEndpoint.java"
        out = self.jena.dir / "classes"
        cls = out / "JenaEndpoint.class"
        stale = not cls.exists() or cls.stat().st_mtime < src.stat().st_mtime
        if shutil.which("javac") and stale:
            out.mkdir(exist_ok=True)
            cp = os.pathsep.join(self.jena.cp)
            subprocess.run(
                ["javac", "-nowarn", "-d", str(out), "-cp", cp, str(src)],
                check=True,
                capture_output=True,
            )
        if cls.exists():
            return (str(out),), "JenaEndpoint"
        return (), str(src)  # source-file mode (JDK 11+ launcher; a JRE has jdk.compiler)

    def start(self, timeout: float = 120) -> JenaEndpoint:
        t0 = time.perf_counter()
        extra_cp, main = self._main()
        self.port = _free_port()
        flags = ["--port", str(self.port), *(["--union"] if self.union else [])]
        if self.loc:
            flags += ["--loc", self.loc]
        if self.query_timeout:
            flags += ["--timeout", str(self.query_timeout)]
        for name, (loc, data) in self.load.items():
            flags += ["--load", f"{name}={loc}={data}"]
        args = self.jena.java_args(main, *flags, extra_cp=extra_cp)
        logfile = self.jena.dir / f"endpoint-{self.port}.log"
        self._log = open(logfile, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            args,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.stop()
                raise JenaError(f"JenaEndpoint exited {code}: {logfile.read_text()[-2000:]}")
            try:
                first = self.url if self.loc else self.url_for(next(iter(self.load)))
                self.query_json("ASK {}", timeout=5, url=first)
                break
            except (OSError, JenaError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.1)
        self.startup_seconds = time.perf_counter() - t0
        return self

    def query_json(self, sparql: str, timeout: float = 600, url: str = "") -> dict[str, Any]:
        data = urllib.parse.urlencode({"query": sparql}).encode()
        req = urllib.request.Request(
            url or self.url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return dict(json.loads(r.read()))
        except urllib.error.HTTPError as e:
            raise JenaError(f"HTTP {e.code}: {e.read().decode(errors='replace')[:1000]}") from e

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        self.proc = None

    def __enter__(self) -> JenaEndpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
