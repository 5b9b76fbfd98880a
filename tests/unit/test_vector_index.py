"""VectorIndex at scale: the kind chosen by size and device, the GPU (torch) path checked on the CPU,
batch search, delete by id range, memory-mapped loading.

The torch path is the code a CUDA machine runs; here it runs on torch's "cpu" device (the fake GPU),
and its answers are compared with exact search in numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("faiss", reason="faiss is in the retrieval extra: pip install -e '.[retrieval]'")

from tcm.errors import TCMError  # noqa: E402
from tcm.retrieval import index as index_mod  # noqa: E402
from tcm.retrieval.index import KINDS, VectorIndex, choose_kind  # noqa: E402


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def clustered(n: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = unit(rng.standard_normal((max(8, n // 100), dim)))
    return unit(centres[rng.integers(0, len(centres), n)] + rng.standard_normal((n, dim)) * 1.2 / np.sqrt(dim))


def exact(x: np.ndarray, ids: np.ndarray, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    s = q.astype(np.float64) @ x.astype(np.float64).T
    order = np.argsort(-s, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(s, order, 1), ids[order]


@pytest.fixture
def fake_gpu(monkeypatch):
    """Make VectorIndex take its torch path (on torch's CPU device); ``fake_gpu(False)`` turns it off."""
    torch = pytest.importorskip("torch", reason="torch is in the retrieval extra")

    def use(on: bool = True) -> None:
        monkeypatch.setattr(index_mod, "_torch_cuda", (lambda: torch) if on else (lambda: None))

    use(True)
    return use


def torch_on_cpu(vi: VectorIndex) -> VectorIndex:
    vi.torch_device = "cpu"
    vi._dirty = True
    return vi


def test_kind_by_size_and_device(monkeypatch):
    assert choose_kind(10, "cpu") == "flat" and choose_kind(50_000, "cpu") == "flat"
    assert choose_kind(100_000, "cpu") == "ivf" and choose_kind(1_000_000, "cpu") == "ivf"
    assert choose_kind(4_000_000, "cpu") == "ivf-sq8"
    for device in ("torch", "faiss-gpu"):  # with a GPU: exact search at every size
        assert choose_kind(4_000_000, device) == "flat"
    monkeypatch.setenv("TCM_DEVICE", "cpu")
    assert index_mod.search_device() == "cpu"
    assert VectorIndex(32, "auto", expected=10**6).kind == "ivf"
    assert VectorIndex(32, "auto", expected=10).kind == "flat"
    monkeypatch.setenv("TCM_DEVICE", "tpu")
    with pytest.raises(TCMError, match="TCM_DEVICE must be auto, cpu or cuda"):
        index_mod.search_device()
    with pytest.raises(TCMError, match="unknown index type 'lsh'"):
        VectorIndex(32, "lsh")  # type: ignore[arg-type]


def test_fake_gpu_is_chosen_and_picks_flat(fake_gpu, monkeypatch):
    monkeypatch.delenv("TCM_DEVICE", raising=False)
    assert index_mod.search_device() == "torch"
    assert VectorIndex(32, "auto", expected=4_000_000).kind == "flat"


@pytest.mark.parametrize("kind", KINDS)
def test_torch_path_is_exact_for_every_kind(kind, fake_gpu):
    """fp16 scan + fp32 rescoring returns the exact top k over the index's vectors, for every kind."""
    x = clustered(4000, 48)
    ids = np.arange(4000, dtype=np.int64) * 5 + 3
    q = clustered(40, 48, seed=1)
    vi = VectorIndex(48, kind)
    vi.add(x, ids)
    fake_gpu(False)
    cpu_scores, cpu_ids = vi.search(q, 10)
    assert vi.device == "cpu"
    fake_gpu(True)
    torch_on_cpu(vi)
    assert vi.device == "torch"
    scores, got = vi.search(q, 10)
    held_ids, held = vi.vectors()  # what the index stores (8-bit codes decoded for ivf-sq8)
    want_s, want_i = exact(held, held_ids, q, 10)
    assert got.shape == (40, 10)
    assert np.allclose(scores, want_s, atol=1e-5)
    assert (got == want_i).mean() >= 0.999  # identical, up to an exact tie
    if kind == "flat":  # the CPU path is exact too: the same answers
        assert np.array_equal(got, cpu_ids) and np.allclose(scores, cpu_scores, atol=1e-5)
    else:  # approximate on the CPU, exact on the GPU: the CPU finds most of them
        assert np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, cpu_ids, strict=True)]) >= 0.9


