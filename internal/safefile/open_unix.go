//go:build unix

package safefile

import (
	"io/fs"
	"os"
	"syscall"
)

// openNoWait opens name read-only with O_NONBLOCK, so that a named pipe
// without a writer does not block the open, and returns it with its
// information. A regular file gets its descriptor back in blocking mode
// and is made an *os.File without the network poller (os.NewFile of a
// blocking descriptor), as os.Open would leave it.
func openNoWait(name string) (*os.File, fs.FileInfo, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(name, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	if st.Mode&syscall.S_IFMT == syscall.S_IFREG {
		if err := syscall.SetNonblock(fd, false); err != nil {
			syscall.Close(fd)
			return nil, nil, &fs.PathError{Op: "fcntl", Path: name, Err: err}
		}
	}
	f := os.NewFile(uintptr(fd), name)
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}
