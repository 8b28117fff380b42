//go:build unix

package testenv

import (
	"io"
	"os"
	"syscall"
)

// openTTY opens the controlling terminal for writing, or returns nil. It
// uses syscall.Open rather than os.OpenFile so that go test does not
// record /dev/tty as a file the tests read (which would keep it from
// caching the result).
func openTTY() io.WriteCloser {
	fd, err := syscall.Open("/dev/tty", syscall.O_WRONLY|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	return os.NewFile(uintptr(fd), "/dev/tty")
}
