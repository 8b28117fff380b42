//go:build unix

package idt

import (
	"io/fs"
	"syscall"
)

// fileID returns what tells fi's file apart from every other file of the
// system (its device and inode: hard links share it), when fi came from
// the operating system.
func fileID(fi fs.FileInfo) (any, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, false
	}
	return [2]uint64{uint64(st.Dev), uint64(st.Ino)}, true
}
