package assemblynames

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/msikit/msikit/internal/assembly"
	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// defaultMaxAssemblyFileBytes is the default of
// Options.MaxFileBytes; assemblies and manifests are far
// smaller (sbom reads .NET metadata up to as much). A file is held in
// memory while it is parsed: at 256 MiB a package of 466 KB (one MSZIP
// folder of zeros, its file the key file of an MsiAssembly row) took
// audit and rewrite to 580 MB of memory, and at 128 MiB one of seven
// 131 MB files to 264 MiB (two buffers at once).
const defaultMaxAssemblyFileBytes = 64 << 20

// maxManifestXML is the XML the pass parses for the manifests of one
// run together (assembly.ParseManifest counts it: the text up to each
// assemblyIdentity element, which real manifests have in their first
// kilobyte). Go's XML decoder reads 25-120 MB/s, and a package can
// deliver its cabinets' bound of decoded bytes (256 MiB plus 100 times
// the cabinets, about 740 MB from 5 MB) as manifests of 4 MiB whose
// identity never comes: 176 of them took 10.8 s of CPU. Past the bound,
// each manifest is reported as not parsed.
const maxManifestXML = 16 << 20

// manifests parses the manifests of one run within maxManifestXML.
type manifests struct{ left int64 }

// parse reads the identity of the manifest b of the file key.
func (m *manifests) parse(key string, b []byte) (*assembly.Identity, error) {
	id, n, err := assembly.ParseManifest(b, m.left)
	m.left -= n
	if errors.Is(err, assembly.ErrLimit) {
		return nil, fmt.Errorf("file %s: the manifests of the package reached the %d bytes of XML this pass parses: %w", clip.String(key), maxManifestXML, err)
	}
	return id, err
}

// read reads the identity of the manifest r of the file key.
func (m *manifests) read(key string, r io.Reader) (*assembly.Identity, error) {
	b, err := io.ReadAll(io.LimitReader(r, assembly.MaxManifest+1))
	if err != nil {
		return nil, &assembly.FormatError{Part: "manifest", Offset: -1, Msg: "read failed", Err: err}
	}
	return m.parse(key, b)
}

// kinds says how a file is read: as a .NET assembly, as a Win32
// manifest, or both (a key file of one row, the manifest of another).
type kinds struct{ dotNet, manifest bool }

// read is what the pass learned from one file of the package.
type read struct {
	dotNet, manifest       *assembly.Identity
	dotNetErr, manifestErr error
	err                    error // the file could not be read at all
}

// result returns the identity read for the kind asked for.
func (r *read) result(win32 bool) (*assembly.Identity, error) {
	switch {
	case r.err != nil:
		return nil, r.err
	case win32:
		return r.manifest, r.manifestErr
	default:
		return r.dotNet, r.dotNetErr
	}
}

// extract is install.ExtractContext; a test records the options it is
// given.
var extract = install.ExtractContext

// readPackageFiles reads every file in want out of the package's own
// cabinets (embedded, or beside the package when it was opened from a
// path) in one install.Extract pass, parsing each as it streams by:
// a package with many assemblies is decoded once, and only one file is in
// memory at a time. Files the package does not deliver are absent from
// the result; missing records why (each wraps fs.ErrNotExist, so that
// Source is tried next).
func readPackageFiles(ctx context.Context, db *msi.Database, want map[string]kinds, limit int64, maxRatio int, mf *manifests) (map[string]*read, map[string]error, error) {
	got := map[string]*read{}
	if len(want) == 0 {
		return got, nil, nil
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	var buf []byte // the file being read: one buffer for all of them
	rep, err := extract(ctx, db, &install.Options{Keys: keys, MaxRatio: maxRatio}, func(f *install.File, r io.Reader) error {
		kinds, ok := want[f.Key]
		if !ok {
			return nil
		}
		res := &read{}
		got[f.Key] = res
		if f.Size > limit {
			res.err = fmt.Errorf("file %s is %d bytes, more than the %d this pass reads", f.Key, f.Size, limit)
			return nil
		}
		// r yields exactly f.Size bytes or fails: read into a buffer of
		// that size, not one grown by doubling (io.ReadAll), which held
		// twice the file, and kept for the next file, so that the
		// buffers of two large files are not held at once.
		if int64(cap(buf)) < f.Size {
			buf = nil // the old one can go before the new one is made
			buf = make([]byte, f.Size)
		}
		b := buf[:f.Size]
		if _, err := io.ReadFull(r, b); err != nil {
			delete(got, f.Key)
			return err // a decoding failure: Extract reports it
		}
		if kinds.dotNet {
			if d, err := assembly.ReadDotNet(bytes.NewReader(b), int64(len(b))); err != nil {
				res.dotNetErr = err
			} else {
				res.dotNet = &d.Identity
			}
		}
		if kinds.manifest {
			res.manifest, res.manifestErr = mf.parse(f.Key, b)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	missing := map[string]error{}
	reasons := map[string][]string{}
	for _, fe := range rep.Failed {
		reasons[fe.Key] = append(reasons[fe.Key], strings.TrimPrefix(fe.Error(), "msi: "))
	}
	for k := range want {
		if _, ok := got[k]; ok {
			continue
		}
		reason := "not in the package's cabinets"
		if r := reasons[k]; len(r) > 0 {
			reason = strings.Join(r, "; ")
		}
		missing[k] = fmt.Errorf("file %s: %s: %w", clip.String(k), reason, fs.ErrNotExist)
	}
	return got, missing, nil
}

// errNotRead is the cause for a file the pass did not ask the package for.
var errNotRead = errors.New("file not read")
