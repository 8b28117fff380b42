//go:build linux && !amd64 && !arm64

package cfb

// sysCopyFileRange is 0 where copy_file_range(2) is not wired up; the
// kernel copy then uses sendfile(2) only.
const sysCopyFileRange = 0
