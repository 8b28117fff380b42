// Package mst reads, applies and generates Windows Installer transforms
// (.mst) and reads and applies the database part of patches (.msp).
package mst
