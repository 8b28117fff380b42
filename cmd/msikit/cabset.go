package main

import (
	"os"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// A setCabinet is a cabinet file that reading a package's cabinets
// opens: its name as the package or a cabinet header gives it, and the
// file found for it.
type setCabinet struct {
	name string
	fi   os.FileInfo
}

// cabinetSetFiles returns the files in the folder srcDir that reading
// the cabinets of the package db opens: its external cabinets (Media rows
// without "#") and the cabinets that the headers of its cabinets, embedded
// or not, name as the previous or next cabinet of a set, and theirs in
// turn. Each name is found as extraction finds it (install, through
// cab.ReaderOptions.OpenCabinet): a stream of the package of that name
// first, else the file of that name in srcDir, matched without regard to
// case (safefile.Folder). A cabinet named only in a header is in no
// Media row, so the output checks that look at the Media table
// (checkNotCabinet, inputGuard) need this to keep from replacing it: a
// file of the package named like it, extracted into the source folder
// before the set reached it, replaced it, and the set was then read from
// that file. Each name is looked up once and each file read once (its
// directory, bounded by its size); a cabinet that cannot be opened or
// read ends its chain.
func cabinetSetFiles(db *msi.Database, srcDir string) []setCabinet {
	cabs, err := install.Cabinets(db)
	if err != nil {
		return nil
	}
	folder := safefile.NewFolder(srcDir)
	var out []setCabinet
	seen := map[string]bool{}     // names looked up
	var queue []string            // names to look up
	read := func(r *cab.Reader) { // queues the names r's header gives
		for _, n := range []string{r.PrevCabinet, r.NextCabinet} {
			if n != "" && !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	// open reads the cabinet in the file name (fromMedia: a Media row's,
	// never a stream) and records its file.
	open := func(name string, fromMedia bool) {
		if !fromMedia {
			if st, err := db.OpenStream(name); err == nil {
				if r, err := cab.NewReader(st, st.Size()); err == nil {
					read(r)
				}
				return
			}
		}
		f, size, err := folder.Open(name)
		if err != nil {
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return
		}
		out = append(out, setCabinet{name, fi})
		if r, err := cab.NewReader(f, size); err == nil {
			read(r)
		}
	}
	media := map[string]bool{}
	for _, c := range cabs {
		switch {
		case c.Embedded && c.Reader != nil:
			read(c.Reader)
		case !c.Embedded && !media[c.Name]:
			media[c.Name] = true
			open(c.Name, true)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		open(n, false)
	}
	return out
}
