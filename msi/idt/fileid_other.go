//go:build !unix

package idt

import "io/fs"

// fileKey is a file's identity where the system gives one through
// fs.FileInfo; elsewhere files are told apart by path.
type fileKey struct{}

// keyOf returns false: see fileKey.
func keyOf(fs.FileInfo) (fileKey, bool) { return fileKey{}, false }
