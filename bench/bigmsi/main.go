package main

import (
	"bufio"
	"compress/flate"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/internal/assembly"
	"github.com/msikit/msikit/internal/assembly/asmtest"
	"github.com/msikit/msikit/msi"
)

func main() {
	out := flag.String("o", "big.msi", "output package")
	mib := flag.Int("mib", 420, "size of the big stream in MiB")
	in := flag.String("in", "testdata/sample.msi", "package to start from")
	files := flag.Int("files", 0, "make the big stream a cabinet the package installs, of this many files (the first a .NET DLL); 0: pseudo-random bytes")
	cabName := flag.String("cab", "", "embed this cabinet (e.g. from bench/cabgen) and install each of its files, instead of -mib and -files")
	flag.Parse()
	var err error
	if *cabName != "" {
		err = runWithCabinet(*in, *out, *cabName)
	} else if *files > 0 {
		err = runCabinet(*in, *out, int64(*mib)<<20, *files)
	} else {
		err = run(*in, *out, int64(*mib)<<20)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bigmsi:", err)
		os.Exit(1)
	}
}

func run(in, out string, size int64) error {
	data, err := os.CreateTemp("", "bigmsi-*.bin")
	if err != nil {
		return err
	}
	defer os.Remove(data.Name())
	defer data.Close()
	rng := rand.NewChaCha8([32]byte{1})
	if _, err := io.CopyN(data, rng, size); err != nil {
		return err
	}
	db, err := msi.Open(in)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SetStream("big.cab", data, size); err != nil {
		return err
	}
	return db.Save(out, nil)
}

// runCabinet writes the package with a cabinet "big.cab" of nfiles files
// adding up to size bytes, installed below INSTALLDIR/big: the first is
// a .NET DLL with a version resource whose metadata and resource lie at
// its end (after pseudo-random padding), the others pseudo-random bytes.
// The cabinet is one MSZIP folder of stored deflate blocks (the data does
// not compress), so reading it costs what decoding a folder costs without
// the decompression arithmetic.
func runCabinet(in, out string, size int64, nfiles int) error {
	if nfiles > 1000 || size/int64(nfiles) < 1<<20 {
		return errors.New("want at most 1000 files of at least 1 MiB each")
	}
	rng := rand.NewChaCha8([32]byte{2})
	pe := asmtest.BuildPE(asmtest.Spec{
		Machine: assembly.MachineI386, CorFlags: assembly.FlagILOnly, Name: "Big.Assembly", Ver: [4]uint16{4, 2, 0, 0},
		Fills:       []asmtest.Fill{{Table: 0, Rows: 1, RowSize: 10}},
		FileVersion: &[4]uint16{4, 2, 1, 0}, VersionStrings: [][2]string{{"CompanyName", "Contoso"}, {"ProductName", "Big"}},
		Translations: []uint32{0x04b00409},
	})
	per := size / int64(nfiles)
	sizes := make([]int64, nfiles)
	for i := range sizes {
		sizes[i] = per
	}
	sizes[nfiles-1] += size - per*int64(nfiles)
	// The PE: its headers, random padding, its section.
	peOff := int(binary.LittleEndian.Uint32(pe[0x3c:]))
	optSize := int(binary.LittleEndian.Uint16(pe[peOff+20:]))
	sec := peOff + 24 + optSize
	raw := int(binary.LittleEndian.Uint32(pe[sec+20:]))
	pad := (sizes[0] - int64(len(pe))) &^ 511
	sizes[0] = int64(len(pe)) + pad
	binary.LittleEndian.PutUint32(pe[sec+20:], uint32(int64(raw)+pad))
	first := io.MultiReader(bytesReader(pe[:raw]), io.LimitReader(rng, pad), bytesReader(pe[raw:]))

	cabFile, err := os.CreateTemp("", "bigmsi-*.cab")
	if err != nil {
		return err
	}
	defer os.Remove(cabFile.Name())
	defer cabFile.Close()
	var total int64
	for _, s := range sizes {
		total += s
	}
	nblocks := (total + 32767) / 32768
	if nblocks > 65535 {
		return errors.New("more than 65,535 blocks: at most 2 GiB")
	}
	le := binary.LittleEndian
	hdr := make([]byte, 36+8)
	copy(hdr, "MSCF")
	hdr[24], hdr[25] = 3, 1
	le.PutUint16(hdr[26:], 1)
	le.PutUint16(hdr[28:], uint16(nfiles))
	le.PutUint32(hdr[16:], uint32(len(hdr)))
	var off int64
	for i, s := range sizes {
		var h [16]byte
		le.PutUint32(h[0:], uint32(s))
		le.PutUint32(h[4:], uint32(off))
		le.PutUint16(h[10:], 0x5821)
		le.PutUint16(h[14:], 0x20)
		hdr = append(append(hdr, h[:]...), fmt.Sprintf("big%03d\x00", i)...)
		off += s
	}
	le.PutUint32(hdr[36:], uint32(len(hdr)))
	le.PutUint16(hdr[40:], uint16(nblocks))
	le.PutUint16(hdr[42:], 1) // MSZIP
	w := bufio.NewWriterSize(cabFile, 1<<20)
	w.Write(hdr)
	cabSize := int64(len(hdr))
	data := io.MultiReader(first, io.LimitReader(rng, total-sizes[0]))
	block := make([]byte, 32768)
	var comp blockBuffer
	fw, _ := flate.NewWriter(&comp, flate.NoCompression)
	for remaining := total; remaining > 0; {
		n := min(remaining, 32768)
		if _, err := io.ReadFull(data, block[:n]); err != nil {
			return err
		}
		comp.b = append(comp.b[:0], "CK"...)
		fw.Reset(&comp)
		fw.Write(block[:n])
		fw.Close()
		var h [8]byte
		le.PutUint16(h[4:], uint16(len(comp.b)))
		le.PutUint16(h[6:], uint16(n))
		w.Write(h[:])
		w.Write(comp.b)
		cabSize += 8 + int64(len(comp.b))
		remaining -= n
	}
	if err := w.Flush(); err != nil {
		return err
	}
	var sz [4]byte
	le.PutUint32(sz[:], uint32(cabSize))
	if _, err := cabFile.WriteAt(sz[:], 8); err != nil {
		return err
	}

	db, insert, err := openBig(in, "big000")
	if err != nil {
		return err
	}
	defer db.Close()
	s, null := msi.StrValue, msi.Value{}
	for i, sz := range sizes {
		name := fmt.Sprintf("big%03d", i)
		file := name + ".bin"
		ver := null
		if i == 0 {
			file, ver = "Big.Assembly.dll", s("4.2.1.0")
		}
		if err := insert("File", s(name), s("Big"), s(file), msi.IntValue(int32(sz)), ver, null, msi.IntValue(0), msi.IntValue(int32(1000+i))); err != nil {
			return err
		}
	}
	if err := insert("Media", msi.IntValue(2), msi.IntValue(int32(1000+nfiles)), null, s("#big.cab"), null, null); err != nil {
		return err
	}
	if err := db.SetStream("big.cab", cabFile, cabSize); err != nil {
		return err
	}
	return db.Save(out, nil)
}

