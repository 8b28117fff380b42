package main

import (
	"os"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// TestMain refuses a bad $MSIKIT_CORPUS and reports skipped oracle checks
// (testenv.Run), then removes the peak-RSS launcher measureRSS built.
func TestMain(m *testing.M) {
	code := testenv.Run(m)
	removePeakRSS()
	os.Exit(code)
}
