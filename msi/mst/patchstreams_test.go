package mst_test

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// patchNamingStreams returns a patch for testdata/sample.msi whose one
// transform T adds a Media row for each of cabinets ("#name"), and which
// holds a stream of each of those names (junk bytes), as its own
// streams.
func patchNamingStreams(t *testing.T, cabinets ...string) []byte {
	t.Helper()
	sample := filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi")
	base, err := msi.Open(sample)
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	changed, err := msi.Open(sample)
	if err != nil {
		t.Fatal(err)
	}
	defer changed.Close()
	media, err := changed.Table("Media")
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cabinets {
		if err := media.Insert(msi.IntValue(int32(10+i)), msi.IntValue(int32(100+i)), msi.Value{}, msi.StrValue("#"+c), msi.Value{}, msi.Value{}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := mst.Diff(base, changed)
	if err != nil {
		t.Fatal(err)
	}
	si, err := mst.NewSummary(base, changed, nil)
	if err != nil {
		t.Fatal(err)
	}
	var tb bytes.Buffer
	if err := mst.Write(&tb, c, si); err != nil {
		t.Fatal(err)
	}
	tr, err := cfb.NewReader(bytes.NewReader(tb.Bytes()), int64(tb.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := cfb.NewWriter(&buf, nil)
	clsid, _ := cfb.ParseGUID(msi.CLSIDPatch)
	w.SetRoot(cfb.Header{CLSID: clsid})
	tclsid, _ := cfb.ParseGUID(msi.CLSIDTransform)
	if err := w.MkdirHeader("", &cfb.Header{Name: "T", CLSID: tclsid}); err != nil {
		t.Fatal(err)
	}
	for _, e := range tr.Root.Children {
		s, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.CreateHeaderFrom("T", &cfb.Header{RawName: e.RawName}, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	psi := msi.NewSummaryInfo()
	psi.SetInt(msi.PIDCodepage, 1252)
	psi.SetString(msi.PIDTemplate, si.String(msi.PIDRevision)[:38])
	psi.SetString(msi.PIDRevision, "{11111111-2222-3333-4444-555555555555}")
	psi.SetString(msi.PIDLastAuthor, "T")
	streams := map[string][]byte{msi.SummaryInfoStream: nil}
	if streams[msi.SummaryInfoStream], err = psi.MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	for _, c := range cabinets {
		streams[c] = []byte("not a cabinet: the patch's own " + c)
	}
	for name, data := range streams {
		raw, err := msi.EncodeStreamName(name, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.CreateHeaderFrom("", &cfb.Header{RawName: raw}, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestApplyPatchReservedStreams: a Media row a patch adds that names
// "#\x05DigitalSignature" (or any "\x05" name: property sets and
// signatures, never cabinets) does not copy the patch's stream of that
// name into the database: a signed patch has one, and ApplyPatch copied
// it, so that the patched package, written, looked signed by the patch's
// signature. The row itself is applied, the stream noted; a real cabinet
// named beside it is still copied.
func TestApplyPatchReservedStreams(t *testing.T) {
	data := patchNamingStreams(t, msi.DigitalSignatureStream, msi.DigitalSignatureExStream, "real.cab")
	pdb, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := mst.NewPatch(pdb)
	if err != nil {
		t.Fatal(err)
	}
	base, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	rep, err := mst.ApplyPatch(base, p, &mst.ApplyOptions{Skip: mst.AllChecks})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"real.cab"}, rep.Cabinets); diff != "" {
		t.Errorf("cabinets copied (-want +got):\n%s", diff)
	}
	noted := 0
	for _, n := range rep.Notes {
		if strings.Contains(n, "a reserved stream name") {
			noted++
		}
	}
	if noted != 2 {
		t.Errorf("%d notes of reserved names, want 2: %q", noted, rep.Notes)
	}
	var out bytes.Buffer
	if _, err := base.Write(&out, nil); err != nil {
		t.Fatal(err)
	}
	got, err := msi.NewDatabase(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if got.Signed() {
		t.Error("the patched package has a signature stream (the patch's)")
	}
	media, err := got.Table("Media")
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for range media.Rows() {
		rows++
	}
	if rows != 4 {
		t.Errorf("Media has %d rows, want the 1 of the sample and the 3 the patch adds", rows)
	}
}
