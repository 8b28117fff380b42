package msi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
)

// msiinfoSuminfo renders si the way `msiinfo suminfo` prints it: this
// test's adapter to compare decoded values with the oracle.
func msiinfoSuminfo(si *SummaryInfo) string {
	var b strings.Builder
	for _, e := range []struct {
		id   PropertyID
		name string
	}{
		{PIDTitle, "Title"}, {PIDSubject, "Subject"}, {PIDAuthor, "Author"},
		{PIDKeywords, "Keywords"}, {PIDComments, "Comments"}, {PIDTemplate, "Template"},
		{PIDLastAuthor, "Last author"}, {PIDRevision, "Revision number (UUID)"},
		{PIDEditTime, "Edittime"}, {PIDLastPrinted, "Last printed"}, {PIDCreated, "Created"},
		{PIDLastSaved, "Last saved"}, {PIDPageCount, "Version"}, {PIDWordCount, "Source"},
		{PIDCharCount, "Restrict"}, {PIDThumbnail, "Thumbnail"}, {PIDAppName, "Application"},
		{PIDSecurity, "Security"},
	} {
		p, ok := si.Get(e.id)
		if !ok {
			continue
		}
		switch p.Type {
		case PropInt16, PropInt32:
			fmt.Fprintf(&b, "%s: %d (%x)\n", e.name, p.Int, uint32(p.Int))
		case PropString:
			fmt.Fprintf(&b, "%s: %s\n", e.name, p.Raw)
		case PropFiletime:
			fmt.Fprintf(&b, "%s: %s\n", e.name, filetimeToTime(p.Time).Format("Mon Jan _2 15:04:05 2006"))
		}
	}
	return b.String()
}

// TestSummaryInfoMatchesMsiinfo compares every corpus file's summary
// information with `msiinfo suminfo`, checks the _SummaryInformation types
// are the ones Windows Installer uses, and that encoding the decoded set
// reproduces the stream byte for byte.
func TestSummaryInfoMatchesMsiinfo(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	var compared, roundTrips int
	for _, file := range testenv.CorpusFiles(t) {
		if testenv.IsCorrupt(file) {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			db, err := Open(file)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer db.Close()
			si, err := db.SummaryInfo()
			if err != nil {
				t.Fatalf("SummaryInfo: %v", err)
			}
			want, err := testenv.Msiinfo(t, msiinfo, t.TempDir(), "suminfo", file)
			if err != nil {
				t.Fatalf("msiinfo suminfo: %v", err)
			}
			if diff := cmp.Diff(string(want), msiinfoSuminfo(si)); diff != "" {
				t.Errorf("summary information differs from msiinfo suminfo (-msiinfo +ours):\n%s", diff)
			}
			compared++
			for _, p := range si.Properties() {
				if w := p.ID.Type(); w != p.Type {
					t.Errorf("property %s has type %s, want %s", p.ID, p.Type, w)
				}
			}
			st, err := db.OpenStream(SummaryInfoStream)
			if err != nil {
				return // no summary information: checked above as empty
			}
			raw := make([]byte, st.Size())
			if _, err := st.ReadAt(raw, 0); err != nil {
				t.Fatal(err)
			}
			enc, err := si.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(raw, enc) {
				t.Errorf("re-encoding changed the property set (%d -> %d bytes)", len(raw), len(enc))
			} else {
				roundTrips++
			}
		})
	}
	t.Logf("%d files match msiinfo suminfo; %d property sets re-encode byte for byte", compared, roundTrips)
}

// buildSet encodes a property set from a few properties through the
// public API.
func buildSet(t *testing.T) *SummaryInfo {
	t.Helper()
	si := NewSummaryInfo()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(si.SetInt(PIDCodepage, 1252))
	must(si.SetString(PIDTitle, "Installation Database"))
	must(si.SetString(PIDSubject, "Café ünd Söhne"))
	must(si.SetString(PIDTemplate, "x64;1033"))
	must(si.SetString(PIDRevision, "{12345678-1234-1234-1234-123456789012}"))
	must(si.SetTime(PIDCreated, time.Date(2024, 5, 21, 10, 20, 30, 0, time.UTC)))
	must(si.SetInt(PIDPageCount, 500))
	must(si.SetInt(PIDWordCount, 2))
	must(si.SetInt(PIDSecurity, 2))
	return si
}

