//go:build !linux

package idt

import (
	"os"
	"syscall"
)

// rawCellReads says whether readCellAt reads files.
const rawCellReads = false

// folderConn returns nil: readCellAt is for Linux.
func folderConn(*os.Root) (*os.File, syscall.RawConn) { return nil, nil }

// readCellAt returns false: the caller opens the file the portable way.
func readCellAt(syscall.RawConn, string, fileKey, []byte) (bool, error) { return false, nil }
