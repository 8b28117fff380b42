package sbom

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemas compiles the vendored official schemas (testdata/schema) once:
// CycloneDX 1.6 with the SPDX licence list and JSF schemas it refers to,
// and SPDX 2.3. Format assertions are on (date-time, uri, iri-reference).
var schemas = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, r := range []struct{ file, id string }{
		{"bom-1.6.schema.json", "http://cyclonedx.org/schema/bom-1.6.schema.json"},
		{"spdx.schema.json", "http://cyclonedx.org/schema/spdx.schema.json"},
		{"jsf-0.82.schema.json", "http://cyclonedx.org/schema/jsf-0.82.schema.json"},
		{"spdx-2.3.schema.json", "http://spdx.org/rdf/terms/2.3"},
	} {
		f, err := os.Open(filepath.Join("testdata", "schema", r.file))
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		if err := c.AddResource(r.id, doc); err != nil {
			return nil, err
		}
	}
	out := map[string]*jsonschema.Schema{}
	for name, id := range map[string]string{"cyclonedx": "http://cyclonedx.org/schema/bom-1.6.schema.json", "spdx": "http://spdx.org/rdf/terms/2.3"} {
		s, err := c.Compile(id)
		if err != nil {
			return nil, err
		}
		out[name] = s
	}
	return out, nil
})

// checkSchema validates a document against the official schema of its
// format ("cyclonedx" or "spdx").
func checkSchema(t *testing.T, format string, doc []byte) {
	t.Helper()
	s, err := schemas()
	if err != nil {
		t.Fatalf("compiling the schemas: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("%s output is not JSON: %v", format, err)
	}
	if err := s[format].Validate(inst); err != nil {
		t.Errorf("%s output does not match the official schema: %v", format, err)
	}
}

// write returns inv's document in format.
func write(t *testing.T, inv *Inventory, format string, opts *WriteOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	if format == "spdx" {
		err = inv.WriteSPDX(&b, opts)
	} else {
		err = inv.WriteCycloneDX(&b, opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// decode parses a JSON document into generic values.
func decode(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// padSection returns the PE image img (as asmtest builds it: headers,
// then one section) with n zero bytes (a multiple of 512) between its
// headers and its section, which moves everything the parsers read past
// the head of a forward reader.
func padSection(img []byte, n int) []byte {
	le := binary.LittleEndian
	peOff := int(le.Uint32(img[0x3c:]))
	optSize := int(le.Uint16(img[peOff+20:]))
	sec := peOff + 24 + optSize
	raw := int(le.Uint32(img[sec+20:]))
	out := append([]byte{}, img[:raw]...)
	out = append(out, make([]byte, n)...)
	out = append(out, img[raw:]...)
	le.PutUint32(out[sec+20:], uint32(raw+n))
	return out
}

type cabEntry struct {
	name string
	data []byte
}

// storedCabinet builds a cabinet (MS-CAB) of one stored folder holding
// the files one after the other, in 32 KiB blocks without checksums.
func storedCabinet(files []cabEntry) []byte {
	le := binary.LittleEndian
	var stream []byte
	dir := make([]byte, 36+8)
	copy(dir, "MSCF")
	dir[24], dir[25] = 3, 1
	le.PutUint16(dir[26:], 1)
	le.PutUint16(dir[28:], uint16(len(files)))
	le.PutUint32(dir[16:], uint32(len(dir)))
	for _, f := range files {
		var h [16]byte
		le.PutUint32(h[0:], uint32(len(f.data)))
		le.PutUint32(h[4:], uint32(len(stream)))
		le.PutUint16(h[10:], 0x5821)
		dir = append(append(dir, h[:]...), f.name+"\x00"...)
		stream = append(stream, f.data...)
	}
	le.PutUint32(dir[36:], uint32(len(dir)))
	nblocks := 0
	for off := 0; off < len(stream); off += 32768 {
		end := min(off+32768, len(stream))
		var h [8]byte
		le.PutUint16(h[4:], uint16(end-off))
		le.PutUint16(h[6:], uint16(end-off))
		dir = append(append(dir, h[:]...), stream[off:end]...)
		nblocks++
	}
	le.PutUint16(dir[40:], uint16(nblocks))
	le.PutUint32(dir[8:], uint32(len(dir)))
	return dir
}
