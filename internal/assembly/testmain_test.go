package assembly

import (
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// TestMain refuses a bad $MSIKIT_CORPUS and reports skipped oracle checks
// (testenv.Main).
func TestMain(m *testing.M) { testenv.Main(m) }
