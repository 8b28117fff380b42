package assembly

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

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
	const part = "manifest"
	data, err := io.ReadAll(io.LimitReader(r, MaxManifest+1))
	if err != nil {
		return nil, &FormatError{Part: part, Offset: -1, Msg: "read failed", Err: err}
	}
	if len(data) > MaxManifest {
		return nil, formatErr(part, -1, "larger than %d bytes", MaxManifest)
	}
	data = toUTF8(data)
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii", "utf-16", "utf-16le", "utf-16be", "unicode":
			return in, nil // already converted to UTF-8 by toUTF8
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
			return nil, &FormatError{Part: part, Offset: dec.InputOffset(), Msg: "bad XML", Err: err}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				if t.Name.Local != "assembly" {
					return nil, formatErr(part, dec.InputOffset(), "root element is <%s>, want <assembly>", t.Name.Local)
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
					return nil, formatErr(part, dec.InputOffset(), "assemblyIdentity has no name")
				}
				return id, nil
			}
		case xml.EndElement:
			depth--
		}
	}
	if !rootSeen {
		return nil, formatErr(part, -1, "no <assembly> element")
	}
	return nil, &UnsupportedError{Msg: "manifest has no assemblyIdentity", Err: ErrNoManifest}
}

// toUTF8 strips a UTF-8 BOM and converts UTF-16 with a BOM to UTF-8.
func toUTF8(b []byte) []byte {
	switch {
	case bytes.HasPrefix(b, []byte{0xef, 0xbb, 0xbf}):
		return b[3:]
	case len(b) >= 2 && (b[0] == 0xff && b[1] == 0xfe || b[0] == 0xfe && b[1] == 0xff):
		le := b[0] == 0xff
		b = b[2:]
		u := make([]uint16, len(b)/2)
		for i := range u {
			if le {
				u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
			} else {
				u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
			}
		}
		return []byte(string(utf16.Decode(u)))
	}
	return b
}
