"""Fault injection for the data layer (`mnist_course.data`, issue 13): each fault an unlucky learner's machine can
produce is made here on purpose, and each test checks the outcome: the right data, or a `DatasetError` that names
the true cause, with nothing wrong accepted and nothing left behind.

Disk-full and permission faults are injected with monkeypatch (the tests may run as root, where permissions do not
bite); stalled and dripping servers are real sockets on this machine; kills are real `kill -9`s."""
import errno, hashlib, http.server, io, os, shutil, signal, socket, subprocess, sys, tarfile, textwrap, threading, time, warnings
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from mnist_course import data as D
from mnist_course.data import DatasetError, DatasetWarning

MIRROR = Path(os.environ.get(D.MIRROR_ENV) or ROOT.parent/'shared'/'data')
pytestmark = pytest.mark.skipif(not (MIRROR/'SHA256SUMS').exists(), reason="needs the local data mirror (MNIST_COURSE_DATA)")


@pytest.fixture(autouse=True)
def _mirror(monkeypatch):
    monkeypatch.setenv(D.MIRROR_ENV, str(MIRROR))


def left_in(folder):
    "What is in `folder` apart from datasets, their markers and their locks: temporary files a fault must not leave"
    keep = {'mnist_tiny', 'mnist_sample', 'mnist_png'}
    return sorted(p.name for p in Path(folder).iterdir()
                  if p.name not in keep and not p.name.endswith(('.lock', '.complete.json')))


def caught(fn):
    "Run `fn`, returning the `DatasetWarning` messages it gave"
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        fn()
    return [str(x.message) for x in w if issubclass(x.category, DatasetWarning)]


# ---------- 2. complete or not there ----------

def test_deleted_images_are_noticed_and_extracted_again(tmp_path):
    path = D.get_dataset('mnist_tiny', dest=tmp_path)
    for f in sorted((path/'train'/'3').glob('*.png'))[:10]: f.unlink()
    msgs = caught(lambda: D.get_dataset('mnist_tiny', dest=tmp_path))
    assert msgs == [f"{path} has 336 images in train/3/ where 346 belong; extracting it again from its archive."]
    assert len(list((path/'train'/'3').glob('*.png'))) == 346 and D.dataset_problem('mnist_tiny', tmp_path) is None
    assert left_in(tmp_path) == []


def test_folder_without_marker_is_extracted_again(tmp_path):
    "A folder another tool extracted (or an interrupted run left without its marker) is not taken on trust"
    with tarfile.open(MIRROR/'mnist_tiny.tgz') as tf: tf.extractall(tmp_path, filter='data')
    (tmp_path/'mnist_tiny'/'train'/'3'/'extra.png').write_bytes(b'x')
    msgs = caught(lambda: D.get_dataset('mnist_tiny', dest=tmp_path))
    assert len(msgs) == 1 and "has no valid completeness marker" in msgs[0]
    assert not (tmp_path/'mnist_tiny'/'train'/'3'/'extra.png').exists()
    assert D.dataset_problem('mnist_tiny', tmp_path) is None
    # a marker for other contents is not valid either
    D._marker(tmp_path, 'mnist_tiny').write_text('{"png_counts": {"train/3": 1}}')
    assert "no valid completeness marker" in D.dataset_problem('mnist_tiny', tmp_path)


def test_missing_labels_file_is_noticed(tmp_path):
    path = D.get_dataset('mnist_tiny', dest=tmp_path)
    (path/'labels.csv').unlink()
    assert D.dataset_problem('mnist_tiny', tmp_path) == "has no labels.csv"
    D.get_dataset('mnist_tiny', dest=tmp_path)
    assert (path/'labels.csv').is_file()


# ---------- 3. pinned fingerprints ----------

def test_mirror_whose_list_matches_the_wrong_archive_is_refused(tmp_path):
    mirror = tmp_path/'mirror'; mirror.mkdir()
    shutil.copy(MIRROR/'mnist_tiny.tgz', mirror/'mnist_sample.tgz')  # a real dataset archive, under the wrong name
    (mirror/'SHA256SUMS').write_text(f"{D.sha256sum(mirror/'mnist_sample.tgz')}  mnist_sample.tgz\n")
    with pytest.raises(DatasetError, match="is not a copy of mnist_sample.tgz that this course knows"):
        D.get_dataset('mnist_sample', dest=tmp_path/'data', mirror=str(mirror))
    assert left_in(tmp_path/'data') == [] and not (tmp_path/'data'/'mnist_sample').exists()


