"""Fault injection for the data layer (`mnist_course.data`): each fault an unlucky learner's machine can produce is made
here on purpose, and each test checks the outcome: the right data, or a `DatasetError` that names the true cause, with
nothing wrong accepted and nothing left behind.

The datasets here are small stand-ins that these tests build (a few dozen PNGs each, laid out as fastai's archives are),
so the tests need no download and no mirror; the package's known facts (fingerprints, image counts, MNIST's checksums)
are pointed at the stand-ins for each test. Disk-full and permission faults are injected with monkeypatch (the tests may
run as root, where permissions do not bite); stalled and dripping servers are real sockets on this machine; kills are
real `kill -9`s."""
import errno, hashlib, http.server, io, json, os, shutil, signal, socket, subprocess, sys, tarfile, textwrap, threading, time, warnings, zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image

from mnist_course import data as D
from mnist_course.data import DatasetError, DatasetWarning

ROOT = Path(__file__).resolve().parents[1]

SIZES = {  # sub-folder: images, for each stand-in
    'mnist_tiny': {'train/3': 8, 'train/7': 8, 'valid/3': 4, 'valid/7': 4, 'test': 2},
    'mnist_sample': {'train/3': 10, 'train/7': 10, 'valid/3': 5, 'valid/7': 5},
    'mnist': {**{f'training/{d}': 3 for d in range(10)}, **{f'testing/{d}': 1 for d in range(10)}},
}


def png(rng):
    "A random 28x28 greyscale PNG's bytes"
    buf = io.BytesIO(); Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(buf, 'PNG')
    return buf.getvalue()


def build(name, folder, rng):
    "Write the stand-in archive of dataset `name` into `folder`; MNIST's files are numbered by their index, as in fastai's"
    top, files, index = D.archive_name(name)[:-4], {}, {}
    for sub, n in SIZES[name].items():
        for i in range(n):
            split = sub.split('/')[0]
            stem = index.setdefault(split, 0) if name == 'mnist' else i
            index[split] = index.get(split, 0) + 1
            files[f'{top}/{sub}/{stem}.png'] = png(rng)
    if name != 'mnist': files[f'{top}/labels.csv'] = b'name,label\n'
    path = folder/D.archive_name(name)
    with tarfile.open(path, 'w:gz') as tf:
        for fname, data in files.items():
            info = tarfile.TarInfo(fname); info.size = len(data); tf.addfile(info, io.BytesIO(data))
    return path


def point_package_at(monkeypatch, mirror):
    "The package's known facts, for the stand-ins in `mirror`"
    for name in SIZES:
        fname = D.archive_name(name)
        monkeypatch.setitem(D.ARCHIVE_SHA256, fname, D.file_digest(mirror/fname))
        monkeypatch.setitem(D.PNG_COUNTS, name, SIZES[name])
        monkeypatch.setitem(D.DISK_MB, name, 1)
    with tarfile.open(mirror/'mnist_png.tgz') as tf:  # MNIST's checksums: those of the stand-in's tensors
        got = {s: sorted((int(m.name.split('/')[-1][:-4]), int(m.name.split('/')[-2]), np.asarray(Image.open(tf.extractfile(m))))
                         for m in tf if m.isfile() and f'/{s}/' in m.name) for s in ('training', 'testing')}
    tensors = {f'{k}_x': torch.from_numpy(np.stack([x for *_, x in got[s]])) for k, s in (('train', 'training'), ('test', 'testing'))}
    tensors |= {f'{k}_y': torch.tensor([y for _, y, _ in got[s]]) for k, s in (('train', 'training'), ('test', 'testing'))}
    for k in D.MNIST_CRC32: monkeypatch.setitem(D.MNIST_CRC32, k, zlib.crc32(tensors[k].numpy()))
    return tuple(tensors[k] for k in D.MNIST_CRC32)


@pytest.fixture(scope='session')
def stand_ins(tmp_path_factory):
    "A mirror folder holding the three stand-in archives and their SHA256SUMS"
    mirror, rng = tmp_path_factory.mktemp('mirror'), np.random.default_rng(0)
    for name in SIZES: build(name, mirror, rng)
    (mirror/'SHA256SUMS').write_text(''.join(f"{D.file_digest(p)}  {p.name}\n" for p in sorted(mirror.glob('*.tgz'))))
    return mirror


