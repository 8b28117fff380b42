package extractgen

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"github.com/msikit/msikit/msi"
)

// Write writes the package out: in's Property table and summary
// information (its other tables emptied or dropped, its streams removed)
// with nfiles files of size bytes spread over ndirs folders below
// ProgramFilesFolder/Extract Bench, in one embedded MSZIP cabinet
// "bench.cab" of nfolders folders (independent streams), as large real
// packages are laid out. File keys are f00000, f00001...; the contents
// are compressible text with some randomness, the same on every call.
func Write(in, out string, nfiles, ndirs, size, nfolders int) error {
	if nfiles < 1 || nfiles > 65535 || ndirs < 1 || size < 0 || nfolders < 1 || nfolders > nfiles {
		return fmt.Errorf("want 1..65535 files, at least one folder, a size and 1..files cabinet folders")
	}
	db, err := msi.Open(in)
	if err != nil {
		return err
	}
	defer db.Close()
	keep := map[string]bool{"Directory": true, "Component": true, "File": true, "Media": true, "Property": true}
	for _, name := range db.TableNames() {
		if !keep[name] {
			if err := db.DropTable(name); err != nil {
				return err
			}
			continue
		}
		if name != "Property" {
			t, err := db.Table(name)
			if err != nil {
				return err
			}
			t.DeleteFunc(func(msi.Row) bool { return true })
		}
	}
	for _, s := range db.Streams() {
		if s.Name != msi.SummaryInfoStream {
			if err := db.DeleteStream(s.Name); err != nil {
				return err
			}
		}
	}
	insert := func(table string, vals ...msi.Value) error {
		t, err := db.Table(table)
		if err != nil {
			return err
		}
		return t.Insert(vals...)
	}
	s, n := msi.StrValue, msi.Value{}
	rows := [][3]string{{"TARGETDIR", "", "SourceDir"}, {"ProgramFilesFolder", "TARGETDIR", "."}, {"INSTALLDIR", "ProgramFilesFolder", "BENCH|Extract Bench"}}
	for d := 0; d < ndirs; d++ {
		rows = append(rows, [3]string{fmt.Sprintf("D%d", d), "INSTALLDIR", fmt.Sprintf("dir%d", d)})
	}
	for _, r := range rows {
		parent := s(r[1])
		if r[1] == "" {
			parent = n
		}
		if err := insert("Directory", s(r[0]), parent, s(r[2])); err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	// The files in nfolders contiguous groups, one stream each.
	streams := make([][]byte, nfolders)
	type entry struct {
		name         string
		size, offset uint32
		folder       uint16
	}
	var entries []entry
	for i := 0; i < nfiles; i++ {
		d := i % ndirs
		comp := fmt.Sprintf("C%d", d)
		if i < ndirs {
			if err := insert("Component", s(comp), n, s(fmt.Sprintf("D%d", d)), msi.IntValue(0), n, n); err != nil {
				return err
			}
		}
		key := fmt.Sprintf("f%05d", i)
		if err := insert("File", s(key), s(comp), s(fmt.Sprintf("file%05d.dat", i)), msi.IntValue(int32(size)), n, n, msi.IntValue(0), msi.IntValue(int32(i+1))); err != nil {
			return err
		}
		// Compressible text with some randomness, like real files.
		data := make([]byte, size)
		for j := range data {
			data[j] = "abcdefgh \n"[rng.IntN(10)]
		}
		fo := i * nfolders / nfiles
		entries = append(entries, entry{key, uint32(size), uint32(len(streams[fo])), uint16(fo)})
		streams[fo] = append(streams[fo], data...)
	}
	if err := insert("Media", msi.IntValue(1), msi.IntValue(int32(nfiles)), n, s("#bench.cab"), n, n); err != nil {
		return err
	}
	// The cabinet: MSZIP folders, each a stream of its own.
	blocks := make([][][]byte, nfolders)
	uncomp := make([][]int, nfolders)
	for fo, stream := range streams {
		for off := 0; off < len(stream); off += 32768 {
			end := min(off+32768, len(stream))
			var b bytes.Buffer
			b.WriteString("CK")
			w, _ := flate.NewWriterDict(&b, flate.DefaultCompression, stream[max(0, off-32768):off])
			w.Write(stream[off:end])
			w.Close()
			blocks[fo] = append(blocks[fo], b.Bytes())
			uncomp[fo] = append(uncomp[fo], end-off)
		}
	}
	le := binary.LittleEndian
	cab := make([]byte, 36+8*nfolders)
	copy(cab, "MSCF")
	cab[24], cab[25] = 3, 1
	le.PutUint16(cab[26:], uint16(nfolders))
	le.PutUint16(cab[28:], uint16(len(entries)))
	le.PutUint32(cab[16:], uint32(len(cab)))
	for _, e := range entries {
		var h [16]byte
		le.PutUint32(h[0:], e.size)
		le.PutUint32(h[4:], e.offset)
		le.PutUint16(h[8:], e.folder)
		le.PutUint16(h[10:], 0x5821)
		le.PutUint16(h[14:], 0x20)
		cab = append(cab, h[:]...)
		cab = append(cab, e.name+"\x00"...)
	}
	for fo := range streams {
		le.PutUint32(cab[36+8*fo:], uint32(len(cab)))
		le.PutUint16(cab[40+8*fo:], uint16(len(blocks[fo])))
		le.PutUint16(cab[42+8*fo:], 1) // MSZIP
		for i, b := range blocks[fo] {
			var h [8]byte
			le.PutUint16(h[4:], uint16(len(b)))
			le.PutUint16(h[6:], uint16(uncomp[fo][i]))
			le.PutUint32(h[0:], checksum(h[4:8], checksum(b, 0)))
			cab = append(cab, h[:]...)
			cab = append(cab, b...)
		}
	}
	le.PutUint32(cab[8:], uint32(len(cab)))
	if err := db.SetStream("bench.cab", bytes.NewReader(cab), int64(len(cab))); err != nil {
		return err
	}
	return db.Save(out, nil)
}

// checksum is the CFDATA checksum of MS-CAB (gcab, and so msiextract,
// check it).
func checksum(p []byte, seed uint32) uint32 {
	c := seed
	n := len(p) &^ 3
	for i := 0; i < n; i += 4 {
		c ^= binary.LittleEndian.Uint32(p[i:])
	}
	var t uint32
	for _, b := range p[n:] {
		t = t<<8 | uint32(b)
	}
	return c ^ t
}