def test_certificate_catches_what_fp16_cannot_separate(fake_gpu):
    """Near-duplicates closer than fp16 can tell apart: the certificate fails, fp32 answers, still exact."""
    rng = np.random.default_rng(3)
    base = unit(rng.standard_normal((1, 64)))
    x = unit(np.repeat(base, 3000, 0) + rng.standard_normal((3000, 64)) * 1e-2)
    ids = np.arange(3000, dtype=np.int64)
    q = unit(base + rng.standard_normal((5, 64)) * 1e-2)
    vi = torch_on_cpu(VectorIndex(64, "flat"))
    vi.add(x, ids)
    scores, got = vi.search(q, 5)
    assert vi._gpu.fallbacks == 5 and vi._gpu.searched == 5
    want_s, want_i = exact(x, ids, q, 5)
    assert np.array_equal(got, want_i) and np.allclose(scores, want_s, atol=1e-6)


def test_torch_path_follows_adds_and_removes(fake_gpu):
    x = clustered(2000, 32)
    ids = np.arange(2000, dtype=np.int64)
    for kind in ("flat", "hnsw"):
        vi = torch_on_cpu(VectorIndex(32, kind))
        vi.add(x[:1000], ids[:1000])
        assert vi.search(x[1500:1501], 1)[1][0, 0] != 1500
        vi.add(x[1000:], ids[1000:])
        assert vi.search(x[1500:1501], 1)[1][0, 0] == 1500
        vi.remove([1500])
        assert 1500 not in vi.search(x[1500:1501], 20)[1]
        assert vi.remove_range(0, 100) == 100 and vi.ntotal == 1899
        assert not np.isin(vi.search(x[:100], 5)[1], np.arange(100)).any()


