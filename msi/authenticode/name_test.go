package authenticode

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// TestFormatNameAsPkix: up to 1,024 bytes, FormatName gives what
// pkix.Name's String gives, escaping, multi-valued RDNs and attributes of
// unknown types (#hex) included.
func TestFormatNameAsPkix(t *testing.T) {
	names := []pkix.Name{
		{},
		{CommonName: "Contoso Code Signing"},
		{CommonName: " lead,+\"\\<>;# trail ", Organization: []string{"A", "B"}, Country: []string{"US"},
			OrganizationalUnit: []string{"x+y", "#1"}, Locality: []string{"Redmond"}, SerialNumber: "42"},
		{CommonName: "ext", ExtraNames: []pkix.AttributeTypeAndValue{
			{Type: asn1.ObjectIdentifier{1, 2, 3, 4}, Value: "unknown"},
			{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "extra CN"},
		}},
		{CommonName: "\x1b]0;title\x07\u202e", Province: []string{"é"}, StreetAddress: []string{"1 Way"}, PostalCode: []string{"98052"}},
	}
	for _, n := range names {
		if diff := cmp.Diff(n.String(), FormatName(n)); diff != "" {
			t.Errorf("FormatName(%v) (-pkix +FormatName):\n%s", n, diff)
		}
	}
}

// TestFormatNameClips: a name of 400,000 attributes (pkix.Name's String
// takes minutes on it) is formatted within the budget and clipped; so is a
// single huge value.
func TestFormatNameClips(t *testing.T) {
	var got string
	flood := pkix.Name{CommonName: "cn", OrganizationalUnit: make([]string, 400_000)}
	testenv.CheckBudget(t, "FormatName of 400,000 attributes", func() { got = FormatName(flood) })
	// "CN=cn" and 400,000 times "OU=" with a separator each.
	if want := ("CN=cn,OU=" + strings.Repeat("+OU=", 399_999))[:120] + "…(1600005 bytes)"; got != want {
		t.Errorf("FormatName = %q, want %q", got, want)
	}
	long := pkix.Name{CommonName: strings.Repeat("é", 1<<20)}
	got = FormatName(long)
	if want := "CN=" + strings.Repeat("é", 58) + "…(2097155 bytes)"; got != want {
		t.Errorf("FormatName of a 2 MB common name = %q, want %q", got, want)
	}
}
