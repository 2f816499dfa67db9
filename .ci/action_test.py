#!/usr/bin/env python3
"""Runs action.yml's steps here as the runner would, against fixture projects.

    python3 .ci/action_test.py <repository root> <tiercheck binary>

Each `run:` step is taken out of action.yml and run with `bash --noprofile --norc -eo pipefail`
(the runner's `shell: bash`), its `env:` expressions resolved from the inputs, the action path
and earlier steps' outputs (any other expression fails the test), with a fresh GITHUB_OUTPUT,
GITHUB_PATH and RUNNER_TEMP. The release the install step downloads is a file:// directory
holding the given binary under release.yml's archive name with its .sha256. `uses:` steps
(upload-sarif) are not run: the test records whether their `if:` holds and what they would
upload. About 8 s on 2 busy cores with a release build of tiercheck.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

import yaml

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class Run:
    """One run of the action: each step's exit code (None: skipped), outputs and output text."""

    def __init__(self):
        self.rc, self.outputs, self.text, self.uploads = {}, {}, "", []


def resolve(expr, inputs, outputs, root):
    if expr.startswith("inputs."):
        return inputs[expr[len("inputs."):]]
    if expr == "github.action_path":
        return root
    m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
    if m:
        return outputs.get(m[1], {}).get(m[2], "")
    raise AssertionError(f"action.yml uses an expression this test cannot resolve: {expr}")


def condition(cond, inputs, outputs, root, failed):
    """The `if:` forms action.yml uses: `&&` of always(), `x == 'v'` and `x != 'v'`."""
    if not cond:
        return not failed
    value = True
    has_always = False
    for term in (t.strip() for t in cond.split("&&")):
        if term == "always()":
            has_always = True
            continue
        m = re.fullmatch(r"([\w.-]+)\s*(==|!=)\s*'([^']*)'", term)
        assert m, f"an `if:` term this test cannot evaluate: {term}"
        got = resolve(m[1], inputs, outputs, root)
        value = value and ((got == m[3]) == (m[2] == "=="))
    return value and (has_always or not failed)


def parse_output(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f.read().splitlines():
            k, _, v = line.partition("=")
            out[k] = v
    return out


def run_action(action, root, workspace, given, env_extra):
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    inputs.update(given)
    run, failed = Run(), False
    temp = tempfile.mkdtemp(prefix="runner-temp.", dir=workspace)
    for i, step in enumerate(action["runs"]["steps"]):
        sid = step.get("id", f"step{i}")
        if not condition(step.get("if"), inputs, run.outputs, root, failed):
            run.rc[sid] = None
            continue
        if "uses" in step:
            run.uploads.append({k: EXPR.sub(lambda m: resolve(m[1], inputs, run.outputs, root), str(v))
                                for k, v in step["with"].items()})
            run.rc[sid] = 0
            continue
        env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"),
               "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64", "RUNNER_TEMP": temp}
        for k, v in (step.get("env") or {}).items():
            env[k] = EXPR.sub(lambda m: resolve(m[1], inputs, run.outputs, root), str(v))
        env.update(env_extra)
        out_file = os.path.join(temp, f"output.{sid}")
        open(out_file, "w").close()
        env["GITHUB_OUTPUT"] = out_file
        env["GITHUB_PATH"] = os.path.join(temp, "path")
        script = os.path.join(temp, f"step.{sid}.sh")
        with open(script, "w", encoding="utf-8") as f:
            f.write(step["run"])
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                           cwd=workspace, env=env, capture_output=True, text=True, timeout=120)
        run.rc[sid] = p.returncode
        run.text += p.stdout + p.stderr
        run.outputs[sid] = parse_output(out_file)
        failed = failed or p.returncode != 0
    return run


