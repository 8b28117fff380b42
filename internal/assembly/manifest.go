package assembly

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// MaxManifest is the largest manifest ReadManifest accepts.
const MaxManifest = 4 << 20

// maxXMLTokens bounds the tokens read before the assemblyIdentity element.
const maxXMLTokens = 100000

// ReadManifest reads the assemblyIdentity of a Win32 side-by-side manifest:
// the first assemblyIdentity child of the root assembly element. It fills
// Type, Name, Version, ProcessorArchitecture, PublicKeyToken and Language
// with the attributes present (case kept as authored). The manifest may be
// UTF-8 (with or without BOM), UTF-16 with a BOM, or declare windows-1252 or
// ISO-8859-1. Malformed XML yields an error matching ErrFormat; a manifest
// without assemblyIdentity an error matching ErrNoManifest.
func ReadManifest(r io.Reader) (*Identity, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxManifest+1))
	if err != nil {
		return nil, &FormatError{Part: "manifest", Offset: -1, Msg: "read failed", Err: err}
	}
	id, _, err := ParseManifest(data, math.MaxInt64)
	return id, err
}

// ParseManifest is ReadManifest over the manifest b, parsing at most
// about limit bytes of its XML: it returns the identity and the bytes of
// XML it parsed (UTF-8 text, up to the assemblyIdentity element, the
// error or the end). Parsing stops after the first token that ends past
// limit, with a *LimitError: a caller reading many manifests passes what
// is left of its budget, and the work done for them all stays within the
// budget plus one token (at most MaxManifest bytes). A manifest in UTF-16
// is converted as the parser reads it, so its conversion costs no more
// than the parse.
func ParseManifest(b []byte, limit int64) (*Identity, int64, error) {
	const part = "manifest"
	if len(b) > MaxManifest {
		return nil, 0, formatErr(part, -1, "larger than %d bytes", MaxManifest)
	}
	if limit <= 0 {
		return nil, 0, &LimitError{Limit: limit}
	}
	dec := xml.NewDecoder(textReader(b))
	dec.Strict = true
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii", "utf-16", "utf-16le", "utf-16be", "unicode":
			return in, nil // already converted to UTF-8 by textReader
		case "windows-1252", "cp1252":
			return charmap.Windows1252.NewDecoder().Reader(in), nil
		case "iso-8859-1", "latin1":
			return charmap.ISO8859_1.NewDecoder().Reader(in), nil
		}
		return nil, fmt.Errorf("unsupported encoding %q", label)
	}
	depth := 0
	rootSeen := false
	for n := 0; n < maxXMLTokens; n++ {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, dec.InputOffset(), &FormatError{Part: part, Offset: dec.InputOffset(), Msg: "bad XML", Err: err}
		}
		if dec.InputOffset() > limit {
			return nil, dec.InputOffset(), &LimitError{Limit: limit}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				if t.Name.Local != "assembly" {
					return nil, dec.InputOffset(), formatErr(part, dec.InputOffset(), "root element is <%s>, want <assembly>", t.Name.Local)
				}
				rootSeen = true
			}
			if depth == 2 && t.Name.Local == "assemblyIdentity" {
				id := &Identity{}
				for _, a := range t.Attr {
					if a.Name.Space != "" {
						continue
					}
					switch a.Name.Local {
					case "type":
						id.Type = a.Value
					case "name":
						id.Name = a.Value
					case "version":
						id.Version = a.Value
					case "processorArchitecture":
						id.ProcessorArchitecture = a.Value
					case "publicKeyToken":
						id.PublicKeyToken = a.Value
					case "language":
						id.Language = a.Value
					}
				}
				if id.Name == "" {
					return nil, dec.InputOffset(), formatErr(part, dec.InputOffset(), "assemblyIdentity has no name")
				}
				return id, dec.InputOffset(), nil
			}
		case xml.EndElement:
			depth--
		}
	}
	if !rootSeen {
		return nil, dec.InputOffset(), formatErr(part, -1, "no <assembly> element")
	}
	return nil, dec.InputOffset(), &UnsupportedError{Msg: "manifest has no assemblyIdentity", Err: ErrNoManifest}
}

// textReader returns the text of b as UTF-8: b without a UTF-8 BOM, or
// UTF-16 with a BOM converted as it is read.
func textReader(b []byte) io.Reader {
	switch {
	case bytes.HasPrefix(b, []byte{0xef, 0xbb, 0xbf}):
		return bytes.NewReader(b[3:])
	case len(b) >= 2 && (b[0] == 0xff && b[1] == 0xfe || b[0] == 0xfe && b[1] == 0xff):
		return &utf16Reader{b: b[2 : 2+(len(b)-2)&^1], le: b[0] == 0xff}
	}
	return bytes.NewReader(b)
}

// utf16Reader converts UTF-16 to UTF-8 as it is read, as utf16.Decode
// does: a surrogate pair is one character, a lone surrogate U+FFFD.
type utf16Reader struct {
	b    []byte // what is left to convert: whole code units
	le   bool
	pend []byte // the rest of a character p had no room for
	tmp  [utf8.UTFMax]byte
}

func (r *utf16Reader) unit(i int) rune {
	if r.le {
		return rune(r.b[i]) | rune(r.b[i+1])<<8
	}
	return rune(r.b[i])<<8 | rune(r.b[i+1])
}

func (r *utf16Reader) Read(p []byte) (int, error) {
	n := copy(p, r.pend)
	r.pend = r.pend[n:]
	for n < len(p) && len(r.b) > 0 {
		c, size := r.unit(0), 2
		if utf16.IsSurrogate(c) {
			c = utf8.RuneError
			if len(r.b) >= 4 {
				if d := utf16.DecodeRune(r.unit(0), r.unit(2)); d != utf8.RuneError {
					c, size = d, 4
				}
			}
		}
		r.b = r.b[size:]
		if len(p)-n >= utf8.UTFMax {
			n += utf8.EncodeRune(p[n:], c)
			continue
		}
		r.pend = utf8.AppendRune(r.tmp[:0], c)
		k := copy(p[n:], r.pend)
		r.pend = r.pend[k:]
		n += k
	}
	if n == 0 && len(r.b) == 0 {
		return 0, io.EOF
	}
	return n, nil
}
