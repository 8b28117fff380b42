// Package clip shortens values from a package before a message quotes
// them: a pooled 64 KiB string that thousands of rows reference would
// otherwise be copied into the message of each row, making memory and
// output grow with how often the package repeats it.
package clip
