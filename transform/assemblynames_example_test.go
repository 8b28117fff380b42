package transform_test

import (
	"fmt"
	"os"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform"
)

// The sample package's assembly payloads are placeholders, not real
// assemblies, so nothing can be read from metadata: the fallback fills the
// missing processorArchitecture, replaces the invalid "neutral", and the
// report says the values were guessed.
func ExampleAssemblyNames() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	rep, err := transform.AssemblyNames(db, transform.AssemblyNamesOptions{
		// Open (or Source) would supply the files from the package's
		// cabinets or an extracted tree; here none is given.
		ProcessorArchitecture: "MSIL",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The changes alone: the notes repeat, per row, that no file was
	// read.
	changes := &transform.Report{Pass: rep.Pass}
	for _, c := range rep.Changes() {
		fmt.Println(c.Op, c.New)
		changes.AddChange(c)
	}
	changes.WriteText(os.Stdout)
	// Output:
	// add [AsmMissingArch processorArchitecture MSIL]
	// update [AsmNeutral processorArchitecture MSIL]
	// assembly-names: add    MsiAssemblyName [AsmMissingArch	processorArchitecture	MSIL] (guessed: fallback processor architecture, file not read)
	// assembly-names: update MsiAssemblyName [AsmNeutral	processorArchitecture	MSIL] (invalid "neutral"; guessed: fallback processor architecture, file not read)
}
