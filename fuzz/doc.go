// Package fuzz holds native Go fuzz targets over msikit's public API, used
// the way an embedding tool uses it: open untrusted bytes, walk everything,
// and (for rewrites) write and re-read. Each target enforces a per-input
// deadline and heap ceiling. Run them with
//
//	go test -fuzz=FuzzOpenCFB ./fuzz
//
// or all of them briefly with .ci/fuzz. Seeds come from testdata/ and, when
// present, the shared corpus; minimized crashers live under
// testdata/fuzz/<Target>/ as regression tests.
package fuzz
