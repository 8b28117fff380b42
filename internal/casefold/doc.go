// Package casefold indexes strings by case: Key maps strings that
// strings.EqualFold equates to one key, for maps that look names up the
// way Windows compares them.
package casefold
