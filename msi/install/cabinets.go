package install

import (
	"sort"
	"strings"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/msi"
)

// Cabinet is one cabinet of a package: a Media table row, or an embedded
// cabinet stream no Media row names (as in patches, whose Media rows live
// in their transforms).
type Cabinet struct {
	// DiskID and LastSequence come from the Media row (0 when there is
	// none); Name is its Cabinet column as written ("#product.cab" for an
	// embedded cabinet).
	DiskID       int
	LastSequence int
	Name         string
	// Embedded reports whether the cabinet is a stream of the package;
	// Stream is then its decoded stream name and Size its size.
	Embedded bool
	Stream   string
	Size     int64
	// Reader is the embedded cabinet's directory as package cab reads it
	// (nil for external cabinets, or when the stream is missing or not a
	// cabinet; Err then says why). Rows naming the same stream share one
	// Reader. Compression summarizes its folders' methods: "MSZIP",
	// "LZX:21", several joined by "+" when folders differ, or "" without
	// folders.
	Reader      *cab.Reader
	Compression string
	Err         error
}

// Cabinets lists the package's cabinets: every Media row that names one
// (in table order; a transform's Media changes are not read), then any
// other stream that starts with a cabinet signature. The directories of
// embedded cabinets are read (nothing is decompressed); a bad one is
// reported in Cabinet.Err, not as the function's error. The error is
// non-nil only when the Media table itself cannot be read.
func Cabinets(db *msi.Database) ([]Cabinet, error) {
	var cabs []Cabinet
	named := map[string]bool{}
	// Media rows may name one cabinet many times: it is read once and
	// shared.
	read := map[string]*Cabinet{}
	fill := func(c *Cabinet) {
		if h, ok := read[c.Stream]; ok {
			c.Size, c.Reader, c.Compression, c.Err = h.Size, h.Reader, h.Compression, h.Err
			return
		}
		fillCabinet(db, c)
		read[c.Stream] = c
	}
	if db.Kind() != msi.PackageTransform && db.HasTable("Media") {
		t, err := db.Table("Media")
		if err != nil {
			return nil, err
		}
		// Made to size (the rows read), not grown by append: each array
		// an append outgrew stays in the process's memory (the 278,000
		// Media rows of a 4.9 MB package made 29 MB of cabinets, and
		// 120 MB of arrays on the way).
		cabs = make([]Cabinet, 0, t.Len())
		for row := range t.Rows() {
			name := row.Get("Cabinet").Str()
			if name == "" {
				continue
			}
			c := Cabinet{
				DiskID:       int(row.Get("DiskId").Int()),
				LastSequence: int(row.Get("LastSequence").Int()),
				Name:         name,
			}
			if strings.HasPrefix(name, "#") {
				c.Embedded = true
				c.Stream = name[1:]
				named[c.Stream] = true
				fill(&c)
			}
			cabs = append(cabs, c)
		}
	}
	var extra []Cabinet
	for _, s := range db.Streams() {
		if named[s.Name] || s.Size < cabHeaderSize || strings.HasPrefix(s.Name, "\x05") {
			continue
		}
		st, err := db.OpenStream(s.Name)
		if err != nil {
			continue
		}
		var sig [4]byte
		if _, err := st.ReadAt(sig[:], 0); err != nil || string(sig[:]) != "MSCF" {
			continue
		}
		c := Cabinet{Embedded: true, Stream: s.Name}
		fillCabinet(db, &c)
		extra = append(extra, c)
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i].Stream < extra[j].Stream })
	return append(cabs, extra...), nil
}

// cabHeaderSize is the size of a cabinet's fixed header (CFHEADER without
// its optional fields): a shorter stream is no cabinet.
const cabHeaderSize = 36

func fillCabinet(db *msi.Database, c *Cabinet) {
	st, err := db.OpenStream(c.Stream)
	if err != nil {
		c.Err = err
		return
	}
	c.Size = st.Size()
	c.Reader, c.Err = cab.NewReader(st, st.Size())
	if c.Reader != nil {
		c.Compression = compression(c.Reader.Folders)
	}
}

// compression names the distinct methods of folders, in order, joined
// by "+".
func compression(folders []*cab.Folder) string {
	var names []string
	seen := map[cab.Method]bool{}
	seenName := map[string]bool{}
	for _, f := range folders {
		if seen[f.Method] {
			continue
		}
		seen[f.Method] = true
		if s := f.Method.String(); !seenName[s] {
			seenName[s] = true
			names = append(names, s)
		}
	}
	return strings.Join(names, "+")
}
