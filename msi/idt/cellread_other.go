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

// cellInfo is what fstat says of a cell file: its size and identity.
type cellInfo struct {
	size int64
	key  fileKey
}

// checkCellAt returns false: statCells checks files the portable way.
func checkCellAt(syscall.RawConn, string, func(cellInfo) []byte, func(cellInfo, bool) error) (bool, error) {
	return false, nil
}
