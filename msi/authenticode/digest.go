package authenticode

import (
	"bytes"
	"crypto"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"slices"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/msi"
)

// Digest computes a package's Authenticode digests with hash function h.
//
// content is what \x05DigitalSignature signs: the bytes of every stream,
// storage by storage in digest order (see the package documentation),
// each storage followed by its CLSID. With extended, the metadata
// pre-hash is computed too and fed to the content digest first; prehash
// is then the value \x05MsiDigitalSignatureEx holds (nil otherwise).
//
// The two signature streams at the root are left out. Stream bytes are
// read through io.Copy in 64 KiB pieces, so memory does not grow with
// stream sizes.
func Digest(cf *cfb.Reader, h crypto.Hash, extended bool) (content, prehash []byte, err error) {
	if !h.Available() {
		return nil, nil, &UnsupportedError{Msg: fmt.Sprintf("digest algorithm %v is not available", h)}
	}
	d := h.New()
	if extended {
		p := h.New()
		if err := prehashStorage(p, cf.Root); err != nil {
			return nil, nil, err
		}
		prehash = p.Sum(nil)
		d.Write(prehash)
	}
	if err := hashStorage(d, cf.Root); err != nil {
		return nil, nil, err
	}
	return d.Sum(nil), prehash, nil
}

// isSignatureStream reports whether e is one of the two signature streams
// at the root, which the digests leave out.
func isSignatureStream(e *cfb.Entry) bool {
	if e.Type != cfb.TypeStream || e.Parent == nil || e.Parent.Type != cfb.TypeRoot {
		return false
	}
	return e.Name == msi.DigitalSignatureStream || e.Name == msi.DigitalSignatureExStream
}

// digestOrder returns a storage's children in the order the digests
// visit them: by the bytes of their NUL-terminated UTF-16LE names,
// compared byte by byte, so a name that is a prefix of another comes
// first ("ab" before "abc": the terminator 0x00 is less than 'c').
// Windows agrees (a signature made this way verifies with
// Get-AuthenticodeSignature), and so do osslsigncode and relic; a
// prefix-last order gives a different digest on packages whose packed
// names are prefixes of each other, as table streams often are.
func digestOrder(dir *cfb.Entry) []*cfb.Entry {
	kids := slices.Clone(dir.Children)
	slices.SortStableFunc(kids, func(a, b *cfb.Entry) int {
		return compareDigestNames(a.RawName, b.RawName)
	})
	return kids
}

func compareDigestNames(a, b []uint16) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			continue
		}
		// Little-endian bytes: the low byte decides first.
		if a[i]&0xff != b[i]&0xff {
			return int(a[i]&0xff) - int(b[i]&0xff)
		}
		return int(a[i]>>8) - int(b[i]>>8)
	}
	// The shorter name's terminator meets a unit of the longer one.
	return len(a) - len(b)
}

// hashStorage feeds dir's streams, in digest order and recursively, and
// then dir's CLSID to d. The walk is iterative: the reader has already
// bounded the depth, but a loop keeps the stack flat regardless.
func hashStorage(d hash.Hash, root *cfb.Entry) error {
	type frame struct {
		dir  *cfb.Entry
		kids []*cfb.Entry
	}
	buf := make([]byte, 64<<10)
	stack := []frame{{root, digestOrder(root)}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if len(top.kids) == 0 {
			d.Write(top.dir.CLSID[:])
			stack = stack[:len(stack)-1]
			continue
		}
		e := top.kids[0]
		top.kids = top.kids[1:]
		switch {
		case isSignatureStream(e):
		case e.Type == cfb.TypeStream:
			s, err := e.Open()
			if err != nil {
				return err
			}
			n, err := io.CopyBuffer(d, io.NewSectionReader(s, 0, e.Size), buf)
			if err != nil {
				return fmt.Errorf("authenticode: reading %s at offset %d: %w", streamLabel(e.Parent == nil || e.Parent.Parent == nil, e.RawName, e.Path), n, err)
			}
			if n != e.Size {
				return fmt.Errorf("authenticode: reading %s: %d of %d bytes", streamLabel(e.Parent == nil || e.Parent.Parent == nil, e.RawName, e.Path), n, e.Size)
			}
		case e.IsDir():
			stack = append(stack, frame{e, digestOrder(e)})
		}
	}
	return nil
}

// prehashStorage feeds the metadata of every entry to p, in pre-order
// (a storage's own record, then its children in digest order):
//
//   - the root: its CLSID and state bits;
//   - a storage: its UTF-16LE name, CLSID, state bits, creation and
//     modification times;
//   - a stream: its UTF-16LE name, the low 32 bits of its size, state bits,
//     creation and modification times.
//
// Integers are little-endian, as in the directory entry.
func prehashStorage(p hash.Hash, root *cfb.Entry) error {
	var rec bytes.Buffer
	write := func(e *cfb.Entry) {
		rec.Reset()
		if e.Type != cfb.TypeRoot {
			for _, u := range e.RawName {
				rec.WriteByte(byte(u))
				rec.WriteByte(byte(u >> 8))
			}
		}
		if e.Type == cfb.TypeStream {
			rec.Write(binary.LittleEndian.AppendUint32(nil, uint32(e.Size)))
		} else {
			rec.Write(e.CLSID[:])
		}
		rec.Write(binary.LittleEndian.AppendUint32(nil, e.StateBits))
		if e.Type != cfb.TypeRoot {
			rec.Write(binary.LittleEndian.AppendUint64(nil, uint64(e.Created)))
			rec.Write(binary.LittleEndian.AppendUint64(nil, uint64(e.Modified)))
		}
		p.Write(rec.Bytes())
	}
	write(root)
	stack := [][]*cfb.Entry{digestOrder(root)}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if len(*top) == 0 {
			stack = stack[:len(stack)-1]
			continue
		}
		e := (*top)[0]
		*top = (*top)[1:]
		switch {
		case isSignatureStream(e):
		case e.Type == cfb.TypeStream:
			write(e)
		case e.IsDir():
			write(e)
			stack = append(stack, digestOrder(e))
		}
	}
	return nil
}
