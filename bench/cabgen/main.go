package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"os"

	"github.com/msikit/msikit/cab"
)

// A folder to copy: its method and raw CFDATA blocks (header and data).
type folder struct {
	method uint16
	blocks [][]byte
	size   int64 // uncompressed
}

func main() {
	out := flag.String("o", "big.cab", "output cabinet")
	method := flag.String("method", "LZX:21", "method of the folders to copy (as cab.Method.String prints it)")
	mib := flag.Int("mib", 200, "uncompressed MiB to reach")
	flag.Parse()
	if err := run(*out, *method, int64(*mib)<<20, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "cabgen:", err)
		os.Exit(1)
	}
}

func run(out, method string, target int64, inputs []string) error {
	var folders []folder
	for _, in := range inputs {
		fs, err := readFolders(in, method)
		if err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
		folders = append(folders, fs...)
	}
	if len(folders) == 0 {
		return fmt.Errorf("no %s folder in the input cabinets", method)
	}
	// Pick folders round-robin until the target is reached.
	var picked []folder
	var total int64
	for i := 0; total < target; i++ {
		f := folders[i%len(folders)]
		picked = append(picked, f)
		total += f.size
	}
	if len(picked) > 0xffff {
		return fmt.Errorf("%d folders needed, more than a cabinet holds", len(picked))
	}
	return write(out, picked)
}

// readFolders returns the folders of the cabinet file name whose method
// prints as method. Cabinets of a set and per-block reserves are skipped.
func readFolders(name, method string) ([]folder, error) {
	rc, err := cab.OpenReader(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if rc.PrevCabinet != "" || rc.NextCabinet != "" {
		return nil, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var fs []folder
	for _, fo := range rc.Folders {
		if fo.Method.String() != method {
			continue
		}
		fd := folder{method: uint16(fo.Method)}
		off := fo.DataOffset
		for range fo.NumBlocks {
			var h [8]byte
			if _, err := f.ReadAt(h[:], off); err != nil {
				return nil, err
			}
			n := int(binary.LittleEndian.Uint16(h[4:]))
			b := make([]byte, 8+n)
			if _, err := f.ReadAt(b, off); err != nil {
				return nil, err
			}
			fd.blocks = append(fd.blocks, b)
			fd.size += int64(binary.LittleEndian.Uint16(h[6:]))
			off += int64(len(b))
		}
		if fd.size > 0 {
			fs = append(fs, fd)
		}
	}
	return fs, nil
}

// write lays out a cabinet: header, one CFFOLDER per folder, one CFFILE
// per folder, then the CFDATA blocks.
func write(name string, folders []folder) error {
	const hdr, cffolder = 36, 8
	var files []byte
	for i, f := range folders {
		var e [16]byte
		binary.LittleEndian.PutUint32(e[0:], uint32(f.size))
		binary.LittleEndian.PutUint16(e[8:], uint16(i))
		binary.LittleEndian.PutUint16(e[10:], 0x5a21) // 2025-01-01
		binary.LittleEndian.PutUint16(e[14:], 0x20)   // archive
		files = append(files, e[:]...)
		files = append(files, fmt.Sprintf("f%05d.bin\x00", i)...)
	}
	dataStart := int64(hdr + cffolder*len(folders) + len(files))
	size := dataStart
	for _, f := range folders {
		for _, b := range f.blocks {
			size += int64(len(b))
		}
	}
	if size > 0xffffffff {
		return fmt.Errorf("cabinet of %d bytes is too large", size)
	}
	o, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(o, 1<<20)
	var h [hdr]byte
	copy(h[:], "MSCF")
	binary.LittleEndian.PutUint32(h[8:], uint32(size))
	binary.LittleEndian.PutUint32(h[16:], uint32(hdr+cffolder*len(folders)))
	h[24], h[25] = 3, 1 // version 1.3
	binary.LittleEndian.PutUint16(h[26:], uint16(len(folders)))
	binary.LittleEndian.PutUint16(h[28:], uint16(len(folders)))
	w.Write(h[:])
	at := dataStart
	for _, f := range folders {
		var e [cffolder]byte
		binary.LittleEndian.PutUint32(e[0:], uint32(at))
		binary.LittleEndian.PutUint16(e[4:], uint16(len(f.blocks)))
		binary.LittleEndian.PutUint16(e[6:], f.method)
		w.Write(e[:])
		for _, b := range f.blocks {
			at += int64(len(b))
		}
	}
	w.Write(files)
	for _, f := range folders {
		for _, b := range f.blocks {
			w.Write(b)
		}
	}
	if err := w.Flush(); err != nil {
		o.Close()
		return err
	}
	return o.Close()
}