@pytest.fixture(autouse=True)
def mirror(stand_ins, monkeypatch, tmp_path):
    "The stand-ins' mirror, set in `MNIST_COURSE_DATA`, with the package pointed at them and fastai's home in `tmp_path`"
    monkeypatch.setenv(D.MIRROR_ENV, str(stand_ins))
    monkeypatch.setenv('FASTAI_HOME', str(tmp_path/'home'))
    return stand_ins


@pytest.fixture(autouse=True)
def mnist(mirror, monkeypatch):
    "The stand-in MNIST's four tensors, as `mnist_tensors` must return them"
    return point_package_at(monkeypatch, mirror)


def left_in(folder):
    "What is in `folder` apart from datasets, their markers and their locks: temporary files a fault must not leave"
    return sorted(p.name for p in Path(folder).iterdir()
                  if p.name not in {'mnist_tiny', 'mnist_sample', 'mnist_png'} and not p.name.endswith(('.lock', '.complete.json')))


def caught(fn):
    "Run `fn`, returning the `DatasetWarning` messages it gave"
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        fn()
    return [str(x.message) for x in w if issubclass(x.category, DatasetWarning)]


CHILD = textwrap.dedent("""
    # a fresh process, with the package pointed at the stand-ins as the tests point it
    import json, os, sys
    from mnist_course import data as D
    facts = json.loads(os.environ['STAND_INS'])
    for table, values in facts.items(): getattr(D, table).update(values)
""")

def child_env(tmp_path):
    facts = {t: {k: getattr(D, t)[k] for k in keys} for t, keys in
             (('ARCHIVE_SHA256', [D.archive_name(n) for n in SIZES]), ('PNG_COUNTS', SIZES), ('DISK_MB', SIZES), ('MNIST_CRC32', D.MNIST_CRC32))}
    return {**os.environ, 'PYTHONPATH': str(ROOT), 'STAND_INS': json.dumps(facts)}


# ---------- complete or not there ----------

def test_stand_ins_are_what_the_package_expects(tmp_path, mnist):
    path = D.get_dataset('mnist_tiny', dest=tmp_path)
    assert D.dataset_problem('mnist_tiny', tmp_path) is None and len(list((path/'train'/'3').glob('*.png'))) == 8
    assert [torch.equal(a, b) for a, b in zip(D.mnist_tensors(), mnist)] == [True]*4


def test_deleted_images_are_noticed_and_extracted_again(tmp_path):
    path = D.get_dataset('mnist_tiny', dest=tmp_path)
    for f in sorted((path/'train'/'3').glob('*.png'))[:3]: f.unlink()
    msgs = caught(lambda: D.get_dataset('mnist_tiny', dest=tmp_path))
    assert msgs == [f"{path} has 5 images in train/3/ where 8 belong; extracting it again from its archive."]
    assert len(list((path/'train'/'3').glob('*.png'))) == 8 and D.dataset_problem('mnist_tiny', tmp_path) is None
    assert left_in(tmp_path) == []


def test_folder_without_marker_is_extracted_again(tmp_path, mirror):
    "A folder another tool extracted (or an interrupted run left without its marker) is not taken on trust"
    with tarfile.open(mirror/'mnist_tiny.tgz') as tf: tf.extractall(tmp_path, filter='data')
    (tmp_path/'mnist_tiny'/'train'/'3'/'extra.png').write_bytes(b'x')
    msgs = caught(lambda: D.get_dataset('mnist_tiny', dest=tmp_path))
    assert len(msgs) == 1 and "has no valid completeness marker" in msgs[0]
    assert not (tmp_path/'mnist_tiny'/'train'/'3'/'extra.png').exists()
    assert D.dataset_problem('mnist_tiny', tmp_path) is None
    (tmp_path/'.mnist_tiny.complete.json').write_text('{"png_counts": {"train/3": 1}}')  # a marker for other contents
    assert "no valid completeness marker" in D.dataset_problem('mnist_tiny', tmp_path)


def test_extra_images_are_noticed(tmp_path):
    path = D.get_dataset('mnist_tiny', dest=tmp_path)
    shutil.copy(path/'train'/'7'/'0.png', path/'train'/'3'/'100.png')
    assert D.dataset_problem('mnist_tiny', tmp_path) == "has 9 images in train/3/ where 8 belong"


