package transform_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform"
)

// A pass that would make more row changes than MaxChanges allows stops
// before changing anything; a package this big in COM registration is
// either hostile or needs the limit raised.
func ExampleClassToRegistryOptions_maxChanges() {
	db, err := msi.Open("../testdata/crafted/valid/msi-progid-chain-60k.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	_, err = transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
	fmt.Println(errors.Is(err, transform.ErrTooManyChanges), db.Modified())
	// Output:
	// true false
}
