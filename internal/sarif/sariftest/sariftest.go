package sariftest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed sarif-schema-2.1.0.json
var schemaJSON []byte

// SchemaID is the $id of the embedded schema.
const SchemaID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// compiled is the schema, compiled once.
var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	schemaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("sariftest: the embedded schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // uri, uri-reference, date-time
	if err := c.AddResource(SchemaID, schemaDoc); err != nil {
		return nil, err
	}
	sch, err := c.Compile(SchemaID)
	if err != nil {
		return nil, fmt.Errorf("sariftest: compiling the schema: %w", err)
	}
	return sch, nil
})

// Validate checks doc, a SARIF log as JSON, against the schema (with
// format assertions on), and returns the validation error (nil when it is
// valid).
func Validate(doc []byte) error {
	sch, err := compiled()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("sariftest: not JSON: %w", err)
	}
	return sch.Validate(inst)
}

// Check fails t when doc is not a valid SARIF 2.1.0 log or has no run.
func Check(t testing.TB, doc []byte) {
	t.Helper()
	if err := Validate(doc); err != nil {
		t.Fatalf("SARIF log does not validate against the 2.1.0 schema: %v\n%s", err, clip(doc))
	}
	var l struct {
		Version string            `json:"version"`
		Runs    []json.RawMessage `json:"runs"`
	}
	if err := json.Unmarshal(doc, &l); err != nil || l.Version != "2.1.0" || len(l.Runs) == 0 {
		t.Fatalf("SARIF log without version 2.1.0 or a run (%v)", err)
	}
}

func clip(b []byte) string {
	s := string(b)
	if len(s) > 2000 {
		s = s[:2000] + "\n..."
	}
	return strings.TrimSpace(s)
}