func TestSummaryInfoEditRoundTrip(t *testing.T) {
	si := buildSet(t)
	b, err := si.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseSummaryInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	type view struct {
		ID   PropertyID
		Type PropType
		Text string
		Str  string
	}
	list := func(s *SummaryInfo) (out []view) {
		for _, p := range s.Properties() {
			out = append(out, view{p.ID, p.Type, p.Text(), p.Str})
		}
		return out
	}
	want := []view{
		{PIDCodepage, PropInt16, "1252", ""},
		{PIDTitle, PropString, "Installation Database", "Installation Database"},
		{PIDSubject, PropString, "Caf\xe9 \xfcnd S\xf6hne", "Café ünd Söhne"},
		{PIDTemplate, PropString, "x64;1033", "x64;1033"},
		{PIDRevision, PropString, "{12345678-1234-1234-1234-123456789012}", "{12345678-1234-1234-1234-123456789012}"},
		{PIDCreated, PropFiletime, "2024/05/21 10:20:30", ""},
		{PIDPageCount, PropInt32, "500", ""},
		{PIDWordCount, PropInt32, "2", ""},
		{PIDSecurity, PropInt32, "2", ""},
	}
	if diff := cmp.Diff(want, list(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	b2, _ := got.MarshalBinary()
	if !bytes.Equal(b, b2) {
		t.Error("decode+encode of an encoded set is not stable")
	}

	// Changing the codepage re-encodes strings; refusing what the new
	// codepage cannot hold.
	if err := got.SetInt(PIDCodepage, 1251); err == nil {
		t.Error("codepage 1251 accepted for a Latin-1 string")
	}
	if err := got.SetString(PIDAuthor, "Ж"); err == nil {
		t.Error("Cyrillic accepted in codepage 1252")
	}
	if err := got.SetString(PIDCreated, "x"); !errors.Is(err, ErrPropertyType) {
		t.Errorf("SetString on a FILETIME property: %v, want ErrPropertyType", err)
	}
	if err := got.SetInt(PIDCodepage, 65001); err != nil {
		t.Fatal(err)
	}
	if p, _ := got.Get(PIDSubject); string(p.Raw) != "Café ünd Söhne" {
		t.Errorf("after switching to UTF-8, Subject bytes = %q", p.Raw)
	}
	if cp := got.Codepage(); cp != 65001 {
		t.Errorf("Codepage() = %d, want 65001 (VT_I2 read unsigned)", cp)
	}
	if !got.Delete(PIDSecurity) || got.Delete(PIDSecurity) {
		t.Error("Delete did not report presence correctly")
	}
}

func TestFiletimeText(t *testing.T) {
	for _, tc := range []struct {
		ft   cfb.Filetime
		text string
	}{
		{0, "1601/01/01 00:00:00"},
		{116444736000000000, "1970/01/01 00:00:00"},
		{128279099140000000 + 9999999, "2007/07/03 04:18:34"},
		{2650467743990000000, "9999/12/31 23:59:59"},
		{2650467744000000000, "10000/01/01 00:00:00"},
		{math.MaxUint64, "60056/05/28 05:36:10"}, // the last FILETIME
	} {
		if got := FormatFiletime(tc.ft); got != tc.text {
			t.Errorf("FormatFiletime(%d) = %q, want %q", tc.ft, got, tc.text)
		}
		back, err := ParseFiletime(tc.text)
		if err != nil || back != tc.ft/10000000*10000000 {
			t.Errorf("ParseFiletime(%q) = %d, %v", tc.text, back, err)
		}
	}
	for _, bad := range []string{
		"2007-07-05",
		"1600/12/31 23:59:59",  // before 1601
		"10001/02/29 00:00:00", // not a leap year
		"60056/05/28 05:36:11", // past the last FILETIME
		"100000/01/01 00:00:00",
		"1000a/01/01 00:00:00",
	} {
		if ft, err := ParseFiletime(bad); err == nil {
			t.Errorf("ParseFiletime(%q) = %d, want an error", bad, ft)
		}
	}
}

// Malformed property sets give ErrFormat naming the stream, never a panic.
func TestParseSummaryInfoErrors(t *testing.T) {
	good, err := buildSet(t).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	le := func(b []byte, off int, v uint32) []byte {
		b[off], b[off+1], b[off+2], b[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		return b
	}
	tests := map[string][]byte{
		"empty":            {},
		"short header":     good[:20],
		"byte order":       mod(func(b []byte) []byte { b[0] = 0; return b }),
		"no sections":      mod(func(b []byte) []byte { return le(b, 24, 0) }),
		"many sections":    mod(func(b []byte) []byte { return le(b, 24, 1000) }),
		"section offset":   mod(func(b []byte) []byte { return le(b, 44, 1<<30) }),
		"section size":     mod(func(b []byte) []byte { return le(b, 48, 1<<30) }),
		"property count":   mod(func(b []byte) []byte { return le(b, 52, 1<<28) }),
		"property offset":  mod(func(b []byte) []byte { return le(b, 60, 1<<30) }),
		"string length":    mod(func(b []byte) []byte { return le(b, 48+int(good[64])+4+4, 1<<30) }),
		"truncated values": good[:len(good)-30],
		"wrong fmtid":      mod(func(b []byte) []byte { b[28] ^= 1; return b }),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseSummaryInfo(b)
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v, want ErrFormat", err)
			}
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Stream != SummaryInfoStream {
				t.Errorf("error %v does not name %q", err, SummaryInfoStream)
			}
		})
	}
}