# ---------- 4. leftovers of killed runs, and concurrent first calls ----------

def test_leftovers_of_dead_runs_are_removed_and_nothing_else(tmp_path):
    (tmp_path/'.mnist_tiny.partial-4242-abcd.tmp'/'mnist_tiny').mkdir(parents=True)
    (tmp_path/'.mnist_tiny.partial-4242-abcd.tmp'/'mnist_tiny'/'0.png').write_bytes(b'0' * 10_000)
    (tmp_path/'.mnist_tiny.partial-x1y2z3').mkdir()                  # an earlier version's partial folder
    (tmp_path/'.mnist_tiny.download-4242.tmp').write_bytes(b'half an archive')
    (tmp_path/'tmpa1b2c3d4').mkdir()                                  # an earlier version's empty temporary folder
    (tmp_path/'tmpzzzzzzzz').mkdir(); (tmp_path/'tmpzzzzzzzz'/'notes.txt').write_text('mine')  # not ours: kept
    (tmp_path/'.mnist_sample.partial-4242-abcd.tmp').mkdir()          # another dataset's: its own lock covers it
    msgs = caught(lambda: D.get_dataset('mnist_tiny', dest=tmp_path))
    assert len(msgs) == 1 and msgs[0].startswith(f"Removed 4 leftover(s) of interrupted runs in {tmp_path}")
    assert sorted(left_in(tmp_path)) == ['.mnist_sample.partial-4242-abcd.tmp', 'tmpzzzzzzzz']
    assert (tmp_path/'tmpzzzzzzzz'/'notes.txt').read_text() == 'mine'


def test_cache_leftovers_are_removed_under_the_cache_lock_only(tmp_path):
    (tmp_path/'mnist_png').mkdir()
    inside, beside = tmp_path/'mnist_png'/f'.{D.CACHE_NAME}.4242.tmp', tmp_path/f'.{D.CACHE_NAME}.4343.tmp'
    inside.write_bytes(b'half a cache'); beside.write_bytes(b'half a cache')
    assert D._leftovers(tmp_path, 'mnist_png.cache') == sorted([inside, beside])
    assert D._leftovers(tmp_path, 'mnist_png') == []  # extracting the PNG files never touches the cache's work
    with D._dataset_lock(tmp_path, 'mnist_png'): pass
    assert inside.exists() and beside.exists()
    with D._dataset_lock(tmp_path, 'mnist_png.cache'): pass
    assert list((tmp_path/'mnist_png').iterdir()) == [] and not beside.exists()


HOLD_LOCK = textwrap.dedent("""
    import fcntl, sys, time
    f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX)
    print('held', flush=True); time.sleep(float(sys.argv[2]))
""")

