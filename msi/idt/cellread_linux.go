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
	done, err = checkCellAt(dir, name, func(info cellInfo) []byte {
		if info.key != key {
			return nil
		}
		return buf
	}, func(info cellInfo, read bool) error {
		if !read {
			return errChanged
		}
		return nil
	})
	if err == errNotRegular {
		err = errChanged
	}
	return done, err
}

// cellInfo is what fstat says of a cell file: its size and identity.
type cellInfo struct {
	size int64
	key  fileKey
}

// checkCellAt opens the file name of the folder dir as readCellAt does
// (open without following a symbolic link, fstat, read, close: four
// system calls), refusing a symbolic link (errSymlink) and anything but
// a regular file (errNotRegular). want, given the file's size and
// identity, returns the buffer to read the whole file into, or nil not
// to read it; then got is called with the same information and whether
// the file was read, before the file is closed. done is false when dir
// cannot be used.
func checkCellAt(dir syscall.RawConn, name string, want func(cellInfo) []byte, got func(cellInfo, bool) error) (done bool, err error) {
	fd, oerr := -1, error(nil)
	if err := dir.Control(func(dfd uintptr) {
		for {
			fd, oerr = syscall.Openat(int(dfd), name, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
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
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return true, errNotRegular
	}
	info := cellInfo{size: st.Size, key: fileKey{uint64(st.Dev), uint64(st.Ino)}}
	buf := want(info)
	read := buf != nil
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
	return true, got(info, read)
}
