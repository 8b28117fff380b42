//go:build linux

package safefile

import (
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
)

// On Linux a Dir keeps its temporary folder and each subfolder it created
// open, and creates files relative to them with openat(2): no path walk
// per file, and files written whole (WriteData) go through raw open, write
// and close calls without an os.File. Small files given to WriteData are
// copied, in batches of up to 64, and written by background goroutines
// (one per CPU, at most maxWriters) while the caller prepares the next:
// creating a file is kernel time the caller need not wait for. For an export of 100,000
// small files this removes most of the cost that is not the kernel's
// creating the files, and overlaps that with reading them.

// dirState is what a Dir keeps open: descriptors of its temporary folder
// ("") and subfolders, by slash-separated path, and the background
// writers.
type dirState struct {
	fds  map[string]int
	made map[string]bool // subfolders created (their descriptors may be closed)

	jobs    chan *writeBatch // nil when no writer runs
	free    chan *writeBatch // batches written, for reuse
	pending *writeBatch      // files not yet handed to a writer
	wg      sync.WaitGroup
	mu      sync.Mutex
	err     error // the first background write's error
}

// A writeBatch is files handed to a background writer at once: handing
// files over one at a time costs a wake-up of the writer or of the caller
// for most of them (the queue is empty or full: creating a file takes
// longer than reading it), as much as the kernel takes to create a small
// file.
type writeBatch struct {
	jobs []writeJob
	buf  []byte // the files' contents, one after the other
}

// A writeJob is a file of a batch: its folder's descriptor, its name
// there, the path for errors, and where its contents are in the batch's
// buffer.
type writeJob struct {
	dirfd  int
	base   string
	rel    string
	off, n int
}

const (
	maxWriters = 4
	// asyncMax is the largest file written in the background; larger ones
	// are written by the caller.
	asyncMax = 64 << 10
	// A batch is handed over once it holds batchFiles files or batchBytes
	// bytes (its last file may pass that by up to asyncMax). With queueLen
	// batches queued, one being filled and one per writer, the copies in
	// flight stay below (queueLen + 1 + maxWriters) * (batchBytes +
	// asyncMax) = 2.8 MiB.
	batchFiles = 64
	batchBytes = 256 << 10
	queueLen   = 4
)

// maxDirFDs bounds the open subfolders a Dir keeps; past it they are all
// closed and opened again as needed (Go raises the soft limit of open
// files to the hard one, commonly thousands or more).
const maxDirFDs = 512

// split checks rel and returns its parent folder (slash-separated, ""
// for the top) and its base name.
func (d *Dir) split(rel string) (dir, base string, err error) {
	if !filepath.IsLocal(rel) {
		return "", "", errNotInside(rel)
	}
	rel = path.Clean(rel)
	dir, base = path.Split(rel)
	return strings.TrimSuffix(dir, "/"), base, nil
}

// dirFD returns an open descriptor of the subfolder dir of the temporary
// folder, creating it (and its parents) as needed.
func (d *Dir) dirFD(dir string) (int, error) {
	if fd, ok := d.fds[dir]; ok {
		return fd, nil
	}
	if len(d.fds) >= maxDirFDs {
		d.closeDirs()
	}
	var fd int
	var err error
	if dir == "" {
		fd, err = openDir(d.tmp)
	} else {
		parent, base := path.Split(dir)
		var pfd int
		pfd, err = d.dirFD(strings.TrimSuffix(parent, "/"))
		if err != nil {
			return -1, err
		}
		name := filepath.Join(d.tmp, filepath.FromSlash(dir))
		if !d.made[dir] {
			for {
				err = syscall.Mkdirat(pfd, base, 0o777)
				if err != syscall.EINTR {
					break
				}
			}
			if err != nil && err != syscall.EEXIST {
				return -1, &os.PathError{Op: "mkdir", Path: name, Err: err}
			}
			if d.made == nil {
				d.made = map[string]bool{}
			}
			d.made[dir] = true
		}
		fd, err = openat(pfd, base, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: name, Err: err}
		}
	}
	if err != nil {
		return -1, err
	}
	if d.fds == nil {
		d.fds = map[string]int{}
	}
	d.fds[dir] = fd
	return fd, nil
}

