// Package bucket groups items by a small dense integer key in time linear
// in their number (a counting sort): one pass counts each key's items,
// one more puts each item in its key's run. The passes use it for a
// table's pairs of names numbered from 0 (FeatureComponents' features and
// components), where sorting a million rows whole, or appending to a
// slice per name, cost n log n comparisons or a regrown slice per name.
package bucket