def test_missing_labels_file_is_noticed(tmp_path):
    path = D.get_dataset('mnist_tiny', dest=tmp_path)
    (path/'labels.csv').unlink()
    assert D.dataset_problem('mnist_tiny', tmp_path) == "has no labels.csv"
    assert len(caught(lambda: D.get_dataset('mnist_tiny', dest=tmp_path))) == 1
    assert (path/'labels.csv').is_file()


# ---------- pinned fingerprints ----------

def test_mirror_whose_list_matches_the_wrong_archive_is_refused(tmp_path, mirror):
    other = tmp_path/'mirror'; other.mkdir()
    shutil.copy(mirror/'mnist_tiny.tgz', other/'mnist_sample.tgz')  # a real dataset archive, under the wrong name
    (other/'SHA256SUMS').write_text(f"{D.file_digest(other/'mnist_sample.tgz')}  mnist_sample.tgz\n")
    with pytest.raises(DatasetError, match="is not a copy of mnist_sample.tgz that this course knows"):
        D.get_dataset('mnist_sample', dest=tmp_path/'data', mirror=str(other))
    assert left_in(tmp_path/'data') == [] and not (tmp_path/'data'/'mnist_sample').exists()


def test_mirror_archive_that_differs_from_its_list_is_refused(tmp_path, mirror):
    other = tmp_path/'mirror'; other.mkdir()
    (other/'mnist_tiny.tgz').write_bytes((mirror/'mnist_tiny.tgz').read_bytes()[:-100])  # cut short
    shutil.copy(mirror/'SHA256SUMS', other)
    with pytest.raises(DatasetError, match=f"Checksum mismatch for mnist_tiny.tgz: expected sha256 {D.ARCHIVE_SHA256['mnist_tiny.tgz']}"):
        D.get_dataset('mnist_tiny', dest=tmp_path/'data', mirror=str(other))
    assert left_in(tmp_path/'data') == []


# ---------- leftovers of killed runs, and concurrent first calls ----------

def test_leftovers_of_dead_runs_are_removed_and_nothing_else(tmp_path):
    (tmp_path/'.mnist_tiny.4242abcd.tmp'/'mnist_tiny').mkdir(parents=True)       # a dead extraction's folder
    (tmp_path/'.mnist_tiny.4242abcd.tmp'/'mnist_tiny'/'0.png').write_bytes(b'0' * 10_000)
    (tmp_path/'.mnist_tiny.download-4242.tmp').write_bytes(b'half an archive')   # a dead download
    (tmp_path/'.mnist_tiny.complete.json.4242.tmp').write_text('{')              # a dead marker write
    (tmp_path/'tmpzzzzzzzz').mkdir(); (tmp_path/'tmpzzzzzzzz'/'notes.txt').write_text('mine')  # not ours: kept
    (tmp_path/'.mnist_sample.4242abcd.tmp').mkdir()                             # another dataset's: its own lock covers it
    msgs = caught(lambda: D.get_dataset('mnist_tiny', dest=tmp_path))
    assert len(msgs) == 1 and msgs[0].startswith(f"Removed 3 leftover(s) of interrupted runs in {tmp_path}")
    assert left_in(tmp_path) == ['.mnist_sample.4242abcd.tmp', 'tmpzzzzzzzz']
    assert (tmp_path/'tmpzzzzzzzz'/'notes.txt').read_text() == 'mine'


def test_cache_leftovers_are_removed_under_the_cache_lock_only(tmp_path):
    data = tmp_path/'home'/'data'; data.mkdir(parents=True)
    half = data/f'.{D.CACHE_NAME}.4242.tmp'; half.write_bytes(b'half a cache')
    D.get_dataset('mnist')  # extracting the PNG files never touches the cache's work
    assert half.exists()
    msgs = caught(D.mnist_tensors)
    assert len(msgs) == 1 and f".{D.CACHE_NAME}.4242.tmp" in msgs[0] and not half.exists()


HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from filelock import FileLock
    lock = FileLock(sys.argv[1]); lock.acquire()  # kept in a name: a lock that is garbage-collected is released
    print('held', flush=True); time.sleep(float(sys.argv[2]))
