"""Policy reading fails closed (issue "Nothing leaks, nothing fails open"), through the real
entry point: a policy path that cannot be read is a policy error naming the path and the cause,
never skipped; `extends` stays inside the policy's repository; no message quotes a file that is
not a YAML mapping; files above the size cap are refused."""

from __future__ import annotations

import errno
import os
import signal
import socket
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import pytest

from auditor.policy import files
from tests.support.shared import CliResult

Run = Callable[..., CliResult]
POLICY = "version: 1\nrules:\n  - rule: daily-send-limit\n    max: 40\n"
CANARY = "canary-c0ntent-7f3e"
HEADER = "smartlead-audit: error:"


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """A FIFO opened for reading waits for a writer: a regression would hang, so it fails."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise AssertionError("the run blocked (a FIFO opened for reading?)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A policy repository: `.git`, and `policies/house.yaml` that is valid on its own."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "policies").mkdir()
    (root / "policies" / "house.yaml").write_text(POLICY)
    monkeypatch.chdir(tmp_path)  # no config file is found; paths show relative to here
    return root


def problem_lines(result: CliResult) -> list[str]:
    assert result.code == 2, result
    lines = result.err.splitlines()
    assert lines[0].startswith(f"{HEADER} ") and "policy problem" in lines[0], result.err
    assert "Traceback" not in result.err
    return lines[1:]


# --- 1. every policy path is read, or is a problem ----------------------------------------


def _socket(path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))


def _directory(path: Path) -> None:
    path.mkdir()
    (path / "inner.yaml").write_text(POLICY)


# kind -> (make it at a path, why it cannot be read)
BROKEN: dict[str, tuple[Callable[[Path], object], str]] = {
    "dangling": (
        lambda p: p.symlink_to("missing.yaml"),
        "a dangling symbolic link (its target missing.yaml does not exist)",
    ),
    "loop": (lambda p: p.symlink_to(p.name), "a symbolic link loop"),
    "directory": (_directory, "a directory, not a regular file"),
    "fifo": (os.mkfifo, "a FIFO (named pipe), not a regular file"),
    "socket": (_socket, "a socket, not a regular file"),
}


def shown(path: Path) -> str:
    return os.path.relpath(path)


@pytest.mark.parametrize("kind", list(BROKEN))
def test_an_unreadable_entry_of_a_policy_folder_fails_validate(
    run_cli: Run, repo: Path, kind: str
) -> None:
    make, reason = BROKEN[kind]
    make(broken := repo / "policies" / "broken.yaml")
    result = run_cli("validate", repo / "policies")
    assert problem_lines(result) == [f"{shown(broken)}:1:1: cannot read policy file: {reason}"]
    assert result.out == ""


@pytest.mark.parametrize("kind", list(BROKEN))
def test_an_unreadable_entry_of_a_policy_folder_fails_check_before_the_inventory(
    run_cli: Run, repo: Path, kind: str
) -> None:
    make, reason = BROKEN[kind]
    make(broken := repo / "policies" / "broken.yaml")
    result = run_cli(
        "check", "--inventory", repo / "missing-inventory.json", "--policy", repo / "policies",
        "--format", "json", "--output-dir", repo / "reports",
    )  # fmt: skip
    assert problem_lines(result) == [f"{shown(broken)}:1:1: cannot read policy file: {reason}"]
    assert not (repo / "reports").exists()


@pytest.mark.parametrize("kind", [k for k in BROKEN if k != "directory"])  # that is a folder
def test_an_unreadable_policy_argument_is_a_policy_error(
    run_cli: Run, repo: Path, kind: str
) -> None:
    make, reason = BROKEN[kind]
    make(broken := repo / "policies" / "broken.yaml")
    result = run_cli("validate", repo / "policies" / "house.yaml", broken)
    assert problem_lines(result) == [f"{shown(broken)}:1:1: cannot read policy file: {reason}"]


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_a_device_as_policy_is_a_policy_error(run_cli: Run, device: str) -> None:
    result = run_cli("validate", device)
    assert problem_lines(result) == [
        f"{device}:1:1: cannot read policy file: a character device, not a regular file"
    ]


def test_a_device_node_in_a_policy_folder_is_a_policy_error(run_cli: Run, repo: Path) -> None:
    node = repo / "policies" / "null.yaml"
    try:
        os.mknod(node, 0o600 | 0o020000, os.makedev(1, 3))  # S_IFCHR: a copy of /dev/null
    except OSError as exc:
        pytest.skip(f"cannot create a device node here: {exc.strerror}")
    result = run_cli("validate", repo / "policies")
    assert problem_lines(result) == [
        f"{shown(node)}:1:1: cannot read policy file: a character device, not a regular file"
    ]


def test_an_unreadable_policy_file_is_a_policy_error(
    run_cli: Run, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """chmod 000 stops a read everywhere but as root (which runs this suite in CI); there, the
    permission check is simulated in-process by making the open fail with EACCES, as the kernel
    would. Either way what is exercised is the mapping of a failed open to a policy error."""
    locked = repo / "policies" / "locked.yaml"
    locked.write_text(POLICY)
    locked.chmod(0)
    if os.geteuid() == 0:
        real_open = os.open

        def refuse(path: object, flags: int, *args: int, **kwargs: int) -> int:
            if Path(str(path)) == locked:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(files.os, "open", refuse)
    result = run_cli("validate", repo / "policies")
    assert problem_lines(result) == [
        f"{shown(locked)}:1:1: cannot read policy file: Permission denied"
    ]


def test_every_unreadable_file_is_reported_in_one_round(run_cli: Run, repo: Path) -> None:
    folder = repo / "policies"
    for index, (make, _) in enumerate(BROKEN.values()):
        make(folder / f"b{index}.yaml")
    result = run_cli("validate", folder)
    assert [line.split(": ", 2)[1] for line in problem_lines(result)] == [
        "cannot read policy file"
    ] * len(BROKEN)
    assert result.err.splitlines()[0] == f"{HEADER} {len(BROKEN)} policy problems found:"


@pytest.mark.parametrize("kind", ["dangling", "loop", "directory", "fifo", "socket"])
def test_an_unreadable_extends_target_is_a_policy_error(
    run_cli: Run, repo: Path, kind: str
) -> None:
    make, reason = BROKEN[kind]
    make(repo / "policies" / "base.yaml")
    child = repo / "policies" / "house.yaml"
    child.write_text("version: 1\nextends: [base.yaml]\n")
    result = run_cli("validate", child)
    expected = f"{shown(child)}:2:11: cannot read extended policy base.yaml: {reason}"
    assert problem_lines(result) == [expected]


def test_unreadable_policy_test_files_fail_the_run(run_cli: Run, repo: Path) -> None:
    tests = repo / "policies" / "tests"
    tests.mkdir()
    (tests / "house.test.yaml").write_text(
        "policy: [..]\ncases:\n  - name: fine\n    accounts: [{id: 1, message_per_day: 10}]\n"
    )
    os.mkfifo(tests / "pipe.yaml")
    result = run_cli("test", tests)
    assert result.code == 2, result
    pipe = shown(tests / "pipe.yaml")
    assert (
        f"{pipe}:1:1: cannot read test file: a FIFO (named pipe), not a regular file" in result.err
    )


def test_a_dangling_link_as_the_inventory_is_still_an_inventory_error(
    run_cli: Run, repo: Path
) -> None:
    (repo / "inventory.json").symlink_to("gone.json")
    result = run_cli("check", "--inventory", repo / "inventory.json", "--policy", repo / "policies")
    assert result.code == 3, result
    assert "cannot read inventory" in result.err


# --- 2. extends stays inside the repository; nothing unparsed is quoted --------------------


def test_extends_inside_the_repository_works_across_folders(run_cli: Run, repo: Path) -> None:
    (repo / "shared").mkdir()
    (repo / "shared" / "base.yaml").write_text("version: 1\nextends: [../shared/more.yaml]\n")
    (repo / "shared" / "more.yaml").write_text(POLICY.replace("max: 40", "max: 30"))
    (repo / "policies" / "link.yaml").symlink_to("../shared/more.yaml")  # a link inside: fine
    child = repo / "policies" / "house.yaml"
    child.write_text("version: 1\nextends: [../shared/base.yaml, link.yaml]\n")
    result = run_cli("validate", child)
    assert (result.code, result.err) == (0, ""), result


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("/etc/passwd", "an absolute path"),
        ("/proc/self/environ", "an absolute path"),
        ("/dev/zero", "an absolute path"),
        ("../../outside.yaml", "resolves to {tmp}/outside.yaml, outside the policy repository"),
        ("../../../../../../../../etc/passwd", "resolves to /etc/passwd, outside"),
        ("sub/../../../outside.yaml", "resolves to {tmp}/outside.yaml, outside"),
        ("out.yaml", "resolves to {tmp}/outside.yaml, outside"),  # a link pointing out
        ("outdir/outside.yaml", "resolves to {tmp}/outside.yaml, outside"),  # a folder link
        ("zero.yaml", "resolves to /dev/zero, outside"),
        ("../" * 12 + "proc/self/environ", "resolves to /proc/"),
    ],
)
def test_extends_outside_the_repository_is_refused_without_reading_it(
    run_cli: Run, repo: Path, tmp_path: Path, name: str, why: str
) -> None:
    (tmp_path / "outside.yaml").write_text(f"version: 1\n{CANARY}: 1\n")
    (repo / "policies" / "out.yaml").symlink_to(tmp_path / "outside.yaml")
    (repo / "policies" / "outdir").symlink_to(tmp_path)
    (repo / "policies" / "zero.yaml").symlink_to("/dev/zero")
    child = repo / "policies" / "child.yaml"
    child.write_text(f"version: 1\nextends: [{name}]\n")
    result = run_cli("validate", child)
    (line,) = problem_lines(result)
    assert line.startswith(f"{shown(child)}:2:11: extends {name}: {why.format(tmp=tmp_path)}")
    assert CANARY not in result.err + result.out
    assert "root:" not in result.err


def test_a_folder_entry_linking_out_of_the_repository_is_refused(
    run_cli: Run, repo: Path, tmp_path: Path
) -> None:
    (tmp_path / "outside.yaml").write_text(f"version: 1\n{CANARY}: 1\n")
    link = repo / "policies" / "shared.yaml"
    link.symlink_to(tmp_path / "outside.yaml")
    result = run_cli("validate", repo / "policies")
    assert problem_lines(result) == [
        f"{shown(link)}:1:1: a link to {tmp_path / 'outside.yaml'}, outside the policy "
        f"repository {repo}; name the file itself to use it"
    ]
    assert CANARY not in result.err
    # named on its own, the file is the user's choice, and is read
    assert CANARY in run_cli("validate", link).err


def test_without_git_the_repository_is_the_policy_folder(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(POLICY)
    (tmp_path / "policies").mkdir()
    child = tmp_path / "policies" / "house.yaml"
    child.write_text("version: 1\nextends: [../base.yaml]\n")
    result = run_cli("validate", child)
    assert f"resolves to {tmp_path / 'base.yaml'}, outside the policy repository" in result.err
    (tmp_path / ".git").mkdir()
    assert run_cli("validate", child).code == 0


def test_a_kernel_file_is_never_a_policy(run_cli: Run) -> None:
    result = run_cli("validate", "/proc/self/environ")
    assert problem_lines(result) == [
        "/proc/self/environ:1:1: cannot read policy file: a file the kernel generates "
        "(/proc, /sys), not a policy"
    ]


PASSWD = f"root:x:0:0:{CANARY}:/root:/bin/bash\ndaemon:x:1:1:{CANARY}:/usr/sbin:/bin/sh\n"
NOT_POLICIES = {
    "passwd": (PASSWD.encode(), "a policy file must be a mapping with 'version' and 'rules'"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\xff" + CANARY.encode(), "not UTF-8 text (byte 0)"),
    "controls": (f"{CANARY}\x07{CANARY}\n".encode(), "character"),
    "duplicate keys": (
        f"{CANARY}: 1\n{CANARY}: 2\n".encode(),
        "invalid YAML: this key is already set earlier in the same mapping",
    ),
    "undefined alias": (f"a: *{CANARY}\n".encode(), "invalid YAML: found undefined alias …"),
    "unclosed": (f"a: [{CANARY}, {CANARY}\n".encode(), "invalid YAML: while parsing a flow"),
    "tag handle": (f"a: !{CANARY}!x 1\n".encode(), "undefined tag handle …"),
    "reused anchor": (f"- &{CANARY} 1\n- &{CANARY} 2\n".encode(), "must be a mapping"),
    "key file": (
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{CANARY}\n-----END OPENSSH PRIVATE KEY-----\n".encode(),
        "a policy file must be a mapping",
    ),
}


@pytest.mark.parametrize("kind", list(NOT_POLICIES))
@pytest.mark.parametrize("how", ["extends", "argument"])
def test_no_message_quotes_a_file_that_is_not_a_yaml_mapping(
    run_cli: Run, repo: Path, kind: str, how: str
) -> None:
    content, expected = NOT_POLICIES[kind]
    (repo / "policies" / "other.yaml").write_bytes(content)
    (repo / "other.yaml").symlink_to("policies/other.yaml")
    child = repo / "policies" / "house.yaml"
    child.write_text("version: 1\nextends: [other.yaml]\n")
    with warnings.catch_warnings(record=True) as warned:  # ruamel's warnings quote lines
        warnings.simplefilter("always")
        result = run_cli("validate", child if how == "extends" else repo / "other.yaml")
    assert not [w for w in warned if CANARY in str(w.message)]
    assert result.code == 2, result
    assert expected in result.err
    assert CANARY not in result.err + result.out
