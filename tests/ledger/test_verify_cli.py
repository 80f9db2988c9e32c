"""``bayfin-verify``: driven through ``main([...])``, plus the installed script in a real
subprocess, and a check that importing it loads no Django."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bayfin.ledger import verify
from bayfin.ledger.tlog.cosignature import WitnessSigner
from tests.ledger.test_proof import ORIGIN, Log, witness
from tests.ledger.test_receipt import ledger, receipt_for

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def log() -> Log:
    return ledger(9)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = verify.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


# --- receipt ---------------------------------------------------------------------------------


def test_receipt_ok(log: Log, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "r.bayfin-receipt.json", receipt_for(log, 3))
    code, out, err = run(capsys, "receipt", path, "--key", log.vkey)
    assert code == 0, err
    first, rest = out.split("\n", 1)
    root = first.split("root ")[1].split(",")[0]
    assert first == (
        f"OK: entry 3 (deal.stage_changed, deal 103) is in {ORIGIN} at size 9, root {root}, "
        f"signed by {ORIGIN}"
    )
    assert json.loads(rest)["subject"] == {"type": "deal", "id": "103"}
    assert "澳門" in rest
    assert err == ""


def test_receipt_key_from_a_file(
    log: Log, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "r.json", receipt_for(log, 3))
    key = _write(tmp_path / "log.vkey", "\n" + log.vkey + "\n")
    code, out, _ = run(capsys, "receipt", path, "--key", key)
    assert code == 0
    assert out.startswith("OK: entry 3 ")


def test_receipt_from_stdin(
    log: Log, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(receipt_for(log, 0).encode()))
    code, out, _ = run(capsys, "receipt", "-", "--key", log.vkey)
    assert code == 0
    assert out.startswith("OK: entry 0 ")


def test_receipt_with_witnesses(
    log: Log, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w1, w2 = witness("w1.example"), witness("w2.example")
    path = _write(tmp_path / "r.json", receipt_for(log, 3, witnesses=[w1, w2]))
    wkey = _write(tmp_path / "w2.vkey", w2.verifier().vkey() + "\n")
    code, out, err = run(
        capsys,
        "receipt",
        path,
        "--key",
        log.vkey,
        "--witness-key",
        w1.verifier().vkey(),
        "--witness-key",
        wkey,
        "--min-cosignatures",
        "2",
    )
    assert code == 0, err
    assert out.split("\n", 1)[0].endswith(f"signed by {ORIGIN}, cosigned by w1.example, w2.example")


def test_receipt_missing_cosignature_rejected(
    log: Log, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w1: WitnessSigner = witness("w1.example")
    path = _write(tmp_path / "r.json", receipt_for(log, 3))
    code, out, err = run(
        capsys, "receipt", path, "--key", log.vkey, "--witness-key", w1.verifier().vkey(),
        "--min-cosignatures", "1",
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert err == "REJECTED: 0 trusted witness cosignature(s), 1 required\n"


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda r: r.replace('\\"id\\":\\"103\\"', '\\"id\\":\\"104\\"'),
         "the entry does not hash to the receipt's leaf_hash"),
        (lambda r: r.replace("index 3", "index 4"), "the proof leads to a different root"),
        (lambda r: r.replace("index 3", "index 9"), "leaf index 9 is not below the tree size 9"),
        (lambda r: r.replace(f"{ORIGIN}\\n9\\n", f"{ORIGIN}\\n10\\n"), "invalid signature from known key"),
    ],
)  # fmt: skip
def test_tampered_receipt_rejected(
    log: Log, tmp_path: Path, capsys: pytest.CaptureFixture[str], tamper: Any, reason: str
) -> None:
    receipt = receipt_for(log, 3)
    changed = tamper(receipt)
    assert changed != receipt
    path = _write(tmp_path / "r.json", changed)
    code, out, err = run(capsys, "receipt", path, "--key", log.vkey)
    assert (code, out) == (1, "")
    assert err.startswith("REJECTED: ") and reason in err


def test_wrong_key_rejected(log: Log, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "r.json", receipt_for(log, 3))
    code, _, err = run(capsys, "receipt", path, "--key", ledger(1).vkey)
    assert code == 1
    assert err.startswith("REJECTED: the receipt names log key ")


def test_usage_and_input_errors_exit_2(
    log: Log, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "r.json", receipt_for(log, 3))
    code, _, err = run(capsys, "receipt", str(tmp_path / "missing.json"), "--key", log.vkey)
    assert code == 2 and "cannot read" in err
    code, _, err = run(capsys, "receipt", path, "--key", "bad+key+x")
    assert code == 2 and "--key is not a log verifier key" in err
    code, _, err = run(capsys, "receipt", path, "--key", str(tmp_path / "nokey"))
    assert code == 2 and "neither a key nor a readable key file" in err
    code, _, err = run(capsys, "receipt", path, "--key", log.vkey, "--witness-key", log.vkey)
    assert code == 2 and "--witness-key is not a witness verifier key" in err
    with pytest.raises(SystemExit) as info:
        verify.main(["receipt", path, "--key", log.vkey, "--min-cosignatures", "1"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        verify.main(["receipt", path])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        verify.main([])
    assert info.value.code == 2
    capsys.readouterr()


def test_not_a_receipt_rejected(
    log: Log, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "r.json", log.proof(3).format())
    code, _, err = run(capsys, "receipt", path, "--key", log.vkey)
    assert code == 1 and err.startswith("REJECTED: not JSON")


# --- consistency -----------------------------------------------------------------------------


def _consistency_files(log: Log, tmp_path: Path, old: int, new: int) -> list[str]:
    proof = "".join(
        base64.b64encode(h).decode() + "\n" for h in log.tree.consistency_proof(old, new)
    )
    return [
        _write(tmp_path / "old.checkpoint", log.signed_checkpoint(old)),
        _write(tmp_path / "new.checkpoint", log.signed_checkpoint(new)),
        _write(tmp_path / "proof.txt", proof),
    ]


def test_consistency_ok(log: Log, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _consistency_files(log, tmp_path, 3, 9)
    code, out, err = run(capsys, "consistency", *files, "--key", log.vkey)
    assert code == 0, err
    assert out.startswith(f"OK: {ORIGIN} at size 3, root ")
    assert "is a prefix of the tree at size 9, root " in out
    assert out.rstrip().endswith(f"both signed by {ORIGIN}")


def test_consistency_from_stdin(
    log: Log, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new, proof = _consistency_files(log, tmp_path, 3, 9)
    monkeypatch.setattr(sys, "stdin", _Stdin(Path(proof).read_bytes()))
    code, out, _ = run(capsys, "consistency", old, new, "-", "--key", log.vkey)
    assert code == 0 and out.startswith("OK: ")
    monkeypatch.setattr(sys, "stdin", _Stdin(b""))
    code, _, err = run(capsys, "consistency", "-", new, "-", "--key", log.vkey)
    assert code == 2 and "only once" in err


def test_consistency_rejected(log: Log, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new, proof = _consistency_files(log, tmp_path, 3, 9)
    code, out, err = run(capsys, "consistency", new, old, proof, "--key", log.vkey)
    assert (code, out) == (1, "")
    assert err == "REJECTED: size2 3 is below size1 9\n"
    lines = Path(proof).read_text().splitlines()
    lines[0] = lines[1]
    Path(proof).write_text("\n".join(lines) + "\n")
    code, _, err = run(capsys, "consistency", old, new, proof, "--key", log.vkey)
    assert code == 1 and err.startswith("REJECTED: the proof leads to a different root")
    code, _, err = run(capsys, "consistency", old, new, proof, "--key", ledger(1).vkey)
    assert code == 1 and err == "REJECTED: old checkpoint: no signature from a known key\n"


# --- no Django, and the installed script ------------------------------------------------------


def test_importing_the_verifier_loads_no_django() -> None:
    code = (
        "import sys, bayfin.ledger.verify\n"
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)\n"
        "bad = sorted(m for m in sys.modules if m.startswith('bayfin.') and not "
        "m.startswith(('bayfin.ledger.tlog', 'bayfin.ledger.entries', 'bayfin.ledger.receipt', "
        "'bayfin.ledger.verify')) and m != 'bayfin.ledger')\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_installed_script(log: Log, tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "bayfin-verify"
    assert script.exists(), f"{script} is missing: reinstall the package (make install)"
    path = _write(tmp_path / "r.bayfin-receipt.json", receipt_for(log, 5))
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    ok = subprocess.run(
        [str(script), "receipt", path, "--key", log.vkey],
        capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK: entry 5 (deal.stage_changed, deal 105) is in ")
    tampered = _write(tmp_path / "t.json", receipt_for(log, 5).replace("index 5", "index 6"))
    bad = subprocess.run(
        [str(script), "receipt", tampered, "--key", log.vkey],
        capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert bad.stderr == "REJECTED: the proof leads to a different root\n"