// runWithCabinet writes the package with the cabinet file cabName as
// "big.cab", each of its files installed below INSTALLDIR/big under its
// name in the cabinet.
func runWithCabinet(in, out, cabName string) error {
	rc, err := cab.OpenReader(cabName)
	if err != nil {
		return err
	}
	defer rc.Close()
	if len(rc.Files) == 0 || len(rc.Files) > 32767 {
		return errors.New("want a cabinet of 1 to 32,767 files")
	}
	// Windows Installer finds a file in its cabinet by its File key, so
	// the members' names become the keys (and the file names).
	for _, cf := range rc.Files {
		if err := msi.CheckCategory("Identifier", cf.Name); err != nil || len(cf.Name) > 72 {
			return fmt.Errorf("cabinet member %q is not a valid File key (an Identifier of at most 72 characters)", cf.Name)
		}
	}
	f, err := os.Open(cabName)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	db, insert, err := openBig(in, rc.Files[0].Name)
	if err != nil {
		return err
	}
	defer db.Close()
	s, null := msi.StrValue, msi.Value{}
	for i, cf := range rc.Files {
		if err := insert("File", s(cf.Name), s("Big"), s(cf.Name), msi.IntValue(int32(cf.Size)), null, null, msi.IntValue(0), msi.IntValue(int32(1000+i))); err != nil {
			return err
		}
	}
	if err := insert("Media", msi.IntValue(2), msi.IntValue(int32(1000+len(rc.Files))), null, s("#big.cab"), null, null); err != nil {
		return err
	}
	if err := db.SetStream("big.cab", f, st.Size()); err != nil {
		return err
	}
	return db.Save(out, nil)
}

// openBig opens the package in and adds the folder INSTALLDIR/big and the
// component "Big" whose key path is the File row keyFile; insert adds a
// row to a table.
func openBig(in, keyFile string) (db *msi.Database, insert func(table string, vals ...msi.Value) error, err error) {
	db, err = msi.Open(in)
	if err != nil {
		return nil, nil, err
	}
	insert = func(table string, vals ...msi.Value) error {
		t, err := db.Table(table)
		if err != nil {
			return err
		}
		return t.Insert(vals...)
	}
	s, null := msi.StrValue, msi.Value{}
	if err := insert("Directory", s("BIGDIR"), s("INSTALLDIR"), s("big")); err != nil {
		db.Close()
		return nil, nil, err
	}
	if err := insert("Component", s("Big"), s("{5B1A2E5C-0C43-4C2B-9A43-2B7C3F7F0B11}"), s("BIGDIR"), msi.IntValue(0), null, s(keyFile)); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, insert, nil
}

// blockBuffer collects one compressed block.
type blockBuffer struct{ b []byte }

func (w *blockBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

func bytesReader(b []byte) io.Reader { return &sliceReader{b} }

type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
