package transform

import (
	"errors"
	"fmt"
)

// DefaultMaxChanges is the number of row changes ClassToRegistry and
// SplitAdvertised may make when their options leave MaxChanges at 0. Real
// packages need a few thousand at most; a crafted package of a few
// megabytes could otherwise ask for millions (a ProgId chain of 60,000, a
// feature whose conditions are copied into thousands of leaves), each
// costing memory in the tables and the report.
const DefaultMaxChanges = 100_000

// ErrTooManyChanges is wrapped by the error a pass returns when it would
// make more row changes than its MaxChanges option allows. The database is
// left unchanged.
var ErrTooManyChanges = errors.New("transform: too many row changes")

// tooMany is the error of a pass stopped at its MaxChanges bound; over says
// which bound ("more than 100000 row changes").
func tooMany(over string) error {
	return fmt.Errorf("%w: %s; the limit is the MaxChanges option (msikit rewrite --max-changes)", ErrTooManyChanges, over)
}
