package edit

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/msi"
)

// TestValueIntegers checks that Value reads integer text as fmt.Sscan
// does (what it did for all of it before its decimal fast path): the
// same value, or null, for plain decimals and for what the fast path
// leaves to Sscan (signs, base prefixes, leading zeros, overflow,
// trailing text).
func TestValueIntegers(t *testing.T) {
	texts := []string{"0", "-0", "1", "-1", "7", "42", "255", "32767", "-32768", "123456789", "-123456789",
		"999999999", "1000000000", "2147483647", "-2147483648", "2147483648", "99999999999",
		"+5", "0x10", "0b101", "0o17", "017", "00", "1_000", "12 abc", " 3", "3 ", "-", "--1", "1e3", "abc", "٣"}
	for _, typ := range []string{"i2", "I4"} {
		col, err := msi.ParseIDTType(typ)
		if err != nil {
			t.Fatal(err)
		}
		var got, want []string
		for _, s := range texts {
			got = append(got, s+" -> "+Value(col, s).String())
			var n int32
			w := ""
			if _, err := fmt.Sscan(s, &n); err == nil {
				w = strconv.Itoa(int(n))
			}
			want = append(want, s+" -> "+w)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: Value differs from fmt.Sscan (-want +got):\n%s", typ, diff)
		}
	}
}
