package sbom

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// marshalEncoder writes a value as the documents were written before
// they used jsonindent: encoding/json with SetEscapeHTML(false), then
// every character that is not printable escaped over the whole text.
type marshalEncoder struct{ w *bufio.Writer }

func (m *marshalEncoder) Reset(w *bufio.Writer) { m.w = w }

func (m *marshalEncoder) Encode(prefix string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	start := 0
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == 0x7f || r >= utf8.RuneSelf && !unicode.IsPrint(r) {
			m.w.Write(b[start:i])
			if r > 0xffff {
				r1, r2 := utf16Pair(r)
				m.w.WriteString(uEscape(r1) + uEscape(r2))
			} else {
				m.w.WriteString(uEscape(r))
			}
			start = i + size
		}
		i += size
	}
	_, err := m.w.Write(b[start:])
	return err
}

func uEscape(r rune) string {
	const hex = "0123456789abcdef"
	return `\u` + string([]byte{hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf]})
}

// utf16Pair splits a supplementary character into its surrogates.
func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// MarshalJSON writes the properties as the SPDX comment string they were
// before they became a jsonindent.Text (only the tests' marshalEncoder
// uses it: a Text is written as a Text).
func (p props) MarshalJSON() ([]byte, error) { return marshalText(p) }

// MarshalJSON writes the root package's SPDX comment as a string, as
// props do.
func (c *spdxRootComment) MarshalJSON() ([]byte, error) { return marshalText(c) }

// marshalText writes a jsonindent.Text as the JSON string of its pieces
// joined, with encoding/json.
func marshalText(t interface{ JSONText(func(string) bool) }) ([]byte, error) {
	var s strings.Builder
	t.JSONText(func(piece string) bool { s.WriteString(piece); return true })
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(s.String())
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}

// TestWriterMatchesEncodingJSON compares, byte for byte, the CycloneDX and
// SPDX documents written with jsonindent (each long string escaped once)
// with the documents written value by value with encoding/json, as
// before, for the sample, the crafted packages (64 KiB strings shared by
// every row, control characters and escapes in names, 50,000 files) and
// the corpus.
func TestWriterMatchesEncodingJSON(t *testing.T) {
	files := []string{testenv.SampleMSI()}
	crafted, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "*.ms[im]"))
	files = append(files, crafted...)
	if testenv.CorpusDir() != "" {
		files = append(files, testenv.CorpusFiles(t)...)
	}
	opts := &WriteOptions{Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), ToolVersion: "v0.0.0-test"}
	inventories := 0
	hostile := "a\x1b[2Jb\x7fc\u0085d\u202ee\U000E0001f\x00g<&>\xff\u2028"
	files = append(files, "short strings", "hostile")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var inv *Inventory
			switch file {
			case "short strings":
				inv = shortStringsInventory(300)
			case "hostile":
				inv = &Inventory{
					Package: Package{Kind: msi.PackageInstaller, Name: hostile, Manufacturer: hostile},
					Files: []*File{{File: install.File{Key: "K", Name: hostile, Path: "dir/" + hostile}, Read: true, SHA256: sum256(nil), SHA1: sum1(nil)},
						{File: install.File{Key: "L", Name: hostile}, ReadErr: errors.New(strings.Repeat(hostile, 40))}},
				}
			default:
				fi, err := os.Stat(file)
				if err != nil || fi.Size() > 4<<20 {
					t.Skip("too big to write twice with encoding/json")
				}
				if inv = readInventoryOrSkip(t, file); inv == nil {
					return
				}
			}
			inventories++
			for _, format := range []string{"cyclonedx", "spdx"} {
				render := func(j *jsonOut) error { return inv.cycloneDX(j, opts) }
				if format == "spdx" {
					render = inv.spdxDoc(opts).write
				}
				var old bytes.Buffer
				if err := render(newJSONOut(&old, &marshalEncoder{})); err != nil {
					t.Fatal(err)
				}
				if got := write(t, inv, format, opts); !bytes.Equal(old.Bytes(), got) {
					t.Errorf("%s: %d bytes with jsonindent, %d with encoding/json:\n%s", format, len(got), old.Len(), firstDiff(old.Bytes(), got))
				}
			}
		})
	}
	if inventories < 3 {
		t.Errorf("only %d inventories compared", inventories)
	}
}

// readInventoryOrSkip reads the inventory of a package, skipping the test
// for a file that is not one.
func readInventoryOrSkip(t *testing.T, path string) *Inventory {
	t.Helper()
	db, err := msi.Open(path)
	if err != nil {
		t.Skip(err)
		return nil
	}
	defer db.Close()
	inv, err := Read(db, nil)
	if err != nil {
		t.Skip(err)
		return nil
	}
	return inv
}

// firstDiff shows where two documents first differ.
func firstDiff(want, got []byte) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	from := max(0, i-200)
	return cmp.Diff(string(want[from:min(len(want), i+200)]), string(got[from:min(len(got), i+200)]))
}