// opaqueSummary returns a property set of n properties of type VT(99),
// each its 4-byte type field alone: 12 bytes a property.
func opaqueSummary(n int) []byte {
	le := binary.LittleEndian
	b := le.AppendUint16(nil, 0xFFFE)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, 0x00020005)
	b = append(b, make([]byte, 16)...)
	b = le.AppendUint32(b, 1)
	b = append(b, fmtidSummaryInformation[:]...)
	b = le.AppendUint32(b, 48)
	valueAt := 8 + 8*n
	b = le.AppendUint32(b, uint32(valueAt+4*n))
	b = le.AppendUint32(b, uint32(n))
	for i := range n {
		b = le.AppendUint32(b, uint32(100+i))
		b = le.AppendUint32(b, uint32(valueAt+4*i))
	}
	for range n {
		b = le.AppendUint32(b, 99)
	}
	return b
}

// TestSummaryInfoPropertyLimit: a section of more than 4,096 properties
// is refused, naming the count's offset, within the budgets. 400,000
// properties of 4 bytes (4.8 MB) took every command reading them 160-210
// MiB, and decoding them minutes: the end of each opaque value was
// searched for among all the offsets (and still takes 1.6 billion steps
// for the first 4,096 of them).
func TestSummaryInfoPropertyLimit(t *testing.T) {
	for _, n := range []int{maxSummaryProperties, maxSummaryProperties + 1, 400_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			b := opaqueSummary(n)
			var si *SummaryInfo
			var err error
			testenv.CheckBudget(t, "ParseSummaryInfo", func() { si, err = ParseSummaryInfo(b) })
			if n <= maxSummaryProperties {
				if err != nil || len(si.Properties()) != n {
					t.Fatalf("%d properties: %v", n, err)
				}
				return
			}
			want := &FormatError{Stream: SummaryInfoStream, Offset: 52, Msg: fmt.Sprintf("property count %d exceeds the limit of 4096", n)}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FormatError", err)
			}
			if diff := cmp.Diff(want, fe); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}
