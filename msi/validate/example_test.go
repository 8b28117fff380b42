package validate_test

import (
	"fmt"
	"log"
	"path/filepath"
	"strings"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/validate"
)

// Validate the repository's sample package with every rule but ICE33, and
// count what was found.
func ExampleValidate() {
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	findings, err := validate.Validate(db, &validate.Options{Skip: []string{"ICE33"}})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range findings {
		short, _, _ := strings.Cut(f.Message, " (")
		fmt.Println(f.ICE, f.Severity, short)
	}
	errs, warnings, infos := validate.Counts(findings)
	fmt.Println(errs, "errors,", warnings, "warnings,", infos, "info")
	// Output:
	// ICE03 info the package has no _Validation table
	// 0 errors, 0 warnings, 1 info
}
