// Package textmemo remembers what was computed from a long text by the
// identity of its bytes: the cells that reference one pooled string of a
// package hold the same bytes, so a 64 KiB string repeated in a million
// rows is folded, scanned or checked once, not once per row (hashing or
// copying the text per row would make the work grow with how often the
// package repeats it).
package textmemo
