// Package safefile writes files atomically: the content goes to a temporary
// file in the destination's folder, is synced, and is renamed over the
// destination only when everything succeeded. A failure at any point leaves
// the destination as it was (or absent) and removes the temporary file.
package safefile
