package cfb

import (
	"bufio"
	"errors"
	"io"
	"os"
	"syscall"
	"unsafe"
)

// sendStream copies the stream s into raw with copy_file_range(2) (as cp
// does) or sendfile(2) when both ends are regular files, so the bytes move
// inside the kernel. Both take the source offset explicitly, so the source
// file's own offset is untouched and concurrent readers are unaffected. It
// returns how many leading bytes it copied; the caller copies the rest
// the ordinary way (including when sendfile is unavailable, and the zeros
// of a truncated source).
func sendStream(bw *bufio.Writer, raw io.Writer, s *Stream, size int64, noCopyRange bool) (int64, error) {
	dst, ok := raw.(*os.File)
	if !ok {
		return 0, nil
	}
	src, ok := s.ra.(*os.File)
	if !ok {
		return 0, nil
	}
	dc, err := dst.SyscallConn()
	if err != nil {
		return 0, nil
	}
	sc, err := src.SyscallConn()
	if err != nil {
		return 0, nil
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	var copied int64
	var sendErr error
	useCFR := sysCopyFileRange != 0 && !noCopyRange
	cerr := dc.Control(func(dfd uintptr) {
		// The destination position, to align the calls (see copyAlign);
		// -1 when unknown, which only costs speed.
		dpos, err := syscall.Seek(int(dfd), 0, io.SeekCurrent)
		if err != nil {
			dpos = -1
		}
		cerr := sc.Control(func(sfd uintptr) {
			for _, e := range s.ext {
				done := int64(0)
				for done < e.n {
					off := e.phys + done
					k := int(min(e.n-done, 1<<30))
					if h := (copyAlign - dpos%copyAlign) % copyAlign; dpos >= 0 && h > 0 && h < int64(k) {
						k = int(h)
					}
					var m int
					var err error
					if useCFR {
						m, err = copyFileRange(dfd, sfd, &off, k)
						if m <= 0 && copied == 0 && done == 0 && err != nil && !errors.Is(err, syscall.EINTR) && !errors.Is(err, syscall.EAGAIN) {
							useCFR = false // not supported here (ENOSYS, EXDEV, EINVAL...): try sendfile
							continue
						}
					} else {
						m, err = syscall.Sendfile(int(dfd), int(sfd), &off, k)
					}
					if m > 0 {
						done += int64(m)
						copied += int64(m)
						if dpos >= 0 {
							dpos += int64(m)
						}
					}
					switch {
					case errors.Is(err, syscall.EINTR) || errors.Is(err, syscall.EAGAIN):
						continue
					case err != nil:
						if copied == 0 && (errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSYS)) {
							return // not supported here: copy the ordinary way
						}
						sendErr = err
						return
					case m == 0:
						return // end of the source file
					}
				}
			}
		})
		if cerr != nil && sendErr == nil && copied == 0 {
			return
		}
	})
	if cerr != nil && copied == 0 {
		return 0, nil
	}
	return min(copied, size), sendErr
}

// copyAlign is the destination alignment sendStream gives its kernel
// copies. Both calls move data through a 64 KiB pipe, so each write into the
// destination's page cache is a 64 KiB piece starting where the call
// started; ext4 (and other file systems with large folios) can only use
// large folios for pieces aligned to their size. Measured on ext4, Linux 6.x:
// 400 MiB copied to a destination offset of 12216320 took 121-131 ms with
// unaligned calls and 89-94 ms when a short first call brought the offset to
// a multiple of 64 KiB, the same as copying from offset 0 (as cp does).
const copyAlign = 64 << 10

// copyFileRange copies n bytes from sfd at *off to dfd at its current
// position, advancing *off.
func copyFileRange(dfd, sfd uintptr, off *int64, n int) (int, error) {
	r, _, e := syscall.Syscall6(sysCopyFileRange, sfd, uintptr(unsafe.Pointer(off)), dfd, 0, uintptr(n), 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}
