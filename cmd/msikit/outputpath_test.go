package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
)

// TestWritersRefuseOtherInputs: an output that is one of the other files
// a writer reads (import's IDT file, apply's transform, the signing
// certificate or key of sign and of the writers' --sign-* flags), by its
// name or through a hard link, is refused before anything is written,
// with one line naming it: the rename would replace it (an IDT file or a
// private key replaced by a package). Before, all of them exited 0 having
// replaced the file.
func TestWritersRefuseOtherInputs(t *testing.T) {
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	dir := t.TempDir()
	writers(t, dir) // writes dir/Property.idt and dir/fix.mst
	idtFile, mst := filepath.Join(dir, "Property.idt"), filepath.Join(dir, "fix.mst")
	for _, tt := range []struct {
		name, victim string
		args         func(in, out string) []string
	}{
		{"import IDT", idtFile, func(in, out string) []string { return []string{"import", in, idtFile, "-o", out} }},
		{"apply transform", mst, func(in, out string) []string { return []string{"apply", in, mst, "-o", out} }},
		{"sign --cert", pki.CertFile, func(in, out string) []string {
			return []string{"sign", in, "--cert", pki.CertFile, "--key", pki.KeyFile, "-o", out}
		}},
		{"sign --key", pki.KeyFile, func(in, out string) []string {
			return []string{"sign", in, "--cert", pki.CertFile, "--key", pki.KeyFile, "-o", out}
		}},
		{"repack --sign-key", pki.KeyFile, func(in, out string) []string {
			return []string{"repack", in, "--sign-cert", pki.CertFile, "--sign-key", pki.KeyFile, "-o", out}
		}},
		{"rewrite --sign-cert", pki.CertFile, func(in, out string) []string {
			return []string{"rewrite", in, "--sign-cert", pki.CertFile, "--sign-key", pki.KeyFile, "-o", out}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := t.TempDir()
			in := copySample(t, d, "in.msi")
			hard := filepath.Join(d, "hard")
			if err := os.Link(tt.victim, hard); err != nil {
				t.Fatal(err)
			}
			sums := map[string]string{in: sha(t, in), tt.victim: sha(t, tt.victim)}
			for _, out := range []string{tt.victim, hard} {
				code, _, stderr := runCLI(t, tt.args(in, out)...)
				checkOneLineError(t, code, stderr, out, in)
				if !strings.Contains(stderr, "same file as the input "+tt.victim) {
					t.Errorf("-o %s: %q does not name the input it is", out, stderr)
				}
				for f, sum := range sums {
					if sha(t, f) != sum {
						t.Fatalf("-o %s: %s changed", out, f)
					}
				}
			}
		})
	}
}
