"""Which build a bench run measures (scripts/bench-failover): the jar's own record of its commit.

The build writes git.properties into the jar (app/pom.xml, git-commit-id-maven-plugin: the commit
of the checkout it was built from, and git.dirty when the tree had changes). The checkout's HEAD
at run time says nothing about the jar: a jar built an hour ago from another commit, or before the
last edit, is what the processes run. So the bench records the jar's commit, and refuses a jar
older than the newest source file of the checkout (a stale build measures code that is no longer
there) unless told (--stale-jar-ok).
"""
import hashlib
import os
import shutil
import subprocess
import time
import zipfile

GIT_PROPERTIES = "BOOT-INF/classes/git.properties"
# what goes into the jar: the modules' main sources and resources, and the poms
SOURCES = ("*/src/main/**", "pom.xml", "*/pom.xml")


class StaleJar(Exception):
    """The jar is older than a source file of the checkout it would be measured from."""


def jar_build(jar):
    """What the jar says about its build: commit, dirty, branch, commit time (from git.properties),
    its modification time and SHA-256. A jar without git.properties (built before app/pom.xml wrote
    it) gives commit None."""
    props = {}
    try:
        with zipfile.ZipFile(jar) as z:
            text = z.read(GIT_PROPERTIES).decode("utf-8", "replace")
        for line in text.splitlines():
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                props[k.strip()] = v.strip().replace("\\:", ":")
    except KeyError:
        pass
    h = hashlib.sha256()
    with open(jar, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    dirty = props.get("git.dirty")
    return {"path": os.path.abspath(jar), "commit": props.get("git.commit.id.full"),
            "dirty": None if dirty is None else dirty == "true", "branch": props.get("git.branch"),
            "commitTime": props.get("git.commit.time"),
            "builtAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(jar))),
            "sha256": h.hexdigest()}


def newest_source(root):
    """(mtime, path) of the newest file git knows (tracked or not ignored) among SOURCES, or None."""
    r = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard",
                        "--"] + list(SOURCES), capture_output=True)
    if r.returncode != 0:
        return None
    newest = None
    for rel in r.stdout.decode("utf-8", "replace").split("\0"):
        if not rel:
            continue
        try:
            m = os.path.getmtime(os.path.join(root, rel))
        except OSError:  # deleted in the work tree
            continue
        if newest is None or m > newest[0]:
            newest = (m, rel)
    return newest


def checkout_head(root):
    r = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True)
    return r.stdout.strip() or None


def check(root, jar, stale_ok=False):
    """The jar's build record, plus the checkout's HEAD and newest source; raises StaleJar when a
    source file is newer than the jar (unless stale_ok, then recorded as "stale": true)."""
    out = jar_build(jar)
    out["checkoutHead"] = checkout_head(root)
    newest = newest_source(root)
    built = os.path.getmtime(jar)
    out["stale"] = bool(newest and newest[0] > built)
    if newest:
        out["newestSource"] = {"path": newest[1], "modifiedAt": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(newest[0]))}
    if out["stale"] and not stale_ok:
        raise StaleJar("%s (built %s) is older than %s (modified %s): rebuild it (nice -n 19 ./mvnw -o -B -q "
                       "package -DskipTests) or pass --stale-jar-ok"
                       % (jar, out["builtAt"], newest[1], out["newestSource"]["modifiedAt"]))
    return out


def private_copy(jar, directory):
    """A copy of the jar for the whole bench run: a rebuild meanwhile changes neither the running
    processes nor the ones a restore or a cluster rebuild starts later."""
    os.makedirs(directory, exist_ok=True)
    dst = os.path.join(directory, "tandem.jar")
    shutil.copy2(jar, dst)
    return dst
