package darwin_test

import (
	"fmt"
	"strings"

	"github.com/msikit/msikit/msi/darwin"
)

// The "command" value Windows Installer writes beside an advertised
// shell verb: a descriptor, a space and the verb's arguments.
func ExampleDecode() {
	d, args, err := darwin.Decode(`']gAVn-}f(ZXfeAR6.jiWORDFiles>P` + "`" + `os,1@SW=P7v6GPl]Xh /n "%1"`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("product:  ", d.Product)
	fmt.Println("feature:  ", d.Feature)
	fmt.Println("component:", d.Component)
	fmt.Println("arguments:", args)
	// Output:
	// product:   {90110409-6000-11D3-8CFE-0150048383C9}
	// feature:   WORDFiles
	// component: {1EBDE4BC-9A51-4630-B541-2561FA45CCC5}
	// arguments: /n "%1"
}

func ExampleEncode() {
	s, err := darwin.Encode(darwin.Descriptor{
		Product:   "{19FC3597-50E4-F1ED-E9FF-9ADCCFB93914}",
		Feature:   "Core",
		Component: "{2D901E14-4D7C-1E34-16C8-02E54D44D795}",
	})
	fmt.Println(s, err)
	// The short form without a component ends with '<'.
	s, err = darwin.Encode(darwin.Descriptor{Product: "{19FC3597-50E4-F1ED-E9FF-9ADCCFB93914}", Feature: "Core"})
	fmt.Println(s, err)
	// Output:
	// aGtE+933iv0@duoTgUR)Core>n$g_2D[0e,DSC[r~KQ1X <nil>
	// aGtE+933iv0@duoTgUR)Core< <nil>
}

// An advertised shortcut keeps its descriptor in the .lnk file's
// DarwinDataBlock; ReadShortcut finds it (here in a file that is not a
// shell link at all, which is an error naming the offset).
func ExampleReadShortcut() {
	_, err := darwin.ReadShortcut(strings.NewReader("not a shell link"))
	fmt.Println(err)
	// Output:
	// darwin: offset 0: shell link: 16 bytes, shorter than a shell link header (76)
}
