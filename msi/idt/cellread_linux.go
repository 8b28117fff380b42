//go:build linux

package idt

import (
	"io"
	"os"
	"syscall"
)

// rawCellReads says whether readCellAt reads files.
const rawCellReads = true

// folderConn returns what readCellAt reads the files of the folder r
// through (a handle on the folder itself), or nil.
func folderConn(r *os.Root) (*os.File, syscall.RawConn) {
	d, err := r.Open(".")
	if err != nil {
		return nil, nil
	}
	rc, err := d.SyscallConn()
	if err != nil {
		d.Close()
		return nil, nil
	}
	return d, rc
}

// readCellAt reads the file name of the folder dir into buf (its whole
// size), if it is the regular file key names, with the system calls
// alone: open (not following a symbolic link, and not waiting should a
// FIFO have replaced the file), fstat, read and close. An *os.File
// costs five more calls (putting the descriptor into non-blocking mode
// and back, and trying to add it to the poller) and a finalizer, which
// for 250,000 one-byte cell files is most of the time spent reading
// them. done is false when dir cannot be used (the caller opens the file
// the portable way).
func readCellAt(dir syscall.RawConn, name string, key fileKey, buf []byte) (done bool, err error) {
	fd, oerr := -1, error(nil)
	if err := dir.Control(func(dfd uintptr) {
		for {
			fd, oerr = syscall.Openat(int(dfd), name, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
			if oerr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return false, nil
	}
	if oerr == syscall.ELOOP {
		return true, errSymlink
	}
	if oerr != nil {
		return true, oerr
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return true, err
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG || (fileKey{uint64(st.Dev), uint64(st.Ino)}) != key {
		return true, errChanged
	}
	for len(buf) > 0 {
		n, err := syscall.Read(fd, buf)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return true, err
		case n == 0:
			return true, io.ErrUnexpectedEOF
		}
		buf = buf[n:]
	}
	return true, nil
}