""")

def hold(lock, seconds):
    "Another process holding the lock file `lock` for `seconds`"
    p = subprocess.Popen([sys.executable, '-c', HOLD_LOCK, str(lock), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == 'held'
    return p


def test_a_live_process_work_is_never_removed(tmp_path):
    "While another process holds the dataset's lock, its temporary folder is its work, not a leftover: we wait"
    work = tmp_path/'.mnist_tiny.live.tmp'; work.mkdir()
    holder, done = hold(tmp_path/'.mnist_tiny.lock', 2), []
    t = threading.Thread(target=lambda: done.append(D.get_dataset('mnist_tiny', dest=tmp_path))); t.start()
    time.sleep(1)
    assert work.exists() and not done  # still waiting for the live holder, its folder untouched
    with warnings.catch_warnings(): warnings.simplefilter('ignore', DatasetWarning); holder.wait(); t.join(30)  # it says it removed the folder
    assert done and not work.exists() and D.dataset_problem('mnist_tiny', tmp_path) is None


def test_tensors_from_the_mirror_do_not_wait_for_an_extraction(tmp_path, mnist):
    "`mnist_tensors` only reads the mirror's archive, so it need not wait while another process holds `mnist_png`'s lock"
    (data := tmp_path/'home'/'data').mkdir(parents=True)
    holder = hold(data/'.mnist_png.lock', 60)
    try:
        done = []
        t = threading.Thread(target=lambda: done.append(D.mnist_tensors())); t.start(); t.join(40)
        assert done and holder.poll() is None  # finished while the extraction's lock was still held
        assert all(torch.equal(a, b) for a, b in zip(done[0], mnist))
    finally: holder.kill(); holder.wait()


EXTRACT_LOGGED = CHILD + textwrap.dedent("""
    import tarfile
    real = tarfile.TarFile.extractall
    def logged(*a, **k):
        with open(sys.argv[2], 'a') as f: f.write(f'{os.getpid()}\\n')
        return real(*a, **k)
    tarfile.TarFile.extractall = logged
    print(D.get_dataset('mnist_tiny', dest=sys.argv[1]))
""")

def test_concurrent_first_calls_extract_once(tmp_path):
    log, dest = tmp_path/'extractions.log', tmp_path/'data'
    procs = [subprocess.Popen([sys.executable, '-c', EXTRACT_LOGGED, str(dest), str(log)], env=child_env(tmp_path),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0]*4, outs
    assert {o.strip().splitlines()[-1] for o, _ in outs} == {str(dest/'mnist_tiny')}
    assert len(log.read_text().split()) == 1  # one extraction for four processes
    assert D.dataset_problem('mnist_tiny', dest) is None and left_in(dest) == []


KILLED_MIDWAY = CHILD + textwrap.dedent("""
    import tarfile, time
    real = tarfile.TarFile.extractall
    def stalled(self, path, *a, **k):  # extract part of the archive, then hang until killed
        self.extract(self.getmembers()[10], path, filter='data'); print('extracting', flush=True); time.sleep(600)
    tarfile.TarFile.extractall = stalled
    D.get_dataset('mnist_sample', dest=sys.argv[1])
