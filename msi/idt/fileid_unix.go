//go:build unix

package idt

import (
	"io/fs"
	"syscall"
)

// fileKey tells a file apart from every other file of the system: its
// device and inode (hard links share it).
type fileKey [2]uint64

// keyOf returns fi's fileKey, when fi came from the operating system.
func keyOf(fi fs.FileInfo) (fileKey, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileKey{}, false
	}
	return fileKey{uint64(st.Dev), uint64(st.Ino)}, true
}
