package sbom

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestTimesPastYear9999: a crafted package's summary times reach the year
// 60056, which an RFC 3339 date-time (four-digit years) cannot hold.
// SPDX's builtDate is then left out and its creation time falls back to
// the epoch, the time staying in the msikit:built comment line; a
// creation time given in such a year is refused.
func TestTimesPastYear9999(t *testing.T) {
	inv := &Inventory{Package: Package{Name: "crafted", Built: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}
	spdx := decode(t, write(t, inv, "spdx", nil))
	root := spdx["packages"].([]any)[0].(map[string]any)
	type got struct {
		Created, BuiltDate string
		Comment            bool
	}
	g := got{
		Created: spdx["creationInfo"].(map[string]any)["created"].(string),
		Comment: strings.Contains(root["comment"].(string), "msikit:built: 10000-01-01T00:00:00Z"),
	}
	if b, ok := root["builtDate"].(string); ok {
		g.BuiltDate = b
	}
	if diff := cmp.Diff(got{Created: "1970-01-01T00:00:00Z", Comment: true}, g); diff != "" {
		t.Errorf("SPDX of a package built in the year 10000 (-want +got):\n%s", diff)
	}
	for _, format := range []string{"cyclonedx", "spdx"} {
		checkSchema(t, format, write(t, inv, format, nil))
		for _, created := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)} {
			var b bytes.Buffer
			var err error
			if format == "spdx" {
				err = inv.WriteSPDX(&b, &WriteOptions{Created: created})
			} else {
				err = inv.WriteCycloneDX(&b, &WriteOptions{Created: created})
			}
			if err == nil || b.Len() != 0 {
				t.Errorf("%s with Created %v: %d bytes written, error %v; want an error and nothing written", format, created, b.Len(), err)
			}
		}
	}
}
