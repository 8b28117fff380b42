// Package edit holds what the passes of package transform share: the record
// of what a pass did (Log: row changes and notes, the same shapes as
// transform.Report's), the bound on how much it may do, and helpers that
// read rows as plain values and create the tables a pass adds; Pairs
// (the FeatureComponents relation) and Shared, which carries it from one
// pass to the next.
package edit