""")

def test_kill_9_during_extraction_is_tidied_by_the_next_call(tmp_path):
    p = subprocess.Popen([sys.executable, '-c', KILLED_MIDWAY, str(tmp_path)], env=child_env(tmp_path), stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == 'extracting'
    assert len(left_in(tmp_path)) == 1  # its half-filled temporary folder
    p.send_signal(signal.SIGKILL); p.wait()
    msgs = caught(lambda: D.get_dataset('mnist_sample', dest=tmp_path))
    assert len(msgs) == 1 and msgs[0].startswith("Removed 1 leftover(s) of interrupted runs")
    assert D.dataset_problem('mnist_sample', tmp_path) is None and left_in(tmp_path) == []


# ---------- errors that say the true cause ----------

def test_disk_full_during_extraction(tmp_path, monkeypatch, mirror):
    def full(self, path, *a, **k):
        (Path(path)/'mnist_tiny').mkdir(); (Path(path)/'mnist_tiny'/'half.png').write_bytes(b'x')
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(tarfile.TarFile, 'extractall', full)
    with pytest.raises(DatasetError, match=f"Not enough disk space for the mnist_tiny folder: it needs about 1 MB free in {tmp_path},"):
        D.get_dataset('mnist_tiny', dest=tmp_path)
    assert left_in(tmp_path) == [] and not (tmp_path/'mnist_tiny').exists()
    assert (mirror/'mnist_tiny.tgz').exists()  # and nobody was told to delete the good archive


def test_disk_full_is_seen_before_extraction(tmp_path, monkeypatch):
    monkeypatch.setitem(D.DISK_MB, 'mnist', 276)
    monkeypatch.setattr(shutil, 'disk_usage', lambda p: SimpleNamespace(free=100e6))
    with pytest.raises(DatasetError, match=f"needs about 276 MB free in {tmp_path}, and 100 MB are free"):
        D.get_dataset('mnist', dest=tmp_path)
    assert left_in(tmp_path) == []


@pytest.mark.parametrize('error,message', [
    (OSError(errno.ENOSPC, 'No space left on device'), "Not enough disk space for the mnist_tiny folder"),
    (OSError(errno.EDQUOT, 'Disk quota exceeded'), "Not enough disk space for the mnist_tiny folder"),
    (PermissionError(errno.EACCES, 'Permission denied'), "Permission denied: cannot write the mnist_tiny folder"),
    (OSError(errno.EROFS, 'Read-only file system'), "Permission denied: cannot write the mnist_tiny folder"),
    (tarfile.ReadError('unexpected end of data'), "The archive is corrupt or truncated"),
    (EOFError('Compressed file ended before the end-of-stream marker was reached'), "The archive is corrupt or truncated"),
])
def test_extraction_failures_are_told_apart(tmp_path, monkeypatch, error, message):
    def fail(self, *a, **k): raise error
    monkeypatch.setattr(tarfile.TarFile, 'extractall', fail)
    with pytest.raises(DatasetError, match=message):
        D.get_dataset('mnist_tiny', dest=tmp_path)
    assert left_in(tmp_path) == []


def test_permission_denied_names_the_folder(tmp_path, monkeypatch):
    def denied(*a, **k): raise PermissionError(errno.EACCES, 'Permission denied')
    monkeypatch.setattr('tempfile.mkdtemp', denied)
    with pytest.raises(DatasetError, match=f"Permission denied: cannot write the mnist_tiny folder in {tmp_path}. Pass `dest=`"):
        D.get_dataset('mnist_tiny', dest=tmp_path)
    assert left_in(tmp_path) == []


def test_read_only_folder_names_the_folder(tmp_path, monkeypatch):
    "A folder where not even the lock file can be made: the first write names it"
    real_open = os.open
    def read_only(path, *a, **k):
        if str(path).startswith(str(tmp_path)): raise PermissionError(errno.EACCES, 'Permission denied', str(path))
        return real_open(path, *a, **k)
    monkeypatch.setattr(os, 'open', read_only)
    monkeypatch.setattr('tempfile.mkdtemp', lambda *a, **k: read_only(str(tmp_path)))
    with pytest.raises(DatasetError, match=f"Permission denied: cannot write the mnist_tiny folder in {tmp_path}"):
        D.get_dataset('mnist_tiny', dest=tmp_path)


@pytest.mark.parametrize('sums,message', [
    ("mnist_tiny.tgz\n", "SHA256SUMS, line 1, is not a SHA-256 sum and a file name: 'mnist_tiny.tgz'"),
    (f"{'ab'*32}  mnist_png.tgz\n{'ab'*31}  mnist_tiny.tgz\n", "SHA256SUMS, line 2, is not a SHA-256 sum"),
    ("<html><head><title>404 Not Found</title></head></html>\n", "It looks like a web page"),
])
def test_malformed_sha256sums_names_file_and_line(tmp_path, mirror, sums, message):
    other = tmp_path/'mirror'; other.mkdir()
    shutil.copy(mirror/'mnist_tiny.tgz', other)
    (other/'SHA256SUMS').write_text(sums)
    with pytest.raises(DatasetError, match=str(other/'SHA256SUMS').replace('.', r'\.')) as e:
        D.get_dataset('mnist_tiny', dest=tmp_path/'data', mirror=str(other))
    assert message in str(e.value)
    assert left_in(tmp_path/'data') == []


def test_mirror_that_is_not_a_folder(tmp_path):
    with pytest.raises(DatasetError, match=f"{D.MIRROR_ENV}={tmp_path/'nope'} is not a folder"):
        D.get_dataset('mnist_tiny', dest=tmp_path/'data', mirror=str(tmp_path/'nope'))


# ---------- servers: a real one, a silent one, a dripping one ----------

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass

@pytest.fixture
def server(tmp_path, mirror, monkeypatch):
    "An HTTP server on this machine serving a copy of the stand-ins, as fastai's servers serve the archives; yields its folder"
    folder = tmp_path.parent/f'{tmp_path.name}_served'; shutil.copytree(mirror, folder)
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), lambda *a, **k: _Quiet(*a, directory=str(folder), **k))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    for name in SIZES: monkeypatch.setitem(D.MNIST_DATASETS, name, f"http://127.0.0.1:{srv.server_address[1]}/{D.archive_name(name)}")
    yield folder
    srv.shutdown(); srv.server_close()


def test_download_is_checked_and_kept(tmp_path, server):
    path = D.get_dataset('mnist_tiny', dest=tmp_path, mirror='')
    assert D.dataset_problem('mnist_tiny', tmp_path) is None
    assert D.file_digest(tmp_path/'mnist_tiny.tgz') == D.ARCHIVE_SHA256['mnist_tiny.tgz']  # kept for repairs
    (tmp_path/'mnist_tiny.tgz').write_bytes(b'damaged')  # a damaged kept archive is noticed and downloaded again
    shutil.rmtree(path)
    msgs = caught(lambda: D.get_dataset('mnist_tiny', dest=tmp_path, mirror=''))
    assert len(msgs) == 1 and "kept from an earlier download is damaged" in msgs[0]
    assert D.dataset_problem('mnist_tiny', tmp_path) is None and left_in(tmp_path) == ['mnist_tiny.tgz']


def test_server_with_a_wrong_archive_or_none(tmp_path, server, monkeypatch):
    (server/'mnist_tiny.tgz').write_bytes(b'<html>Not here</html>')
    with pytest.raises(DatasetError, match="is not a copy of mnist_tiny.tgz that this course knows"):
        D.get_dataset('mnist_tiny', dest=tmp_path, mirror='')
    (server/'mnist_tiny.tgz').unlink()
    with pytest.raises(DatasetError, match=r"Could not fetch http://127\.0\.0\.1:\d+/mnist_tiny\.tgz: HTTP Error 404.*set the environment variable"):
        D.get_dataset('mnist_tiny', dest=tmp_path, mirror='')
    assert left_in(tmp_path) == []


def test_no_network_says_how_to_use_a_mirror(tmp_path, monkeypatch):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]  # a port where nothing listens, once closed
    monkeypatch.setitem(D.MNIST_DATASETS, 'mnist_tiny', f'http://127.0.0.1:{port}/mnist_tiny.tgz')
    t0 = time.monotonic()
    with pytest.raises(DatasetError, match=f"If this machine has no internet, set the environment variable {D.MIRROR_ENV}"):
        D.get_dataset('mnist_tiny', dest=tmp_path, mirror='')
    assert time.monotonic() - t0 < 5 and left_in(tmp_path) == []


def test_disk_full_during_download(tmp_path, server, monkeypatch):
    real_open = open
    class Full(io.RawIOBase):  # a file on a disk that fills up after the first bytes
        def __init__(self, f): self.f = f
        def writable(self): return True
        def write(self, b): self.f.write(b'part'); raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        def close(self): self.f.close(); super().close()
    def guarded(f, *a, **k): return Full(real_open(f, *a, **k)) if '.download-' in str(f) else real_open(f, *a, **k)
    monkeypatch.setattr('builtins.open', guarded)
    with pytest.raises(DatasetError, match=f"Not enough disk space for mnist_tiny.tgz: it needs about 1 MB free in {tmp_path}"):
        D.get_dataset('mnist_tiny', dest=tmp_path, mirror='')
    assert left_in(tmp_path) == []


@pytest.fixture
def silent_server(monkeypatch):
    "Accepts connections and never answers"
    srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(16)
    conns, stop = [], threading.Event()
    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try: conns.append(srv.accept()[0])
            except OSError: pass
    threading.Thread(target=accept, daemon=True).start()
    monkeypatch.setitem(D.MNIST_DATASETS, 'mnist_tiny', f"http://127.0.0.1:{srv.getsockname()[1]}/mnist_tiny.tgz")
    yield
    stop.set(); srv.close(); [c.close() for c in conns]


def test_silent_server_gives_up_after_timeout_as_given(tmp_path, silent_server):
    t0 = time.monotonic()
    with pytest.raises(DatasetError, match="sent nothing for 0.5 s"):
        D.get_dataset('mnist_tiny', dest=tmp_path, mirror='', timeout=0.5)
    assert time.monotonic() - t0 < 5  # not raised to 30 s
    assert left_in(tmp_path) == []


@pytest.fixture
def dripping_server(monkeypatch):
    "Sends the archive one byte every 50 ms, forever"
    class Drip(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def do_GET(self):
            self.send_response(200); self.send_header('Content-Length', str(10**9)); self.end_headers()
            try:
                while True: self.wfile.write(b'\0'); self.wfile.flush(); time.sleep(0.05)
            except OSError: pass
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Drip); srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    monkeypatch.setitem(D.MNIST_DATASETS, 'mnist_tiny', f"http://127.0.0.1:{srv.server_address[1]}/mnist_tiny.tgz")
    yield
    srv.shutdown(); srv.server_close()


def test_dripping_server_meets_the_overall_deadline(tmp_path, dripping_server):
    t0 = time.monotonic()
    with pytest.raises(DatasetError, match="took longer than the deadline of 1 s"):
        D.get_dataset('mnist_tiny', dest=tmp_path, mirror='', timeout=5, deadline=1)
    assert time.monotonic() - t0 < 5
    assert left_in(tmp_path) == []


# ---------- all of MNIST, and its cache ----------

@pytest.fixture
def cached(tmp_path):
    "The data folder after a first `mnist_tensors()` from nothing, which decodes the mirror's archive: no PNG files needed"
    D.mnist_tensors()
    data = tmp_path/'home'/'data'
    assert sorted(os.listdir(data)) == [f'.{D.CACHE_NAME}.lock', D.CACHE_NAME]
    return data/D.CACHE_NAME


def same(t, mnist): return all(torch.equal(a, b) for a, b in zip(t, mnist))

def rebuilt_with(why, mnist):
    "Load, expecting one warning containing `why`, and the true MNIST back"
    out = []
    msgs = caught(lambda: out.append(D.mnist_tensors()))
    assert len(msgs) == 1 and why in msgs[0], msgs
    assert same(out[0], mnist)
    assert caught(D.mnist_tensors) == []  # and the cache is good again


def replace(cache, data:bytes):
    "Replace `cache` with `data` as any careful writer does (a new file renamed into place): tensors already loaded keep their bytes"
    cache.with_name('new').write_bytes(data); os.replace(cache.with_name('new'), cache)

def saved(t):
    buf = io.BytesIO(); torch.save(t, buf); return buf.getvalue()


def test_cache_loads_what_was_decoded(cached, mnist):
    t = D.mnist_tensors()
    assert same(t, mnist) and caught(D.mnist_tensors) == []
    t[0][0, 0, 0] += 1  # the cache is mapped copy-on-write: changing a tensor never changes the file
    assert same(D.mnist_tensors(), mnist)


def test_cache_with_flipped_bytes_is_rebuilt(cached, mnist):
    with open(cached, 'r+b') as f:  # in place, as a failing disk would: the first image's pixels
        raw = f.read(); at = raw.index(mnist[0][0].numpy().tobytes())
        f.seek(at); f.write(bytes(b ^ 0xFF for b in raw[at:at + 100]))
    rebuilt_with("train_x is not MNIST's: its checksum differs", mnist)


def test_cache_of_five_images_is_rebuilt(cached, mnist):
    replace(cached, saved((mnist[0][:5].clone(), *mnist[1:])))
    rebuilt_with("train_x is torch.uint8 of shape (5, 28, 28), not torch.uint8 of shape (30, 28, 28)", mnist)


def test_cache_with_label_1000_is_rebuilt(cached, mnist):
    y = mnist[1].clone(); y[3] = 1000
    replace(cached, saved((mnist[0], y, *mnist[2:])))
    rebuilt_with("train_y is not MNIST's: its checksum differs", mnist)


@pytest.mark.parametrize('damage,why', [
    (lambda raw: raw[:len(raw)//2], "it cannot be read"),                              # cut short
    (lambda raw: b'not a cache at all', "it cannot be read"),
    (lambda raw: saved({'train_x': 1}), "it is not four tensors"),
    (lambda raw: saved([torch.zeros(3)] * 4), "train_x is torch.float32 of shape (3,)"),
])
def test_truncated_and_foreign_caches_are_rebuilt(cached, mnist, damage, why):
    replace(cached, damage(cached.read_bytes()))
    rebuilt_with(why, mnist)


def test_cache_that_runs_code_is_never_run(cached, mnist, tmp_path):
    class Evil:
        def __reduce__(self): return (os.system, (f'touch {tmp_path/"pwned"}',))
    buf = io.BytesIO(); torch.save({'x': Evil()}, buf)
    replace(cached, buf.getvalue())
    rebuilt_with("it cannot be read", mnist)
    assert not (tmp_path/'pwned').exists()


@pytest.mark.parametrize('err,why', [(errno.EACCES, "Permission denied: cannot write the MNIST cache in"),
                                     (errno.ENOSPC, "Not enough disk space for the MNIST cache: it needs about 0 MB free in")])
def test_cache_that_cannot_be_written_still_gives_the_tensors(tmp_path, monkeypatch, mnist, err, why):
    data = tmp_path/'home'/'data'
    real = Path.write_bytes
    def failing(self, b):
        if self.parent == data: raise OSError(err, os.strerror(err))
        return real(self, b)
    monkeypatch.setattr(Path, 'write_bytes', failing)
    out = []
    msgs = caught(lambda: out.append(D.mnist_tensors()))
    assert len(msgs) == 1 and msgs[0].startswith(f"Could not save the MNIST cache {data/D.CACHE_NAME}:") and why in msgs[0], msgs
    assert str(data) in msgs[0] and same(out[0], mnist) and left_in(data) == []
    monkeypatch.setattr(Path, 'write_bytes', real)
    assert caught(D.mnist_tensors) == [] and (data/D.CACHE_NAME).exists()  # and the next call, with a writable folder, saves it


def archive_with(tmp_path, monkeypatch, mirror, bad):
    "A mirror whose `mnist_png.tgz` is the stand-in's with some files changed (`bad`: name: bytes, or None to leave it out), and known"
    with tarfile.open(mirror/'mnist_png.tgz') as tf: files = {m.name: tf.extractfile(m).read() for m in tf if m.isfile()}
    files = {k: v for k, v in {**files, **bad}.items() if v is not None}
    (other := tmp_path/'other_mirror').mkdir()
    with tarfile.open(path := other/'mnist_png.tgz', 'w:gz') as tf:
        for name, b in files.items():
            info = tarfile.TarInfo(name); info.size = len(b); tf.addfile(info, io.BytesIO(b))
    (other/'SHA256SUMS').write_text(f"{D.file_digest(path)}  mnist_png.tgz\n")
    monkeypatch.setitem(D.ARCHIVE_SHA256, 'mnist_png.tgz', D.file_digest(path))
    monkeypatch.setenv(D.MIRROR_ENV, str(other))


@pytest.mark.parametrize('bad,message', [
    ({'mnist_png/training/1/5.png': None}, r"training has 29 of its 30 images \(missing: \[5\]"),
    ({'mnist_png/training/1/5.png': None, 'mnist_png/training/1/30.png': b''}, r"training has 29 of its 30 images \(missing: \[5\]"),
    ({'mnist_png/testing/3/10.png': png(np.random.default_rng(1))}, r"testing has 10 of its 10 images, and 1 more"),
    ({'mnist_png/training/2/7.png': b'hello'}, r"holds a training image that is not a 28x28 PNG"),
    ({'mnist_png/training/2/7.png': png(np.random.default_rng(1))}, r"The images in .* are not MNIST's: train_x is not MNIST's"),
])
def test_incomplete_or_wrong_mnist_is_never_decoded_or_cached(tmp_path, monkeypatch, mirror, bad, message):
    archive_with(tmp_path, monkeypatch, mirror, bad)
    with pytest.raises(DatasetError, match=message):
        D.mnist_tensors()
    assert not (tmp_path/'home'/'data'/D.CACHE_NAME).exists()


def test_tensors_match_a_plain_decode_of_the_archive(mnist, mirror):
    "The stand-in's expected tensors, checked against PIL on the extracted files, so the checks above test real values"
    path = D.get_dataset('mnist')
    x = np.asarray(Image.open(path/'training'/'4'/'13.png'))
    assert (mnist[0][13].numpy() == x).all() and mnist[1][13] == 4 and mnist[3].tolist() == list(range(10))
    assert hashlib.sha256(mnist[0].numpy()).hexdigest() != hashlib.sha256(mnist[2].numpy()).hexdigest()
