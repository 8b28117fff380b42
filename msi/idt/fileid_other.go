//go:build !unix

package idt

import "io/fs"

// fileID is the file's identity where the system gives one through
// fs.FileInfo; elsewhere files are told apart by path.
func fileID(fs.FileInfo) (any, bool) { return nil, false }
