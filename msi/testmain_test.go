package msi

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// TestMain runs the tests through testenv.Run (which refuses a bad
// $MSIKIT_CORPUS and reports skipped oracle checks), then removes the
// generated benchmark database.
func TestMain(m *testing.M) {
	code := testenv.Run(m)
	if bigPath != "" {
		os.RemoveAll(filepath.Dir(bigPath))
	}
	os.Exit(code)
}