def test_a_live_process_work_is_never_removed(tmp_path):
    "While another process holds the dataset's lock, its temporary folder is its work, not a leftover: we wait"
    pytest.importorskip('fcntl')
    work = tmp_path/'.mnist_tiny.partial-1-live.tmp'; work.mkdir()
    holder = subprocess.Popen([sys.executable, '-c', HOLD_LOCK, str(tmp_path/'.mnist_tiny.lock'), '2'], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == 'held'
    done = []
    t = threading.Thread(target=lambda: done.append(D.get_dataset('mnist_tiny', dest=tmp_path))); t.start()
    time.sleep(1)
    assert work.exists() and not done  # still waiting for the live holder, its folder untouched
    holder.wait(); t.join(30)
    assert done and not work.exists() and D.dataset_problem('mnist_tiny', tmp_path) is None


def test_tensors_from_the_mirror_do_not_wait_for_an_extraction(tmp_path, monkeypatch):
    "`mnist_tensors` only reads the mirror's archive, so it need not wait while another process holds `mnist_png`'s lock"
    pytest.importorskip('fcntl')
    monkeypatch.setenv('FASTAI_HOME', str(tmp_path)); monkeypatch.setenv(D.MIRROR_ENV, str(MIRROR))
    (tmp_path/'data').mkdir()
    holder = subprocess.Popen([sys.executable, '-c', HOLD_LOCK, str(tmp_path/'data'/'.mnist_png.lock'), '60'], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'held'
        done = []
        t = threading.Thread(target=lambda: done.append(D.mnist_tensors())); t.start(); t.join(40)
        assert done and holder.poll() is None  # finished while the extraction's lock was still held
        assert [hashlib.sha256(x.numpy()).hexdigest() for x in done[0]] == list(D.MNIST_SHA256.values())
    finally: holder.kill(); holder.wait()


EXTRACT_LOGGED = textwrap.dedent("""
    import os, sys
    from mnist_course import data as D
    real = D.extract_archive
    def logged(*a, **k):
        with open(sys.argv[2], 'a') as f: f.write(f'{os.getpid()}\\n')
        return real(*a, **k)
    D.extract_archive = logged
    print(D.get_dataset('mnist_tiny', dest=sys.argv[1]))
""")

def test_concurrent_first_calls_extract_once(tmp_path):
    log, dest = tmp_path/'extractions.log', tmp_path/'data'
    env = {**os.environ, 'PYTHONPATH': str(ROOT)}
    procs = [subprocess.Popen([sys.executable, '-c', EXTRACT_LOGGED, str(dest), str(log)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0]*4, outs
    assert {o.strip().splitlines()[-1] for o, _ in outs} == {str(dest/'mnist_tiny')}  # some print that they waited
    assert len(log.read_text().split()) == 1  # one extraction for four processes
    assert D.dataset_problem('mnist_tiny', dest) is None and left_in(dest) == []


def test_kill_9_during_extraction_is_tidied_by_the_next_call(tmp_path):
    env = {**os.environ, 'PYTHONPATH': str(ROOT)}
    p = subprocess.Popen([sys.executable, '-c', f"from mnist_course.data import get_dataset; get_dataset('mnist_sample', dest={str(tmp_path)!r})"],
                         env=env)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob('.mnist_sample.partial-*')) and time.monotonic() < deadline and p.poll() is None: time.sleep(0.01)
    p.send_signal(signal.SIGKILL); p.wait()
    D.get_dataset('mnist_sample', dest=tmp_path)
    assert D.dataset_problem('mnist_sample', tmp_path) is None and left_in(tmp_path) == []


# ---------- 5. errors that say the true cause ----------

def test_disk_full_during_extraction(tmp_path, monkeypatch):
    def full(archive, into, trusted):
        (Path(into)/'mnist_tiny').mkdir(); (Path(into)/'mnist_tiny'/'half.png').write_bytes(b'x')
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(D, '_untar', full)
    with pytest.raises(DatasetError, match=f"Not enough disk space for the mnist_tiny folder: it needs about 6 MB free in {tmp_path},"):
        D.get_dataset('mnist_tiny', dest=tmp_path)
    assert left_in(tmp_path) == [] and not (tmp_path/'mnist_tiny').exists()
    assert (MIRROR/'mnist_tiny.tgz').exists()  # and nobody was told to delete the good archive


def test_disk_full_is_seen_before_extraction(tmp_path, monkeypatch):
    monkeypatch.setattr(D, '_free_mb', lambda folder: 100.0)
    with pytest.raises(DatasetError, match=f"needs about 276 MB free in {tmp_path}, and 100 MB are free"):
        D.get_dataset('mnist', dest=tmp_path)
    assert left_in(tmp_path) == []


@pytest.mark.parametrize('stderr,message', [
    ("tar: mnist_tiny/train/3/1.png: Cannot write: No space left on device\ntar: Exiting with failure status", "Not enough disk space"),
    ("tar: mnist_tiny/train: Cannot mkdir: Permission denied\n", "Permission denied: cannot write the mnist_tiny folder"),
    ("tar: mnist_tiny: Cannot mkdir: Read-only file system\n", "Permission denied: cannot write the mnist_tiny folder"),
    ("gzip: stdin: unexpected end of file\ntar: Unexpected EOF in archive\n", "The archive is corrupt or truncated"),
])
def test_tar_failures_are_told_apart(tmp_path, monkeypatch, stderr, message):
    monkeypatch.setattr(D.subprocess, 'run', lambda *a, **k: subprocess.CompletedProcess(a, 2, '', stderr))
    with pytest.raises(DatasetError, match=message):
        D.get_dataset('mnist_tiny', dest=tmp_path)
    assert left_in(tmp_path) == []


def test_permission_denied_names_the_folder(tmp_path, monkeypatch):
    def denied(*a, **k): raise PermissionError(errno.EACCES, 'Permission denied')
    monkeypatch.setattr(D.tempfile, 'mkdtemp', denied)
    with pytest.raises(DatasetError, match=f"Permission denied: cannot write the mnist_tiny folder in {tmp_path}. Pass `dest=`"):
        D.get_dataset('mnist_tiny', dest=tmp_path)
    assert left_in(tmp_path) == []


def test_permission_denied_for_the_lock(tmp_path, monkeypatch):
    real_open = open
    def guarded(f, *a, **k):
        if str(f).endswith('.lock'): raise PermissionError(errno.EACCES, 'Permission denied', str(f))
        return real_open(f, *a, **k)
    monkeypatch.setattr('builtins.open', guarded)
    with pytest.raises(DatasetError, match=f"Permission denied: cannot write the mnist_tiny folder in {tmp_path}"):
        D.get_dataset('mnist_tiny', dest=tmp_path)


@pytest.mark.parametrize('sums,message', [
    ("mnist_tiny.tgz\n", "SHA256SUMS, line 1, is not a SHA-256 sum and a file name: 'mnist_tiny.tgz'"),
    (f"{'ab'*32}  mnist_png.tgz\n{'ab'*31}  mnist_tiny.tgz\n", "SHA256SUMS, line 2, is not a SHA-256 sum"),
    ("<html><head><title>404 Not Found</title></head></html>\n", "It looks like a web page"),
])
def test_malformed_sha256sums_names_file_and_line(tmp_path, sums, message):
    mirror = tmp_path/'mirror'; mirror.mkdir()
    shutil.copy(MIRROR/'mnist_tiny.tgz', mirror)
    (mirror/'SHA256SUMS').write_text(sums)
    with pytest.raises(DatasetError, match=str(mirror/'SHA256SUMS').replace('.', r'\.')) as e:
        D.get_dataset('mnist_tiny', dest=tmp_path/'data', mirror=str(mirror))
    assert message in str(e.value)
    assert left_in(tmp_path/'data') == []


# ---------- servers: a real one, a silent one, a dripping one ----------

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass

@pytest.fixture
def http_mirror(tmp_path):
    "An HTTP server on this machine serving a copy of the mirror; yields (url, its folder)"
    folder = tmp_path/'served'; shutil.copytree(MIRROR, folder)
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), lambda *a, **k: _Quiet(*a, directory=str(folder), **k))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", folder
    srv.shutdown(); srv.server_close()


def test_http_mirror_download_is_checked_and_kept(tmp_path, http_mirror):
    url, folder = http_mirror
    path = D.get_dataset('mnist_tiny', dest=tmp_path/'data', mirror=url)
    assert D.dataset_problem('mnist_tiny', tmp_path/'data') is None
    assert D.sha256sum(tmp_path/'data'/'mnist_tiny.tgz') == D.ARCHIVE_SHA256['mnist_tiny.tgz']  # kept for repairs
    # a damaged kept archive is noticed and downloaded again
    (tmp_path/'data'/'mnist_tiny.tgz').write_bytes(b'damaged')
    shutil.rmtree(path)
    msgs = caught(lambda: D.get_dataset('mnist_tiny', dest=tmp_path/'data', mirror=url))
    assert len(msgs) == 1 and "kept from an earlier download is damaged" in msgs[0]
    assert D.dataset_problem('mnist_tiny', tmp_path/'data') is None
    assert left_in(tmp_path/'data') == ['mnist_tiny.tgz']


def test_http_mirror_serving_an_error_page_for_sums(tmp_path, http_mirror):
    url, folder = http_mirror
    (folder/'SHA256SUMS').write_text("<!DOCTYPE html>\n<html><body>Not here</body></html>\n")
    with pytest.raises(DatasetError, match=f"{url}/SHA256SUMS, line 1, .* It looks like a web page"):
        D.get_dataset('mnist_tiny', dest=tmp_path/'data', mirror=url)
    (folder/'SHA256SUMS').unlink()
    with pytest.raises(DatasetError, match=f"Could not fetch {url}/SHA256SUMS: HTTP Error 404"):
        D.get_dataset('mnist_tiny', dest=tmp_path/'data', mirror=url)
    assert left_in(tmp_path/'data') == []


def test_disk_full_during_download(tmp_path, http_mirror, monkeypatch):
    url, _ = http_mirror
    real = D._http_get
    def full(u, out, timeout, deadline):
        if u.endswith('.tgz'): out.write(b'part'); raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(u, out, timeout, deadline)
    monkeypatch.setattr(D, '_http_get', full)
    with pytest.raises(DatasetError, match=f"Not enough disk space for mnist_tiny.tgz: it needs about 1 MB free in {tmp_path/'data'}"):
        D.get_dataset('mnist_tiny', dest=tmp_path/'data', mirror=url)
    assert left_in(tmp_path/'data') == []


@pytest.fixture
def silent_server():
    "Accepts connections and never answers"
    srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(16)
    conns, stop = [], threading.Event()
    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try: conns.append(srv.accept()[0])
            except OSError: pass
    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    stop.set(); srv.close(); [c.close() for c in conns]


def test_silent_server_gives_up_after_timeout_as_given(tmp_path, silent_server):
    t0 = time.monotonic()
    with pytest.raises(DatasetError, match="sent nothing for 0.5 s"):
        D.get_dataset('mnist_tiny', dest=tmp_path, mirror=silent_server, timeout=0.5)
    assert time.monotonic() - t0 < 5  # not raised to 30 s
    assert left_in(tmp_path) == []


@pytest.fixture
def dripping_server():
    "Answers a valid SHA256SUMS at once, then sends the archive one byte every 50 ms, forever"
    sums = (MIRROR/'SHA256SUMS').read_bytes()
    class Drip(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def do_GET(self):
            self.send_response(200)
            body = sums if self.path.endswith('SHA256SUMS') else None
            self.send_header('Content-Length', str(len(body) if body else 10**9)); self.end_headers()
            if body: self.wfile.write(body); return
            try:
                while True: self.wfile.write(b'\0'); self.wfile.flush(); time.sleep(0.05)
            except OSError: pass
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Drip); srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown(); srv.server_close()


def test_dripping_server_meets_the_overall_deadline(tmp_path, dripping_server):
    t0 = time.monotonic()
    with pytest.raises(DatasetError, match="took longer than the deadline of 1 s"):
        D.get_dataset('mnist_tiny', dest=tmp_path, mirror=dripping_server, timeout=5, deadline=1)
    assert time.monotonic() - t0 < 5
    assert left_in(tmp_path) == []


# ---------- 1 and 6. all of MNIST, and its cache ----------

@pytest.fixture(scope='module')
def mnist_home(tmp_path_factory):
    "A fastai home whose data folder holds MNIST's cache, built by a first `mnist_tensors()` from nothing, and its PNG folders"
    home = tmp_path_factory.mktemp('home')
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv('FASTAI_HOME', str(home)); mp.setenv(D.MIRROR_ENV, str(MIRROR))
        t = D.mnist_tensors()
        assert sorted(os.listdir(home/'data')) == ['.mnist_png.cache.lock', D.CACHE_NAME]  # decoded from the archive: no PNG files
        D.get_dataset('mnist')
    assert [hashlib.sha256(x.numpy()).hexdigest() for x in t] == list(D.MNIST_SHA256.values())
    return home


@pytest.fixture
def data(mnist_home, monkeypatch):
    "The data folder: full MNIST extracted, and a good cache"
    monkeypatch.setenv('FASTAI_HOME', str(mnist_home))
    folder = mnist_home/'data'
    yield folder
    assert D._load_cache(folder/D.CACHE_NAME, say=False) is not None  # every test leaves a good cache
    assert left_in(folder) == [D.CACHE_NAME] and not list(folder.glob('mnist_png/.*.tmp'))
    assert D.dataset_problem('mnist', folder) is None


def is_mnist(t): return [hashlib.sha256(x.numpy()).hexdigest() for x in t] == list(D.MNIST_SHA256.values())

def replace(cache, data:bytes):
    "Replace `cache` with `data` as any careful writer does (a new file renamed into place): tensors already loaded keep their bytes"
    cache.with_name('new').write_bytes(data); os.replace(cache.with_name('new'), cache)

def cache_of(tensors):
    "A cache file's bytes for `tensors`, with checksums that match them"
    return D._cache_bytes(dict(zip(D._TENSORS, tensors)), {k: D._crc32(x) for k, x in zip(D._TENSORS, tensors)})

def rebuilt_with(why):
    "Load, expecting one warning containing `why` and the true MNIST back"
    out = []
    msgs = caught(lambda: out.append(D.mnist_tensors()))
    assert len(msgs) == 1 and why in msgs[0], msgs
    assert is_mnist(out[0])


def test_cache_with_flipped_bytes_is_rebuilt(data):
    cache = data/D.CACHE_NAME
    with open(cache, 'r+b') as f:  # in place, as a failing disk would
        f.seek(cache.stat().st_size // 2); block = f.read(4096)
        f.seek(cache.stat().st_size // 2); f.write(bytes(b ^ 0xFF for b in block))
    rebuilt_with("does not match the checksum stored with it")


def test_cache_of_five_images_is_rebuilt(data):
    t = D.mnist_tensors()
    small = [t[0][:5].clone(), t[1][:5].clone(), t[2], t[3]]
    replace(data/D.CACHE_NAME, cache_of(small))
    rebuilt_with("train_x is torch.uint8 of shape (5, 28, 28), not torch.uint8 of shape (60000, 28, 28)")


def test_cache_with_label_1000_is_rebuilt(data):
    t = [x.clone() for x in D.mnist_tensors()]; t[1][123] = 1000
    replace(data/D.CACHE_NAME, cache_of(t))
    rebuilt_with("train_y holds labels outside 0-9 (from 0 to 1000)")


def test_truncated_and_old_caches_are_rebuilt(data):
    cache = data/D.CACHE_NAME
    replace(cache, cache.read_bytes()[:10_000])  # cut short
    rebuilt_with("it cannot be read (ValueError")
    buf = io.BytesIO(); torch.save(dict(zip(D._TENSORS, D.mnist_tensors())), buf)  # an older version's cache
    replace(cache, buf.getvalue())
    rebuilt_with("it cannot be read (ValueError: it is not an MNIST cache file)")
    replace(cache, D._cache_bytes(dict(zip(D._TENSORS, D.mnist_tensors())), {}))  # no checksums
    rebuilt_with("does not match the checksum stored with it")


@pytest.mark.parametrize('err,why', [(errno.EACCES, "Permission denied: cannot write the MNIST cache in"),
                                     (errno.ENOSPC, "Not enough disk space for the MNIST cache: it needs about 55 MB free in")])
def test_cache_that_cannot_be_written_still_gives_the_tensors(data, monkeypatch, err, why):
    cache = data/D.CACHE_NAME
    cache.unlink()
    real, real_open = D._write_atomic, open
    monkeypatch.setattr(D, '_write_atomic', lambda p, d: (_ for _ in ()).throw(OSError(err, os.strerror(err))))
    if err == errno.EACCES:  # a read-only data folder: the lock file cannot be made either
        def guarded(f, *a, **k):
            if str(f).endswith('.lock'): raise PermissionError(errno.EACCES, 'Permission denied', str(f))
            return real_open(f, *a, **k)
        monkeypatch.setattr('builtins.open', guarded)
    out = []
    msgs = caught(lambda: out.append(D.mnist_tensors()))
    assert len(msgs) == 1 and msgs[0].startswith(f"Could not save the MNIST cache {cache}:") and why in msgs[0], msgs
    assert str(data) in msgs[0] and is_mnist(out[0]) and not cache.exists()
    monkeypatch.setattr(D, '_write_atomic', real); monkeypatch.setattr('builtins.open', real_open)
    if err == errno.EACCES: assert is_mnist(D.mnist_tensors())  # and the next call, with a writable folder, saves it
    else: D._save_cache(out[0], cache)


def test_incomplete_mnist_is_never_decoded_or_cached(data, tmp_path):
    mnist_dir = data/'mnist_png'
    moved = sorted((mnist_dir/'training'/'3').glob('*.png'))[:10]
    for f in moved: f.rename(tmp_path/f.name)
    try:
        with pytest.raises(DatasetError, match="has 6,121 images in training/3/ where 6,131 belong: it is not the complete MNIST"):
            D.mnist_tensors(mnist_dir, rebuild=True)
        assert D.dataset_problem('mnist', mnist_dir.parent) == "has 6,121 images in training/3/ where 6,131 belong"
    finally:
        for f in moved: (tmp_path/f.name).rename(mnist_dir/'training'/'3'/f.name)


def test_decoder_refuses_missing_and_extra_indices():
    files = [(f"mnist_png/training/0/{i}.png", b'') for i in range(59_999)] + [(f"mnist_png/testing/0/{i}.png", b'') for i in range(10_000)]
    with pytest.raises(DatasetError, match=r"training has 59,999 images where 60,000 belong \(missing: \[59999\]"):
        D._mnist_from_pngs(files, 'test')
    files[5] = ("mnist_png/training/1/60000.png", b'')  # index out of range in place of index 5
    with pytest.raises(DatasetError, match=r"missing: \[5, 59999\]"):
        D._mnist_from_pngs(files, 'test')
