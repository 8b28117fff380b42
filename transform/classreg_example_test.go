package transform_test

import (
	"fmt"
	"log"
	"sort"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform"
)

// ExampleClassToRegistry rewrites the advertised COM registration of a
// small 64-bit package as Registry rows and prints what changed per table
// and the rows written for its local server.
func ExampleClassToRegistry() {
	db, err := msi.Open("internal/classreg/testdata/com64.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	rep, err := transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
	if err != nil {
		log.Fatal(err)
	}
	count := map[string]int{}
	for _, c := range rep.Changes() {
		count[fmt.Sprintf("%-6s %s", c.Op, c.Table)]++
	}
	var lines []string
	for k, n := range count {
		lines = append(lines, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	for _, c := range rep.Changes() {
		if c.Op == transform.OpAdd && c.Table == "Registry" && c.Reason == "Class {7E57C0DE-C1A5-4000-8000-000000000002} LocalServer32" {
			// New is Registry, Root, Key, Name, Value, Component_.
			fmt.Printf("%s [%s] = %s\n", c.New[2], c.New[3], c.New[4])
		}
	}
	// Output:
	// add    InstallExecuteSequence: 2
	// add    Registry: 54
	// remove AppId: 1
	// remove Class: 3
	// remove Extension: 2
	// remove MIME: 1
	// remove ProgId: 4
	// remove Verb: 3
	// CLSID\{7E57C0DE-C1A5-4000-8000-000000000002} [] = Com64 Server
	// CLSID\{7E57C0DE-C1A5-4000-8000-000000000002}\LocalServer32 [] = "[#local.exe]" -mode [SERVERMODE]
	// CLSID\{7E57C0DE-C1A5-4000-8000-000000000002}\ProgID [] = Com64.Server
	// CLSID\{7E57C0DE-C1A5-4000-8000-000000000002} [AppID] = {7E57C0DE-A991-4000-8000-000000000001}
	// CLSID\{7E57C0DE-C1A5-4000-8000-000000000002}\InprocHandler [] = ole2.dll
	// CLSID\{7E57C0DE-C1A5-4000-8000-000000000002}\InprocHandler32 [] = ole32.dll
}
