package msilog_test

import (
	"fmt"
	"strings"

	"github.com/msikit/msikit/msi/msilog"
)

// A log in which an entry point's health check found a component missing,
// as the event log's two messages put it (quoted from Microsoft's
// "Searching for a Broken Feature or Component").
func ExampleExplain() {
	log := strings.Join([]string{
		"Detection of product 'MyProduct', feature 'MyFeature' failed during request for component 'MyComponent'",
		"Detection of product 'MyProduct', feature 'MyFeature', component 'MyComponent' failed",
	}, "\r\n")
	x, err := msilog.Explain(strings.NewReader(log), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range x.Causes {
		fmt.Println(c.Pattern, c.Lines)
		fmt.Println(c.Summary)
	}
	// Output:
	// detection-component [1 2]
	// component MyComponent's key path is missing, and the entry point asking for component MyComponent triggered the check of feature MyFeature
}