def project(workspace, name, config=None, profile=""):
    d = os.path.join(workspace, name)
    os.makedirs(os.path.join(d, "src"))
    with open(os.path.join(d, "Cargo.toml"), "w") as f:
        f.write(f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n{profile}')
    with open(os.path.join(d, "src", "main.rs"), "w") as f:
        f.write('fn main() {}\n')
    if config:
        os.makedirs(os.path.join(d, ".cargo"))
        with open(os.path.join(d, ".cargo", "config.toml"), "w") as f:
            f.write(config)


def release(dir_, version, tiercheck, corrupt=False):
    """release.yml's archive for x86_64 Linux: the binaries at the top level, and its .sha256."""
    name = "tiercheck-x86_64-unknown-linux-musl.tar.gz"
    d = os.path.join(dir_, f"v{version}")
    os.makedirs(d, exist_ok=True)
    with tarfile.open(os.path.join(d, name), "w:gz") as t:
        t.add(tiercheck, arcname="./tiercheck")
    with open(os.path.join(d, name), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if corrupt:
        digest = "0" * 64
    with open(os.path.join(d, name + ".sha256"), "w") as f:
        f.write(f"{digest}  {name}\n")


def main():
    root, tiercheck = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with open(os.path.join(root, "action.yml"), encoding="utf-8") as f:
        action = yaml.safe_load(f)
    with open(os.path.join(root, "checker", "Cargo.toml"), encoding="utf-8") as f:
        version = re.search(r'^version = "(.*)"$', f.read(), re.M)[1]
    failures = []

    def expect(what, ok):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory(prefix="action-test.") as ws:
        releases = os.path.join(ws, "releases")
        release(releases, version, tiercheck)
        base = {"RELEASES": "file://" + releases}
        project(ws, "clean")
        project(ws, "erring", config='[build]\nlinker = "clang"\n')
        project(ws, "warning", profile='[profile.release]\nlto = "fat"\n')
        os.makedirs(os.path.join(ws, "target", "release"))
        shutil.copy(tiercheck, os.path.join(ws, "target", "release", "tiercheck"))

        r = run_action(action, root, ws, {"directory": "clean", "tier": "tier1"}, base)
        expect("clean: installed from the release archive, its checksum verified",
               r.rc["install"] == 0 and "release binary" in r.text)
        sarif_path = r.outputs["check"].get("project-sarif", "")
        with open(sarif_path, encoding="utf-8") as f:
            sarif = json.load(f)
        expect("clean: project.sarif is SARIF 2.1.0 from tiercheck",
               sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"] == "tiercheck")
        expect("clean: uploaded once, category tiercheck/project, and the job passes",
               [u["category"] for u in r.uploads] == ["tiercheck/project"]
               and r.uploads[0]["sarif_file"] == sarif_path and r.rc["step4"] == 0)

        r = run_action(action, root, ws, {"directory": "erring", "tier": "tier1"}, base)
        expect("erring: the check step passes, the upload runs, then the verdict fails the job",
               r.rc["check"] == 0 and len(r.uploads) == 1 and r.rc["step4"] == 1
               and r.outputs["check"]["errors"] == "1")
        r = run_action(action, root, ws, {"directory": "erring", "fail-on": "never"}, base)
        expect("erring, fail-on never: the job passes", r.rc["step4"] == 0)

        r = run_action(action, root, ws, {"directory": "warning", "tier": "tier1"}, base)
        expect("warning only, fail-on error: the job passes",
               r.rc["step4"] == 0 and r.outputs["check"]["warnings"] != "0")
        r = run_action(action, root, ws, {"directory": "warning", "tier": "tier1", "fail-on": "warning"}, base)
        expect("warning only, fail-on warning: the job fails", r.rc["step4"] == 1)

        r = run_action(action, root, ws, {"directory": "clean", "binaries": "\n  target/**/tiercheck  \n"}, base)
        expect("binaries: a glob finds the binary, binary.sarif is uploaded as tiercheck/binary",
               r.rc["check"] == 0 and [u["category"] for u in r.uploads] == ["tiercheck/project", "tiercheck/binary"])
        r = run_action(action, root, ws, {"directory": "clean", "binaries": "nothing/*"}, base)
        expect("binaries: a glob matching nothing fails the check; the project is still uploaded",
               r.rc["check"] != 0 and "matches no file" in r.text and len(r.uploads) == 1
               and r.rc["step4"] is None)

        r = run_action(action, root, ws, {"directory": "no-such-dir"}, base)
        expect("missing directory: exit 2 fails the check step, nothing is uploaded",
               r.rc["check"] == 2 and r.uploads == [] and "no such directory" in r.text)
        r = run_action(action, root, ws, {"directory": "$(touch PWNED)", "tier": "tier1; touch PWNED"}, base)
        expect("an input holding shell code is a value, never run",
               not os.path.exists(os.path.join(ws, "PWNED")) and r.rc["check"] == 2)

        r = run_action(action, root, ws, {"directory": "erring", "upload-sarif": "false"}, base)
        expect("upload-sarif false: workflow annotations instead, no upload",
               "::error file=erring/.cargo/config.toml" in r.text and r.uploads == [] and r.rc["step4"] == 1)

        bad = os.path.join(ws, "bad-releases")
        release(bad, version, tiercheck, corrupt=True)
        r = run_action(action, root, ws, {"directory": "clean"}, {"RELEASES": "file://" + bad})
        expect("a wrong checksum stops the install (no fallback)",
               r.rc["install"] == 1 and "sha256" in r.text and r.rc["check"] is None)
        r = run_action(action, root, ws, {"directory": "clean"},
                       dict(base, RUNNER_ARCH="X86", PATH="/usr/bin:/bin"))
        expect("no release binary for the runner and no cargo: a clear error",
               r.rc["install"] == 1 and "no cargo" in r.text)
        r = run_action(action, root, ws, {"directory": "clean"}, dict(base, RUNNER_OS="Windows"))
        expect("a Windows runner: a clear error, nothing built", r.rc["install"] == 1 and "not on Windows" in r.text)
        r = run_action(action, root, ws, {"directory": "clean", "version": "1.0; rm -rf /"}, base)
        expect("a version that is not one is refused", r.rc["install"] == 1 and "not a version" in r.text)

    print(f"action_test: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
