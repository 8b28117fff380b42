package transform

import "github.com/msikit/msikit/transform/internal/edit"

// DefaultMaxChanges is the number of row changes ClassToRegistry and
// SplitAdvertised may make when their options leave MaxChanges at 0. Real
// packages need a few thousand at most; a crafted package of a few
// megabytes could otherwise ask for millions (a ProgId chain of 60,000, a
// feature whose conditions are copied into thousands of leaves), each
// costing memory in the tables and the report.
const DefaultMaxChanges = edit.DefaultMaxChanges

// ErrTooManyChanges is wrapped by the error a pass returns when it would
// make more row changes than its MaxChanges option allows. The database is
// left unchanged.
var ErrTooManyChanges = edit.ErrTooManyChanges
