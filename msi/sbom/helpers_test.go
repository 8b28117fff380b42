package sbom

import (
	"bytes"
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