def test_k_beyond_the_index_size(fake_gpu):
    x = clustered(30, 16)
    vi = torch_on_cpu(VectorIndex(16, "flat"))
    vi.add(x, np.arange(30, dtype=np.int64))
    scores, got = vi.search(x[:2], 50)
    assert got.shape == (2, 30) and sorted(got[0].tolist()) == list(range(30))
    assert np.all(np.diff(scores, axis=1) <= 1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_search_batch_keeps_rows_in_order(kind):
    x = clustered(3000, 32)
    ids = np.arange(3000, dtype=np.int64) + 10**6
    vi = VectorIndex(32, kind)
    vi.add(x, ids)
    q = x[:300]
    one = vi.search(q, 7)
    for batch_size in (1, 17, 64, 300, 1000):
        got = vi.search_batch(q, 7, batch_size=batch_size)
        assert np.array_equal(got[1], one[1]) and np.allclose(got[0], one[0])
    assert (one[1][:, 0] == ids[:300]).mean() >= 0.95
    with pytest.raises(TCMError, match="batch_size must be at least 1"):
        vi.search_batch(q, 7, batch_size=0)


@pytest.mark.parametrize("kind", KINDS)
def test_remove_range_deletes_a_book(kind, tmp_path):
    """Two books in id blocks book << 32: deleting one leaves the other whole, saved and loaded."""
    x = clustered(2000, 32)
    ids = np.concatenate([(1 << 32) + np.arange(1000), (2 << 32) + np.arange(1000)]).astype(np.int64)
    vi = VectorIndex(32, kind)
    vi.add(x, ids)
    assert vi.remove_range(1 << 32, 2 << 32) == 1000
    assert vi.remove_range(1 << 32, 2 << 32) == 0
    assert vi.ntotal == 1000 and set(vi.all_ids().tolist()) == set(ids[1000:].tolist())
    _, got = vi.search(x[:50], 5)
    assert not np.isin(got, ids[:1000]).any()
    _, got = vi.search(x[1000:1050], 1)
    assert (got[:, 0] == ids[1000:1050]).mean() >= 0.9
    vi.add(x[:1000], ids[:1000])  # re-import the book
    assert vi.ntotal == 2000 and (vi.search(x[:50], 1)[1][:, 0] == ids[:50]).mean() >= 0.9


@pytest.mark.parametrize("kind", KINDS)
def test_memory_mapped_load_searches_then_becomes_writable(kind, tmp_path):
    x = clustered(3000, 32)
    ids = np.arange(3000, dtype=np.int64)
    vi = VectorIndex(32, kind)
    vi.add(x, ids)
    want = vi.search(x[:20], 5)
    vi.save(tmp_path / "v.faiss")
    back = VectorIndex.load(tmp_path / "v.faiss", 32, kind, mmap=True)
    assert back._pending is not None and not back._mmapped  # the file is opened on first use
    got = back.search(x[:20], 5)
    assert np.array_equal(got[1], want[1])
    assert back._mmapped
    back.remove([0, 1, 2])  # a change reads it into memory first
    assert not back._mmapped and back.ntotal == 2997
    assert not np.isin(back.search(x[:3], 5)[1], [0, 1, 2]).any()
    with pytest.raises(index_mod.RetrievalError, match="no vector index"):
        VectorIndex.load(tmp_path / "missing.faiss", 32, kind)


def test_add_rejects_mismatched_shapes():
    vi = VectorIndex(8, "flat")
    with pytest.raises(index_mod.RetrievalError, match=r"takes \(n, 8\)"):
        vi.add(np.zeros((3, 9), np.float32), np.arange(3))
    with pytest.raises(index_mod.RetrievalError, match="3 vectors but 2 ids"):
        vi.add(np.zeros((3, 8), np.float32), np.arange(2))


def test_load_or_build_reuses_a_saved_index_until_the_fingerprint_changes(tmp_path):
    from tcm.retrieval.index import load_or_build

    x = clustered(3000, 32)
    calls = []

    def vectors():
        calls.append(1)
        return np.arange(3000, dtype=np.int64), x

    a = load_or_build(tmp_path / "lib.faiss", "use|books:1,2", vectors)
    b = load_or_build(tmp_path / "lib.faiss", "use|books:1,2", vectors)
    assert len(calls) == 1 and b.ntotal == 3000 and b.kind == a.kind == "flat"
    assert np.array_equal(a.search(x[:5], 3)[1], b.search(x[:5], 3)[1])
    c = load_or_build(tmp_path / "lib.faiss", "use|books:1,2,3", vectors, kind="ivf")
    assert len(calls) == 2 and c.kind == "ivf"
    with pytest.raises(index_mod.RetrievalError, match="no vectors"):
        load_or_build(tmp_path / "other.faiss", "x", lambda: (np.zeros(0, np.int64), np.zeros((0, 8), np.float32)))


def test_cpu_search_never_imports_torch():
    """torch is optional: on a machine without a GPU device node, building and searching leave it unimported."""
    import subprocess
    import sys

    code = ("import sys, numpy as np\n"
            "from tcm.retrieval.index import VectorIndex, search_device\n"
            "x = np.random.default_rng(0).standard_normal((500, 16)).astype('float32')\n"
            "for kind in ('flat', 'ivf', 'ivf-sq8', 'hnsw'):\n"
            "    vi = VectorIndex(16, kind); vi.add(x, np.arange(500)); vi.search_batch(x[:40], 3, batch_size=7)\n"
            "print(search_device(), 'torch' in sys.modules)\n")
    if index_mod._cuda_node():
        pytest.skip("this machine has an NVIDIA device node: torch is imported on purpose")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["cpu", "False"]