func openDir(name string) (int, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(name, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return fd, nil
}

func openat(dirfd int, name string, flags int, mode uint32) (int, error) {
	for {
		fd, err := syscall.Openat(dirfd, name, flags, mode)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// closeDirs waits for the background writers and closes the open
// subfolders.
func (d *Dir) closeDirs() {
	d.wait()
	for _, fd := range d.fds {
		syscall.Close(fd)
	}
	d.fds = nil
}

// openNew creates the new file rel for writing and returns its descriptor.
func (d *Dir) openNew(rel string) (int, string, error) {
	if d.done {
		return -1, "", errDone
	}
	dir, base, err := d.split(rel)
	if err != nil {
		return -1, "", err
	}
	dfd, err := d.dirFD(dir)
	if err != nil {
		return -1, "", err
	}
	fd, err := openat(dfd, base, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o666)
	if err != nil {
		return -1, "", &os.PathError{Op: "open", Path: filepath.Join(d.tmp, filepath.FromSlash(rel)), Err: err}
	}
	return fd, base, nil
}

// create creates the new file rel. It is written with raw write calls:
// an os.File would cost a descriptor-flags query and a finalizer per file.
func (d *Dir) create(rel string) (io.WriteCloser, error) {
	fd, _, err := d.openNew(rel)
	if err != nil {
		return nil, err
	}
	return &rawFile{fd: fd, tmp: d.tmp, rel: rel}, nil
}

// A rawFile is a new file being written by WriteFile.
type rawFile struct {
	fd       int
	tmp, rel string
}

func (f *rawFile) Write(p []byte) (int, error) {
	if f.fd < 0 {
		return 0, os.ErrClosed
	}
	n := 0
	for n < len(p) {
		m, err := syscall.Write(f.fd, p[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, f.pathErr("write", err)
		}
		if m == 0 {
			return n, f.pathErr("write", io.ErrShortWrite)
		}
		n += m
	}
	return n, nil
}

func (f *rawFile) Close() error {
	if f.fd < 0 {
		return os.ErrClosed
	}
	err := syscall.Close(f.fd)
	f.fd = -1
	if err != nil {
		return f.pathErr("close", err)
	}
	return nil
}

func (f *rawFile) pathErr(op string, err error) error {
	return &os.PathError{Op: op, Path: filepath.Join(f.tmp, filepath.FromSlash(f.rel)), Err: err}
}

// writeData creates the new file rel with contents data: in the
// background when data is small and there is more than one CPU. An error
// of a background write is returned by a later writeData or by wait.
func (d *Dir) writeData(rel string, data []byte) error {
	if err := d.bgErr(); err != nil {
		return err
	}
	if len(data) > asyncMax || runtime.GOMAXPROCS(0) < 2 {
		fd, _, err := d.openNew(rel)
		if err != nil {
			return err
		}
		return writeClose(fd, d.tmp, rel, data)
	}
	if d.done {
		return errDone
	}
	dir, base, err := d.split(rel)
	if err != nil {
		return err
	}
	dfd, err := d.dirFD(dir)
	if err != nil {
		return err
	}
	if d.jobs == nil {
		d.start()
	}
	b := d.pending
	if b == nil {
		select {
		case b = <-d.free:
			b.jobs, b.buf = b.jobs[:0], b.buf[:0]
		default:
			b = &writeBatch{jobs: make([]writeJob, 0, batchFiles), buf: make([]byte, 0, batchBytes+asyncMax)}
		}
		d.pending = b
	}
	b.jobs = append(b.jobs, writeJob{dirfd: dfd, base: base, rel: rel, off: len(b.buf), n: len(data)})
	b.buf = append(b.buf, data...)
	if len(b.jobs) >= batchFiles || len(b.buf) >= batchBytes {
		d.flush()
	}
	return nil
}

// flush hands the batch being filled to the writers.
func (d *Dir) flush() {
	if d.pending != nil {
		d.jobs <- d.pending
		d.pending = nil
	}
}

// start starts the background writers.
func (d *Dir) start() {
	n := min(runtime.GOMAXPROCS(0), maxWriters)
	d.jobs = make(chan *writeBatch, queueLen)
	if d.free == nil {
		d.free = make(chan *writeBatch, queueLen+1+maxWriters)
	}
	d.wg.Add(n)
	for range n {
		go d.writer(d.jobs)
	}
}

// writer writes the files of jobs until it is closed; after a failure it
// drops the rest.
func (d *Dir) writer(jobs <-chan *writeBatch) {
	defer d.wg.Done()
	for b := range jobs {
		for _, j := range b.jobs {
			if d.bgErr() != nil {
				break
			}
			fd, err := openat(j.dirfd, j.base, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o666)
			if err != nil {
				err = &os.PathError{Op: "open", Path: filepath.Join(d.tmp, filepath.FromSlash(j.rel)), Err: err}
			} else {
				err = writeClose(fd, d.tmp, j.rel, b.buf[j.off:j.off+j.n])
			}
			if err != nil {
				d.mu.Lock()
				if d.err == nil {
					d.err = err
				}
				d.mu.Unlock()
			}
		}
		select {
		case d.free <- b:
		default:
		}
	}
}

func (d *Dir) bgErr() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// wait waits for the background writers to finish and returns the first
// error of their writes.
func (d *Dir) wait() error {
	if d.jobs != nil {
		d.flush()
		close(d.jobs)
		d.wg.Wait()
		d.jobs = nil
	}
	return d.bgErr()
}

// writeClose writes data to the new file fd (the file rel below tmp) and
// closes it.
func writeClose(fd int, tmp, rel string, data []byte) error {
	for len(data) > 0 {
		n, err := syscall.Write(fd, data)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			syscall.Close(fd)
			return &os.PathError{Op: "write", Path: filepath.Join(tmp, filepath.FromSlash(rel)), Err: err}
		}
		if n == 0 {
			syscall.Close(fd)
			return &os.PathError{Op: "write", Path: filepath.Join(tmp, filepath.FromSlash(rel)), Err: syscall.EIO}
		}
		data = data[n:]
	}
	if err := syscall.Close(fd); err != nil {
		return &os.PathError{Op: "close", Path: filepath.Join(tmp, filepath.FromSlash(rel)), Err: err}
	}
	return nil
}
